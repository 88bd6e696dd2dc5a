/**
 * A pull request description that fits the forge's limit. A review of many
 * reports can exceed GitHub's 65 536 characters; rather than have the forge
 * refuse the whole pull request, the Markdown is cut at a line boundary and
 * ends with `footer`, which should say where the full review is.
 *
 * @example
 *   const body = fitBody(markdown, forge.maxBodyLength, '_Truncated: run `stella review summary main..agents/edge-1`._');
 */
export function fitBody(markdown: string, max: number, footer: string): string {
  if (markdown.length <= max) return markdown;
  const tail = `\n\n…\n\n${footer.trim()}\n`;
  const room = max - tail.length;
  if (room <= 0) return tail.trimStart().slice(0, max);
  let cut = markdown.lastIndexOf('\n', room);
  if (cut <= 0) {
    cut = room;
    // Never split a surrogate pair: the forge would see an invalid character.
    const code = markdown.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  }
  return `${markdown.slice(0, cut).trimEnd()}${tail}`;
}
