/**
 * The notification outbox: events waiting to be delivered, one file per
 * event under `$STELLA_HOME/notify/outbox/<route>/`, written atomically
 * (agent/fs/atomic-write.ts) so a crash leaves either the whole event or
 * none. An event leaves the outbox only once a receiver accepted a message
 * carrying it; until then every delivery attempt (the next scan, `stella
 * notify flush`) sends it again — undeliverable events are kept, never
 * dropped. The file name is the event's identity, so an event queued twice
 * is kept once, with its first queueing time (what the digest waits on).
 *
 * @example
 *   const outbox = new Outbox(join(home, 'notify', 'outbox'));
 *   await outbox.add('security', events, new Date());
 *   const pending = await outbox.pending('security');
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { writeFileAtomically } from '../fs/atomic-write.js';
import { eventKey, type NotifyEvent } from './events.js';

/** One event in the outbox. */
export interface OutboxEntry {
  /** File name (the event's identity). */
  file: string;
  queuedAt: Date;
  event: NotifyEvent;
}

/** The outbox folder (see the module comment). */
export class Outbox {
  constructor(readonly dir: string) {}

  /** Queues `events` for `route`; an event already waiting keeps its place. Returns how many were new. */
  async add(route: string, events: readonly NotifyEvent[], now: Date): Promise<number> {
    const folder = join(this.dir, route);
    await mkdir(folder, { recursive: true });
    const waiting = new Set(await this.files(route));
    let added = 0;
    for (const event of events) {
      const file = `${createHash('sha256').update(eventKey(event)).digest('hex').slice(0, 32)}.json`;
      if (waiting.has(file)) continue;
      await writeFileAtomically(join(folder, file), `${JSON.stringify({ queuedAt: now.toISOString(), event })}\n`);
      waiting.add(file);
      added += 1;
    }
    return added;
  }

  /** The events waiting for `route`, oldest first. */
  async pending(route: string): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    for (const file of await this.files(route)) {
      const path = join(this.dir, route, file);
      let parsed: { queuedAt?: unknown; event?: unknown };
      try {
        parsed = JSON.parse(await readFile(path, 'utf8')) as { queuedAt?: unknown; event?: unknown };
      } catch (cause) {
        throw new StellaError('CONFIG_INVALID', `${path}: an outbox entry that cannot be read (${cause instanceof Error ? cause.message : String(cause)}); move it away to go on`, { cause });
      }
      if (typeof parsed.queuedAt !== 'string' || typeof parsed.event !== 'object' || parsed.event === null) {
        throw new StellaError('CONFIG_INVALID', `${path}: not an outbox entry (queuedAt, event); move it away to go on`);
      }
      entries.push({ file, queuedAt: new Date(parsed.queuedAt), event: parsed.event as NotifyEvent });
    }
    return entries.sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime() || (a.file < b.file ? -1 : 1));
  }

  /** Routes with a folder in the outbox (possibly empty), sorted. */
  async routes(): Promise<string[]> {
    const names = await readdir(this.dir, { withFileTypes: true }).catch((e: unknown) => notFoundIsEmpty<Dirent>(e));
    return names.filter((d) => d.isDirectory()).map((d) => d.name).sort();
  }

  /** Removes delivered entries. */
  async remove(route: string, entries: readonly OutboxEntry[]): Promise<void> {
    for (const entry of entries) await rm(join(this.dir, route, entry.file), { force: true });
  }

  private async files(route: string): Promise<string[]> {
    const names = await readdir(join(this.dir, route)).catch((e: unknown) => notFoundIsEmpty<string>(e));
    // Temporary files of an interrupted atomic write start with a dot.
    return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  }
}

function notFoundIsEmpty<T>(error: unknown): T[] {
  if ((error as { code?: unknown }).code === 'ENOENT') return [];
  throw error;
}
