import {InputError} from '../errors.js'
import {type FollowOptions, gunzipChunks, openByteSource} from './byte-source.js'
import {type CaptureParser, offsetText} from './capture-parser.js'
import {type CaptureSummary, newCaptureSummary} from './capture-summary.js'
import {sniffFormat} from './format.js'
import type {PacketSink} from './packet-record.js'
import {PcapRecordParser} from './pcap-records.js'
import {PcapngBlockParser} from './pcapng-blocks.js'

export interface ReadOptions {
  /** Called once the format is known, before the first packet, with the summary being filled. */
  onStart?: (summary: CaptureSummary) => void
  /** Called after each chunk with bytes of the raw file consumed so far (for progress bars). */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void
  /** Keep reading a file that is still being written, until `follow.stopped()` (see FollowOptions). */
  follow?: FollowOptions
}

const SNIFF_BYTES = 4

/**
 * Read one capture (pcap, pcapng, either gzip-compressed; `-` is standard input), handing every
 * packet to `sink` in file order. Damage stops the reading; the summary says where and why.
 * Throws InputError when the input cannot be read at all or holds no readable packet before
 * damage.
 */
export async function readCapture(path: string, sink: PacketSink, options: ReadOptions = {}): Promise<CaptureSummary> {
  const source = await openByteSource(path, options.follow)
  let rawRead = 0
  const raw = source.chunks[Symbol.asyncIterator]()
  const countingRaw: AsyncIterator<Uint8Array> = {
    async next() {
      const r = await raw.next()
      if (!r.done) rawRead += r.value.length
      return r
    },
    async return() {
      return (await raw.return?.()) ?? {done: true, value: undefined}
    },
  }
  try {
    return await readFrom(path, countingRaw, () => rawRead, source.size, sink, options)
  } finally {
    // Closes the file whether reading finished, stopped at damage or threw.
    await raw.return?.()
  }
}

async function readFrom(
  path: string,
  countingRaw: AsyncIterator<Uint8Array>,
  rawRead: () => number,
  size: number | undefined,
  sink: PacketSink,
  options: ReadOptions,
): Promise<CaptureSummary> {
  let head = await readHead(countingRaw)
  if (head.length === 0) throw new InputError('empty file: not a capture', path)
  let sniff = sniffFormat(head)
  let chunks: AsyncIterator<Uint8Array> = countingRaw
  let gzipProblem: string | undefined
  const gzip = sniff.kind === 'gzip'
  if (gzip) {
    chunks = gunzipChunks(head, countingRaw, (message) => {
      gzipProblem = message
    })
    head = await readHead(chunks)
    if (head.length === 0) throw new InputError(gzipProblem ? `${gzipProblem}: nothing could be decompressed` : 'gzip file holds no data', path)
    sniff = sniffFormat(head)
    if (sniff.kind === 'gzip') throw new InputError('gzip inside gzip is not supported', path)
  }
  if (sniff.kind !== 'capture') throw new InputError(sniff.kind === 'unknown' ? sniff.reason : 'not a capture', path, gzip ? undefined : 0)

  const summary = newCaptureSummary(path, sniff.format, gzip)
  options.onStart?.(summary)
  const parser: CaptureParser = sniff.format === 'pcapng' ? new PcapngBlockParser(summary, sink) : new PcapRecordParser(summary, sink)
  parser.feed(plain(head))
  options.onProgress?.(rawRead(), size)
  while (!parser.stopped) {
    const next = await chunks.next()
    if (next.done) break
    parser.feed(plain(next.value))
    options.onProgress?.(rawRead(), size)
  }
  if (parser.stopped) await chunks.return?.()
  parser.finish()

  if (parser.damage) {
    summary.stoppedAt = {offset: parser.damage.offset, reason: parser.damage.message}
    summary.warnings.push(`${path}: ${offsetText(parser.damage.offset, gzip)}: ${parser.damage.message}`)
  }
  if (gzipProblem) {
    summary.warnings.push(`${path}: ${gzipProblem}; read stopped after ${parser.offset} decompressed bytes`)
    summary.stoppedAt ??= {offset: parser.offset, reason: gzipProblem}
  }
  if (summary.packets === 0 && summary.stoppedAt) {
    throw new InputError(`${summary.stoppedAt.reason} (no packet could be read)`, path, gzip ? undefined : summary.stoppedAt.offset)
  }
  return summary
}

/** First bytes of a stream, enough to sniff the format (concatenating tiny chunks from pipes). */
async function readHead(chunks: AsyncIterator<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  while (length < SNIFF_BYTES) {
    const next = await chunks.next()
    if (next.done) break
    if (next.value.length === 0) continue
    // Copy: the source reuses its buffer for the next chunk.
    parts.push(Buffer.from(next.value))
    length += next.value.length
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
}

/** A plain Uint8Array over the same memory: its subarrays are cheaper than a Buffer's. */
function plain(chunk: Uint8Array): Uint8Array {
  return chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
}
