/**
 * Several captures of one call are read in the time order of their first packets, as mergecap
 * merges them: `analyze part1.pcapng … part10.pcapng` comes from the shell as part1, part10,
 * part2, and read so a TCP connection's SYN would arrive after its data (a "midstream" flow and
 * a second flow for the same connection, no handshake time). The order given is kept when a
 * first packet cannot be found cheaply (an input that is not a regular file, a file whose first
 * packet is not in its first 256 KiB): nothing is guessed.
 */
import {closeSync, openSync, readSync} from 'node:fs'
import {constants, gunzipSync} from 'node:zlib'
import {newCaptureSummary} from './capture-summary.js'
import {sniffFormat} from './format.js'
import {regularFileIdentity} from './file-identity.js'
import type {PacketRecord} from './packet-record.js'
import {PcapRecordParser} from './pcap-records.js'
import {PcapngBlockParser} from './pcapng-blocks.js'

/** Bytes read from the start of a file to find its first packet (pcapng puts its section and
 * interface blocks first; those of a few interfaces fit many times over). */
const PEEK_BYTES = 256 * 1024

export interface FirstPacketTime {
  sec: number
  nsec: number
}

/** The time of a regular file's first packet, or undefined when it is not found in the file's
 * first PEEK_BYTES (decompressed, for a gzip file) or the file is not a capture. Never throws. */
export function firstPacketTime(path: string): FirstPacketTime | undefined {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const head = Buffer.allocUnsafe(PEEK_BYTES)
    let bytes: Uint8Array = head.subarray(0, readSync(fd, head, 0, PEEK_BYTES, 0))
    let sniff = sniffFormat(bytes)
    if (sniff.kind === 'gzip') {
      // What the first bytes decompress to; the rest of the stream is not needed.
      bytes = gunzipSync(bytes, {finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 4 * PEEK_BYTES})
      sniff = sniffFormat(bytes)
    }
    if (sniff.kind !== 'capture') return undefined
    let first: FirstPacketTime | undefined
    const sink = (r: PacketRecord): void => {
      first ??= {sec: r.tsSec, nsec: r.tsNsec}
    }
    const summary = newCaptureSummary(path, sniff.format, false)
    const parser = sniff.format === 'pcapng' ? new PcapngBlockParser(summary, sink) : new PcapRecordParser(summary, sink)
    parser.feed(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))
    return first
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * The inputs in the time order of their first packets (stable: equal times keep the order
 * given), or as given when any of them is not a regular file or has no first packet found.
 */
export function inTimeOrder<T extends {path: string}>(inputs: readonly T[]): T[] {
  if (inputs.length < 2) return [...inputs]
  const timed: Array<{input: T; time: FirstPacketTime}> = []
  for (const input of inputs) {
    // Never opened to peek: a pipe's bytes would be gone for the real read.
    if (input.path === '-' || !regularFileIdentity(input.path)) return [...inputs]
    const time = firstPacketTime(input.path)
    if (!time) return [...inputs]
    timed.push({input, time})
  }
  // Array sort is stable (ECMAScript 2019): equal times keep the order given.
  return timed.sort((a, b) => a.time.sec - b.time.sec || a.time.nsec - b.time.nsec).map((t) => t.input)
}

/** The warning for captures read in another order than given (on the first one read). */
export function reorderedWarning(given: readonly string[], read: readonly string[]): string {
  const shown = read.slice(0, 6).join(', ') + (read.length > 6 ? `, … (${read.length} captures)` : '')
  return `${read[0]}: the ${given.length} captures were read in the time order of their first packets, as mergecap merges them, not in the order given: ${shown}`
}
