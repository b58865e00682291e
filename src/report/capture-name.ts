/**
 * How a report names a capture in a title: its file name without the directories, or
 * "standard input" for `-` (the path the report model keeps for a capture read from a pipe).
 * Raw text: the caller escapes it for its format.
 */
export function captureTitleName(path: string): string {
  if (path === '-') return 'standard input'
  return path.split(/[\\/]/).pop() || path
}
