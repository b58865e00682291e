import {regularFileIdentity} from '../capture/file-identity.js'

/**
 * Whether the file replay --follow reads is still the one it started reading. The reader keeps
 * its descriptor and offset: if the file is truncated (a writer restarted with `-w` on the same
 * name, `cp` over it) it would wait for ever at an offset the file no longer reaches, then read
 * the new file from the middle; if another file is renamed onto the name, it would wait for ever
 * on the old one. Either way the read should end, and say why.
 */
export interface FollowedFile {
  /** Why the read must end (one line, without the path), or undefined while all is well. */
  problem(bytesRead: number): string | undefined
}

/** Watch `path` as it is now; standard input and paths that cannot be looked at are not watched. */
export function watchFollowedFile(path: string): FollowedFile {
  const start = regularFileIdentity(path)
  if (path === '-' || !start) return {problem: () => undefined}
  return {
    problem(bytesRead: number): string | undefined {
      const now = regularFileIdentity(path)
      // Removed: a writer may still be writing the open file, which the reader still holds.
      if (!now) return undefined
      if (now.dev !== start.dev || now.ino !== start.ino) return `replaced by another file while being followed: the read ends after ${bytesRead} bytes of the first`
      if (now.size < bytesRead) return `truncated while being followed (now ${now.size} bytes, ${bytesRead} had been read): the read ends there`
      return undefined
    },
  }
}

