/**
 * A copy of a string that shares no memory with a larger one. V8 cuts substrings of 13 chars or
 * more as slices of their parent, so a tag or key cut from a message's text keeps the whole text
 * alive; a record that lives 32 s should hold a copy instead.
 */
export function flatCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
