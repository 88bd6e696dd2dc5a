import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from './queue.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-queue-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('JobQueue', () => {
  it('keeps order across a reopen, and requeues a job left running at the head', async () => {
    const path = join(dir, 'order');
    let queue = await JobQueue.open(path, { max: 10 });
    const a = await queue.enqueue({ kind: 'scan', source: 'api', target: 'a' });
    const b = await queue.enqueue({ kind: 'push', source: 'schedule' });
    const c = await queue.enqueue({ kind: 'scan', source: 'api', target: 'c' });
    expect((await queue.take())?.id).toBe(a.id);
    await queue.finish(a.id, { status: 'done' });
    expect((await queue.take())?.id).toBe(b.id);
    expect(queue.hasActive('push')).toBe(true);
    await queue.close(); // as if killed while b ran

    queue = await JobQueue.open(path, { max: 10 });
    expect(queue.get(a.id)?.status).toBe('done');
    expect(queue.get(b.id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(queue.depth()).toBe(2);
    expect((await queue.take())?.id).toBe(b.id);
    expect((await queue.take())?.id).toBe(c.id);
    expect(await queue.take()).toBeUndefined();
    const d = await queue.enqueue({ kind: 'scan', source: 'api', target: 'd' });
    expect(d.seq).toBeGreaterThan(c.seq);
    await queue.close();
  });

  it('refuses with QUEUE_FULL past max waiting jobs; the running one does not count', async () => {
    const queue = await JobQueue.open(join(dir, 'full'), { max: 1 });
    await queue.enqueue({ kind: 'scan', source: 'api', target: 'a' });
    await expect(queue.enqueue({ kind: 'scan', source: 'api', target: 'b' })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await queue.take();
    expect(queue.hasActiveScan('a')).toBe(true);
    await queue.enqueue({ kind: 'scan', source: 'api', target: 'b' });
    await queue.close();
  });

  it('requeue puts a running job back first', async () => {
    const queue = await JobQueue.open(join(dir, 'requeue'), { max: 5 });
    const a = await queue.enqueue({ kind: 'scan', source: 'api', target: 'a' });
    const b = await queue.enqueue({ kind: 'scan', source: 'api', target: 'b' });
    await queue.take();
    await queue.requeue(a.id);
    expect((await queue.take())?.id).toBe(a.id);
    expect((await queue.take())?.id).toBe(b.id);
    await queue.close();
  });

  it('settled: resolves when the job finishes, at once for a finished or unknown job, and on close', async () => {
    const queue = await JobQueue.open(join(dir, 'settled'), { max: 10 });
    const job = await queue.enqueue({ kind: 'scan', source: 'api', target: 's' });
    let settled = false;
    const waiting = queue.settled(job.id, 60_000).then(() => (settled = true));
    await queue.take();
    await Promise.resolve();
    expect(settled).toBe(false);
    await queue.finish(job.id, { status: 'failed', error: 'x' });
    await waiting;
    expect(settled).toBe(true);
    await queue.settled(job.id, 60_000);
    await queue.settled('no-such-job', 60_000);
    const other = await queue.enqueue({ kind: 'scan', source: 'api', target: 't' });
    const released = queue.settled(other.id, 60_000);
    await queue.close();
    await released;
  });

  it('keeps only the newest finished jobs, in memory and on disk, while it runs and across a reopen', async () => {
    const path = join(dir, 'keep');
    let queue = await JobQueue.open(path, { max: 10, keepFinished: 2 });
    const ids: string[] = [];
    for (const target of ['a', 'b', 'c']) {
      const job = await queue.enqueue({ kind: 'scan', source: 'api', target });
      await queue.take();
      await queue.finish(job.id, { status: 'done' });
      ids.push(job.id);
    }
    expect(ids.map((id) => queue.get(id)?.status)).toEqual([undefined, 'done', 'done']);
    await queue.close();
    queue = await JobQueue.open(path, { max: 10, keepFinished: 2 });
    expect(ids.map((id) => queue.get(id)?.status)).toEqual([undefined, 'done', 'done']);
    await queue.close();
  });
});
