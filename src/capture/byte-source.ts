import {closeSync, openSync, read, readSync} from 'node:fs'
import {stat} from 'node:fs/promises'
import {Readable} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {InputError} from '../errors.js'
import {isUnmatchedPattern} from './expand-paths.js'

/** Size of the reused read buffer: large enough that syscalls cost nothing, small enough that a
 * chunk is still in the CPU cache when it is parsed (1 MiB measured faster than 4 MiB). */
export const READ_CHUNK_BYTES = 1024 * 1024

export interface ByteSource {
  /** Chunks of the raw file; a chunk is valid until the next one is requested. */
  chunks: AsyncIterable<Uint8Array>
  /** Total size in bytes when known (regular files), for progress. */
  size?: number
}

/**
 * Reading a capture that is still being written (`tcpdump -U -w call.pcap`): at the end of the
 * file the reader waits and looks again instead of ending, until `stopped()` says so; it then
 * reads what the file holds by then and ends there, as at a normal end of file.
 */
export interface FollowOptions {
  /** Asked at each end of file (and while standard input is quiet): true ends the read. */
  stopped: () => boolean
  /** Wait before looking at the end of the file again, in ms (default 200). */
  pollMs?: number
}

/** Open a path, or `-` for standard input, as a stream of raw (possibly gzip) bytes. */
export async function openByteSource(path: string, follow?: FollowOptions): Promise<ByteSource> {
  if (path === '-') {
    if (process.stdin.isTTY) throw new InputError('no capture on standard input (pipe one in, e.g. tcpdump -w - | callaudit flows -)', '-')
    return {chunks: follow ? followStdin(follow) : (process.stdin as AsyncIterable<Uint8Array>)}
  }
  let info
  try {
    info = await stat(path)
  } catch (error) {
    // A pattern no shell expanded (cmd.exe, a quoted CI argument) that matched no file either.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && isUnmatchedPattern(path)) throw new InputError('no such file, and no file matches it as a pattern', path)
    throw new InputError(describeFsError(error), path)
  }
  if (info.isDirectory()) throw new InputError('is a directory, not a capture file', path)
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    throw new InputError(describeFsError(error), path)
  }
  // A regular file read to its end is read ahead on libuv's thread pool; a file being followed,
  // a FIFO or a device is read synchronously (see fileChunks).
  const chunks = info.isFile() && !follow ? prefetchedFileChunks(fd, path) : fileChunks(fd, path, follow)
  return {chunks, size: info.isFile() && !follow ? info.size : undefined}
}

/**
 * Chunks of a file read synchronously into one reused buffer: for a file being followed (a
 * read that meets the end of the file waits and looks again) and for FIFOs and other
 * non-regular files (readSync blocks until data or end of file). Regular files read to their
 * end go through prefetchedFileChunks.
 */
async function* fileChunks(fd: number, path: string, follow?: FollowOptions): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(READ_CHUNK_BYTES)
  try {
    for (;;) {
      let bytesRead
      try {
        bytesRead = readSync(fd, buffer, 0, buffer.length, null)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          await sleep(5)
          continue
        }
        throw new InputError(describeFsError(error), path)
      }
      if (bytesRead === 0) {
        // Following: the writer may not have written more yet. A record cut at this end stays
        // with the parser (it carries partial records across chunks) until the rest arrives.
        if (!follow || follow.stopped()) return
        await sleep(follow.pollMs ?? 200)
        continue
      }
      // Following, let timers and signals (Ctrl-C) in between chunks while catching up.
      if (follow) await new Promise((resolve) => setImmediate(resolve))
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    closeSync(fd)
  }
}

/**
 * Chunks of a regular file, each read on libuv's thread pool while the previous one is parsed:
 * two buffers take turns, so the kernel's copy out of the page cache (a third of a second per
 * GiB, on the main thread with readSync) overlaps the parsing instead of adding to it. A chunk
 * stays valid until the next one is requested, as with fileChunks: only then is its buffer
 * given to the next read.
 */
