/** Chat services count characters and reject (or cut) what is longer: every text is clipped to its field's limit. */
export const ELLIPSIS = '…';

/**
 * `text` at most `max` UTF-16 units long (never more characters than a service counts), ending
 * in `…` when cut; a surrogate pair is never split, so the JSON stays valid UTF-8.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

/**
 * Escapes each character with `escapeChar` and clips the result to `max`, never cutting an escape in
 * half (an entity like `&amp;` or a backslash pair stays whole).
 */
export function escapeClip(text: string, max: number, escapeChar: (ch: string) => string): string {
  const pieces: string[] = [];
  let size = 0;
  // An escape never shrinks a character: the cut falls within the first max + 1 units.
  for (const ch of text.length > max + 1 ? text.slice(0, max + 2) : text) {
    const e = escapeChar(ch);
    if (size + e.length > max) {
      while (pieces.length > 0 && size > max - ELLIPSIS.length) size -= (pieces.pop() as string).length;
      return `${pieces.join('')}${ELLIPSIS}`;
    }
    pieces.push(e);
    size += e.length;
  }
  return pieces.join('');
}
