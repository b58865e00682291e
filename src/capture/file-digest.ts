import {Worker} from 'node:worker_threads'

/**
 * SHA-256 of files' bytes as stored (a gzip capture's compressed bytes, as `sha256sum` gives),
 * so a briefing can name exactly which file was analysed. Hashing runs on a worker thread that
 * reads each file a second time (from the page cache) while the main thread analyses them: the
 * analysis is single-threaded, so on a machine with two cores the digest costs no wall time
 * (hashing here runs at about 2.7 s per GiB; on the main thread it would add that to every run).
 *
 * One worker hashes all the files, one after another: a call split over hundreds of files (or
 * a shell glob over a directory of captures) costs one thread and one isolate, where a worker
 * per file cost each its own (529 files: 2.6 GB of memory and 529 threads on two cores).
 *
 * Resolves, in the order of `paths`, to each file's lower-case hex digest, or null when the file
 * cannot be read again (it was removed, or it is not a regular file: the capture reader reports
 * real read errors itself).
 */
export function filesSha256(paths: readonly string[]): Promise<Array<string | null>> {
  const digests: Array<string | null> = paths.map(() => null)
  if (paths.length === 0) return Promise.resolve(digests)
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, {eval: true, workerData: [...paths]})
    let settled = false
    const settle = (): void => {
      if (settled) return
      settled = true
      resolve(digests)
    }
    // One message per file, in order; the files not reported when the worker ends stay null.
    worker.on('message', (message: unknown) => {
      const [index, hex] = Array.isArray(message) ? (message as unknown[]) : []
      if (typeof index === 'number' && index >= 0 && index < digests.length) digests[index] = typeof hex === 'string' ? hex : null
    })
    worker.once('error', settle)
    worker.once('exit', settle)
  })
}

// Plain JavaScript run by the worker (eval: no module resolution needed from dist/ or src/).
const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
const {createHash} = require('node:crypto')
const {openSync, readSync, closeSync, fstatSync, statSync} = require('node:fs')
const buffer = Buffer.allocUnsafe(1 << 20)
workerData.forEach((path, index) => {
  let fd
  let hex = null
  try {
    // Not even opened unless a regular file: opening a named pipe (mkfifo, or bash's <(...) as
    // /dev/fd/63) blocks until a writer comes, and once the capture's writer is gone none will:
    // the digest, and the analysis waiting for it, would never end.
    if (!statSync(path).isFile()) throw new Error('not a regular file')
    fd = openSync(path, 'r')
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file')
    const hash = createHash('sha256')
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n))
    hex = hash.digest('hex')
  } catch {
    hex = null
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  parentPort.postMessage([index, hex])
})
`