async function* prefetchedFileChunks(fd: number, path: string): AsyncGenerator<Uint8Array> {
  // READS_AHEAD reads in flight while one buffer is parsed: with one, the main thread still
  // waited for the thread pool ~5-10 % of a fast read (a read's hand-over latency, not its copy).
  const buffers = Array.from({length: READS_AHEAD + 1}, () => new Uint8Array(READ_CHUNK_BYTES))
  const readAhead = (buffer: Uint8Array, at: number): Promise<number> => {
    const pending = new Promise<number>((resolve, reject) => {
      read(fd, buffer, 0, buffer.length, at, (error, bytesRead) => (error ? reject(new InputError(describeFsError(error), path)) : resolve(bytesRead)))
    })
    // Awaited below or in `finally`; never an unhandled rejection in between.
    pending.catch(() => undefined)
    return pending
  }
  // Reads of whole chunks at fixed offsets: read i fills buffers[i % n] from i * chunk size. A
  // short read can only be the file's end (a regular file, read by position).
  const pending: Array<Promise<number>> = []
  let next = 0
  const issue = (): void => {
    pending.push(readAhead(buffers[next % buffers.length]!, next * READ_CHUNK_BYTES))
    next++
  }
  let index = 0
  try {
    for (let i = 0; i < READS_AHEAD; i++) issue()
    for (;;) {
      const bytesRead: number = await pending[0]!
      pending.shift()
      if (bytesRead === 0) return
      const chunk = buffers[index % buffers.length]!.subarray(0, bytesRead)
      index++
      // The buffer of the chunk handed out before this one is free again.
      if (bytesRead === READ_CHUNK_BYTES) issue()
      yield chunk
      if (bytesRead < READ_CHUNK_BYTES) return
    }
  } finally {
    // Reads still running write into our buffers through this descriptor: let them end first.
    for (const p of pending) await p.catch(() => undefined)
    closeSync(fd)
  }
}

/** Reads in flight ahead of the chunk being parsed. */
const READS_AHEAD = 2

/** Standard input while following: chunks as they come, ending at its end or, while it is
 * quiet, when `stopped()` says so (the writer may never close the pipe). */
async function* followStdin(follow: FollowOptions): AsyncGenerator<Uint8Array> {
  const input = (process.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
  const quiet = Symbol('quiet')
  for (;;) {
    const next = input.next()
    // Settled after a stop too (stdin destroyed): never an unhandled rejection.
    next.catch(() => undefined)
    let result: IteratorResult<Uint8Array> | typeof quiet
    for (;;) {
      result = await Promise.race([next, sleep(follow.pollMs ?? 200).then((): typeof quiet => quiet)])
      if (result !== quiet) break
      if (follow.stopped()) {
        process.stdin.destroy()
        return
      }
    }
    if (result.done) return
    yield result.value
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Decompress a gzip stream (RFC 1952; several members allowed). A truncated or corrupt
 * stream ends the iteration with `onError` called, after everything decodable was yielded. */
export async function* gunzipChunks(first: Uint8Array, rest: AsyncIterator<Uint8Array>, onError: (message: string) => void): AsyncGenerator<Uint8Array> {
  async function* compressed(): AsyncGenerator<Uint8Array> {
    // The source may reuse its buffer, so copy before handing chunks to zlib's queue.
    yield Buffer.from(first)
    for (;;) {
      const next = await rest.next()
      if (next.done) return
      yield Buffer.from(next.value)
    }
  }
  const gunzip = createGunzip({chunkSize: 1024 * 1024})
  const input = Readable.from(compressed())
  input.on('error', (error) => gunzip.destroy(error))
  input.pipe(gunzip)
  try {
    for await (const chunk of gunzip) yield chunk as Buffer
  } catch (error) {
    if (error instanceof InputError) throw error
    const code = (error as NodeJS.ErrnoException).code
    onError(code === 'Z_BUF_ERROR' || /unexpected end/i.test(String((error as Error).message))
      ? 'gzip data is truncated'
      : `gzip data is corrupt (${(error as Error).message})`)
  }
}

export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  switch (e.code) {
    case 'ENOENT':
      return 'no such file'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'is a directory, not a capture file'
    default:
      return e.message ?? String(error)
  }
}
