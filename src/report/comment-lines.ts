/**
 * The lines of a comment written on a capture or a packet (pcapng opt_comment; mergecap writes
 * one line per merged file), without empty ones, for outputs that show them one by one or
 * joined: a raw newline would otherwise be escaped inside the text as \x0a.
 */
export function commentLines(comment: string): string[] {
  return comment
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
}
