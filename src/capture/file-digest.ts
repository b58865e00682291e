import {Worker} from 'node:worker_threads'

/**
 * SHA-256 of a file's bytes as stored (a gzip capture's compressed bytes, as `sha256sum` gives),
 * so a briefing can name exactly which file was analysed. Hashing runs on a worker thread that
 * reads the file a second time (from the page cache) while the main thread analyses it: the
 * analysis is single-threaded, so on a machine with two cores the digest costs no wall time
 * (hashing here runs at about 2.7 s per GiB; on the main thread it would add that to every run).
 *
 * Resolves to the lower-case hex digest, or null when the file cannot be read again (it was
 * removed, or it is not a regular file: the capture reader reports real read errors itself).
 */
export function fileSha256(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, {eval: true, workerData: path})
    let settled = false
    const settle = (value: string | null): void => {
      if (settled) return
      settled = true
      resolve(value)
    }
    worker.once('message', (hex: unknown) => settle(typeof hex === 'string' ? hex : null))
    worker.once('error', () => settle(null))
    worker.once('exit', () => settle(null))
  })
}

// Plain JavaScript run by the worker (eval: no module resolution needed from dist/ or src/).
const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
const {createHash} = require('node:crypto')
const {openSync, readSync, closeSync, fstatSync} = require('node:fs')
let fd
try {
  fd = openSync(workerData, 'r')
  if (!fstatSync(fd).isFile()) throw new Error('not a regular file')
  const hash = createHash('sha256')
  const buffer = Buffer.allocUnsafe(1 << 20)
  for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n))
  parentPort.postMessage(hash.digest('hex'))
} catch {
  parentPort.postMessage(null)
} finally {
  if (fd !== undefined) closeSync(fd)
}
`
