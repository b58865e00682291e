import {u32be} from '../capture/bytes.js'
import type {ProcessInfo} from '../capture/packet-record.js'

/**
 * PCAPdroid's per-packet trailer (Android, no root: "PCAPdroid trailer" / dump extensions in a
 * pcap). PCAPdroid then writes each IP packet behind a made-up Ethernet header, both MAC
 * addresses zero, and ends the frame with 32 bytes, after padding to a multiple of 4: a magic
 * number 0x01072021, the app's user id (signed, big-endian), the app's name in 20 bytes ended by
 * a NUL (so at most 19 characters: its label, or its package name in older versions), and a
 * CRC-32 of the frame. Parsers that do not know it see Ethernet padding after the IP packet.
 */
export const PCAPDROID_TRAILER_BYTES = 32
const MAGIC = 0x01072021
const NAME_BYTES = 20
/** Fake Ethernet header (14 bytes) then at least an IPv4 header before the trailer. */
const MIN_FRAME = 14 + 20 + PCAPDROID_TRAILER_BYTES

/** Whether the Ethernet frame at b[o, end) is one of PCAPdroid's: zero MACs, then the trailer. */
export function hasPcapdroidTrailer(b: Uint8Array, o: number, end: number): boolean {
  return end - o >= MIN_FRAME && u32be(b, end - PCAPDROID_TRAILER_BYTES) === MAGIC && zeroMacs(b, o)
}

/** The app the trailer of the Ethernet frame at b[o, end) names, or undefined without one. */
export function pcapdroidTrailerProcess(b: Uint8Array, o: number, end: number): ProcessInfo | undefined {
  if (!hasPcapdroidTrailer(b, o, end)) return undefined
  const t = end - PCAPDROID_TRAILER_BYTES
  const uid = u32be(b, t + 4) | 0
  // -1: PCAPdroid could not tell which app owned the connection (its UID_UNKNOWN).
  return uid === -1 ? undefined : {name: nameText(b, t + 8), uid}
}

function zeroMacs(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < 12; i++) if (b[o + i] !== 0) return false
  return true
}

/** The name field: UTF-8 up to the first NUL (Android app labels are any Unicode text). */
function nameText(b: Uint8Array, o: number): string {
  let n = 0
  while (n < NAME_BYTES && b[o + n] !== 0) n++
  return UTF8.decode(b.subarray(o, o + n))
}

const UTF8 = new TextDecoder('utf-8', {fatal: false})
