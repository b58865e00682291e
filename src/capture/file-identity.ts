import {statSync} from 'node:fs'

/** What tells one regular file from another (device and inode) and its size now; undefined for
 * a path that is missing or not a regular file (a pipe, a device, a directory). Never opens it:
 * opening a named pipe can wait forever. */
export function regularFileIdentity(path: string): {dev: number; ino: number; size: number} | undefined {
  try {
    const s = statSync(path)
    return s.isFile() ? {dev: s.dev, ino: s.ino, size: s.size} : undefined
  } catch {
    return undefined
  }
}
