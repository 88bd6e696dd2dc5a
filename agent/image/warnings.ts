/**
 * Warnings of one target: kept in order, capped so that a hostile input
 * with a million bad entries yields a bounded report, the overflow counted
 * in a last line.
 *
 * @example
 *   const warnings = new Warnings(1000);
 *   warnings.add('layer 2: ../../.wh.etc: path escapes the image root; skipped');
 *   warnings.list(); // [...]
 */
export class Warnings {
  private readonly kept: string[] = [];
  private dropped = 0;

  constructor(private readonly max: number) {}

  /** Adds a warning, as one line: control characters from names in it are escaped. */
  add(message: string): void {
    if (this.kept.length < this.max) this.kept.push(oneLine(message));
    else this.dropped++;
  }

  /** Counts `count` warnings given over a cap elsewhere (a layer's own) as dropped here too. */
  drop(count: number): void {
    for (let i = 0; i < count; i++) this.add('');
  }

  /** Warnings kept so far (a position to slice `list()` from). */
  get size(): number {
    return this.kept.length;
  }

  /** True once a warning was dropped over the cap. */
  get overflowed(): boolean {
    return this.dropped > 0;
  }

  /** The warnings, plus one line counting those over the cap. */
  list(): string[] {
    return this.dropped === 0 ? [...this.kept] : [...this.kept, `${this.dropped} more warnings not shown`];
  }
}

export { printable } from '../../core/archive/bytes.js';

/** Control characters escaped (backslashes left alone: they may be escapes already), cut at 2000 chars. */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = message.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return escaped.length > 2000 ? `${escaped.slice(0, 2000)}…` : escaped;
}
