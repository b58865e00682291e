import {createHash} from 'node:crypto'
import {closeSync, openSync, readSync, statSync} from 'node:fs'
import {regularFileIdentity} from './file-identity.js'

/** A capture to read, and the other names it was given under (read once). */
export interface DistinctInput {
  path: string
  /** Later arguments that are this same file, or a copy with the same bytes. */
  sameAs: string[]
}

/**
 * The inputs with each capture once: a file named twice (a shell glob that also matches a name
 * given by hand, `./call.pcap` and `call.pcap`, a hard link) or a byte-for-byte copy of another
 * input would have every packet counted twice and every flow doubled. Same file: same device and
 * inode. Copy: same size, then same SHA-256 (read only for inputs whose sizes match, which
 * different captures almost never do). Standard input and paths that cannot be read are kept as
 * given: the reader reports them.
 */
export function distinctInputs(paths: readonly string[]): DistinctInput[] {
  const out: DistinctInput[] = []
  const byFile = new Map<string, DistinctInput>()
  const bySize = new Map<number, Array<{input: DistinctInput; digest?: string}>>()
  for (const path of paths) {
    const stat = path === '-' ? undefined : regularFileIdentity(path)
    if (!stat) {
      // A named pipe (or device) named twice: its one stream is read once; the second read would
      // wait for a writer that never comes. Missing paths stay as given (each is reported).
      const pipeKey = path !== '-' && existingNonFile(path) ? `pipe:${path}` : undefined
      const samePipe = pipeKey === undefined ? undefined : byFile.get(pipeKey)
      if (samePipe) {
        samePipe.sameAs.push(path)
        continue
      }
      const input = {path, sameAs: []}
      out.push(input)
      if (pipeKey !== undefined) byFile.set(pipeKey, input)
      continue
    }
    const fileKey = `${stat.dev}:${stat.ino}`
    const same = byFile.get(fileKey)
    if (same) {
      same.sameAs.push(path)
      continue
    }
    const sized = bySize.get(stat.size) ?? []
    let copyOf: DistinctInput | undefined
    if (sized.length > 0 && stat.size > 0) {
      const digest = sha256(path)
      for (const other of sized) {
        other.digest ??= sha256(other.input.path)
        if (digest !== undefined && other.digest === digest) {
          copyOf = other.input
          break
        }
      }
    }
    if (copyOf) {
      copyOf.sameAs.push(path)
      byFile.set(fileKey, copyOf)
      continue
    }
    const input = {path, sameAs: []}
    out.push(input)
    byFile.set(fileKey, input)
    sized.push({input})
    bySize.set(stat.size, sized)
  }
  return out
}

/** Whether `path` exists and is something else than a regular file (a pipe, a device). */
function existingNonFile(path: string): boolean {
  try {
    return !statSync(path).isFile()
  } catch {
    return false
  }
}

function sha256(path: string): string | undefined {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const hash = createHash('sha256')
    const buffer = Buffer.allocUnsafe(1 << 20)
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null)
      if (n === 0) break
      hash.update(buffer.subarray(0, n))
    }
    return hash.digest('hex')
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** The warning for an input read once although given several times. */
export function sameInputWarning(input: DistinctInput): string {
  return `${input.path}: also given as ${input.sameAs.join(', ')} (the same capture${input.sameAs.length > 1 ? ', each' : ''}: same file or same bytes): read once, so its packets are not counted twice`
}
