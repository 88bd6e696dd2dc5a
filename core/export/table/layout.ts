/**
 * Column widths that fit a terminal: the id, severity and version columns
 * keep their full width; the title shrinks first (and is left out when
 * nothing of it would be readable), then the library name, then columns
 * the caller names may be left out (the table's versions, so a narrow
 * terminal still shows status and verdict).
 *
 * @example
 *   fitWidths([10, 19, 8, 7, 7, 60], 80) // [10, 19, 8, 7, 7, 19]
 */

/** Spaces between columns. */
export const GAP = 2;
const MIN_TITLE = 12;
const MIN_LIBRARY = 12;

/** Which columns may shrink: the title (first, down to nothing), the library name, then the `drop` columns are left out in order. */
export interface Shrinkable {
  title: number;
  library: number;
  drop?: readonly number[];
}

/**
 * Widths for `natural` (each column's widest cell) within `columns`
 * characters, or `natural` unchanged when `columns` is undefined. A title
 * width of 0 means the title column is left out. When even that is too
 * wide, the caller cuts its lines at `columns` (renderTable does).
 */
export function fitWidths(natural: readonly number[], columns: number | undefined, shrinkable: Shrinkable = { title: 5, library: 0 }): number[] {
  const { title: TITLE, library: LIBRARY, drop = [] } = shrinkable;
  const widths = [...natural];
  if (columns === undefined) return widths;
  const total = (): number => widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.filter((w) => w > 0).length - 1);
  const over = total() - columns;
  if (over <= 0) return widths;
  const title = widths[TITLE] ?? 0;
  widths[TITLE] = title - over >= MIN_TITLE ? title - over : 0;
  const still = total() - columns;
  if (still > 0) widths[LIBRARY] = Math.max(MIN_LIBRARY, (widths[LIBRARY] ?? 0) - still);
  for (const column of drop) if (total() > columns) widths[column] = 0;
  return widths;
}

/** `text` cut to `width` characters, ending in an ellipsis when cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}

/** Width as a terminal counts it, one per code point (good enough for ids, versions and most titles). */
export function textWidth(text: string): number {
  return [...text].length;
}

/**
 * Prose (the summary and coverage lines) wrapped at spaces to `width`,
 * continuation lines indented by two; a word longer than the width stays
 * whole on its own line rather than being split mid-word.
 *
 * @example
 *   wrapText('110 deb packages (Debian 12): not checked', 20) // ['110 deb packages', '  (Debian 12): not', '  checked']
 */
export function wrapText(text: string, width: number | undefined): string[] {
  if (width === undefined || textWidth(text) <= width) return [text];
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (textWidth(candidate) <= width || current.trim() === '') current = candidate;
    else {
      lines.push(current);
      current = `  ${word}`;
    }
  }
  lines.push(current);
  return lines;
}
