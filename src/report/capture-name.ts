/** What the report model keeps as the path of a capture read from a pipe is `-`; reports say: */
const STDIN = 'standard input'

/** A capture's path as a report shows it in full: "standard input" for `-`. Raw text: the
 * caller escapes it for its format. */
export function capturePathText(path: string): string {
  return path === '-' ? STDIN : path
}

/**
 * How a report names a capture in a title: its file name without the directories, or
 * "standard input" for `-`. Raw text: the caller escapes it for its format.
 */
export function captureTitleName(path: string): string {
  if (path === '-') return STDIN
  return path.split(/[\\/]/).pop() || path
}
