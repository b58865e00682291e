/**
 * RTCP compound packets (RFC 3550 §6): SR (200), RR (201), SDES (202), BYE (203), APP (204),
 * transport and payload-specific feedback RTPFB/PSFB (RFC 4585 §6: 205, 206) and XR (RFC 3611:
 * 207). Several RTCP packets follow each other in one datagram, each with its length in 32-bit
 * words minus one; a plain compound tiles the datagram exactly.
 *
 * SRTCP (RFC 3711 §3.4) leaves only the first packet's 8-byte header and sender SSRC in clear
 * and appends the E flag + index and an authentication tag, so such a datagram has a valid first
 * header but does not tile: it is reported as encrypted and nothing past the header is read.
 */
import {captureText} from '../stun/message.js'

export const RTCP_NAMES: Record<number, string> = {
  200: 'SR',
  201: 'RR',
  202: 'SDES',
  203: 'BYE',
  204: 'APP',
  205: 'RTPFB',
  206: 'PSFB',
  207: 'XR',
}

/** RFC 3550 §6.5 SDES item types. */
export const SDES_NAMES: Record<number, string> = {
  1: 'CNAME',
  2: 'NAME',
  3: 'EMAIL',
  4: 'PHONE',
  5: 'LOC',
  6: 'TOOL',
  7: 'NOTE',
  8: 'PRIV',
}

/** RFC 4585 §6.2/§6.3, RFC 5104 §4, RFC 8888 and transport-cc / REMB drafts: FMT names. */
const RTPFB_FMT: Record<number, string> = {1: 'NACK', 3: 'TMMBR', 4: 'TMMBN', 5: 'RTCP-SR-REQ', 8: 'ECN', 11: 'CCFB', 15: 'transport-cc'}
const PSFB_FMT: Record<number, string> = {1: 'PLI', 2: 'SLI', 3: 'RPSI', 4: 'FIR', 5: 'TSTR', 6: 'TSTN', 7: 'VBCM', 15: 'AFB'}

export function feedbackName(pt: number, fmt: number): string {
  const name = (pt === 205 ? RTPFB_FMT : PSFB_FMT)[fmt]
  return name ?? `${RTCP_NAMES[pt]} fmt ${fmt}`
}

export interface SdesItem {
  ssrc: number
  type: number
  text: string
  /** PRIV items (type 8): the prefix string that names the extension. */
  prefix?: string
}

export interface RtcpCompound {
  /** Every packet was well formed and the last one ended at the end of the datagram. */
  wellFormed: boolean
  /** SRTCP shape: a valid first header but the rest does not parse (encrypted). */
  encrypted: boolean
  /** Packet types in order (only the first when encrypted). */
  types: number[]
  /** SSRC of the first packet's sender. */
  senderSsrc: number
  sdes: SdesItem[]
  byes: Array<{ssrc: number; reason?: string}>
  apps: Array<{ssrc: number; subtype: number; name: string}>
  feedback: Array<{pt: number; fmt: number}>
}

/** Most packets walked in one compound, SDES chunks and items kept per compound. */
const MAX_PACKETS = 32
const MAX_ITEMS = 64

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

/** True when b[offset] starts an RTCP header we know: version 2, type 200-207, length fits. */
export function isRtcpHeader(b: Uint8Array, offset: number, end: number): boolean {
  if (offset + 8 > end) return false
  if ((b[offset]! & 0xc0) !== 0x80) return false
  const pt = b[offset + 1]!
  if (pt < 200 || pt > 207) return false
  return offset + (u16(b, offset + 2) + 1) * 4 <= end
}

/**
 * Walk the compound in b[offset, end). Undefined when the first packet is not an RTCP header we
 * know; otherwise what could be read, with `wellFormed` telling whether the whole datagram was.
 */
export function parseRtcpCompound(b: Uint8Array, offset: number, end: number): RtcpCompound | undefined {
  if (end > b.length || !isRtcpHeader(b, offset, end)) return undefined
  const out: RtcpCompound = {wellFormed: false, encrypted: false, types: [], senderSsrc: u32(b, offset + 4), sdes: [], byes: [], apps: [], feedback: []}
  let at = offset
  let ok = true
  while (at < end && out.types.length < MAX_PACKETS) {
    if (at + 4 > end || (b[at]! & 0xc0) !== 0x80) {
      ok = false
      break
    }
    const pt = b[at + 1]!
    const count = b[at]! & 0x1f
    const length = (u16(b, at + 2) + 1) * 4
    if (pt < 192 || pt > 223 || at + length > end) {
      ok = false
      break
    }
    // RFC 3550 §6.4.1: padding (P bit) only in the last packet; its count is in the last byte.
    let bodyEnd = at + length
    if (b[at]! & 0x20) {
      const pad = b[bodyEnd - 1]!
      if (pad === 0 || pad > length - 4 || bodyEnd !== end) {
        ok = false
        break
      }
      bodyEnd -= pad
    }
    if (!parseBody(b, at, bodyEnd, pt, count, out)) {
      ok = false
      break
    }
    out.types.push(pt)
    at += length
  }
  out.wellFormed = ok && at === end
  if (!out.wellFormed) {
    // Keep only what the first header says: the rest may be ciphertext read as structure.
    out.encrypted = true
    out.types = [b[offset + 1]!]
    out.sdes = []
    out.byes = []
    out.apps = []
    out.feedback = []
  }
  return out
}

function parseBody(b: Uint8Array, at: number, end: number, pt: number, count: number, out: RtcpCompound): boolean {
  const length = end - at
  switch (pt) {
    case 200: // SR: sender SSRC, 20-byte sender info, RC report blocks of 24 bytes
      return length >= 28 + 24 * count
    case 201: // RR: sender SSRC, RC report blocks
      return length >= 8 + 24 * count
    case 202:
      return parseSdes(b, at + 4, end, count, out)
    case 203: {
      // BYE: SC SSRCs, then an optional length-prefixed reason (RFC 3550 §6.6)
      let p = at + 4
      if (p + 4 * count > end) return false
      const ssrcs: number[] = []
      for (let i = 0; i < count; i++, p += 4) ssrcs.push(u32(b, p))
      let reason: string | undefined
      if (p < end) {
        const n = b[p]!
        if (p + 1 + n > end) return false
        if (n > 0) reason = captureText(b, p + 1, p + 1 + n)
      }
      for (const ssrc of ssrcs) if (out.byes.length < MAX_ITEMS) out.byes.push(reason === undefined ? {ssrc} : {ssrc, reason})
      return true
    }
    case 204: // APP: SSRC, 4 ASCII name bytes, data
      if (length < 12) return false
      if (out.apps.length < MAX_ITEMS) out.apps.push({ssrc: u32(b, at + 4), subtype: count, name: captureText(b, at + 8, at + 12, 4)})
      return true
    case 205:
    case 206: // feedback: sender SSRC, media SSRC, FCI
      if (length < 12) return false
      if (out.feedback.length < MAX_ITEMS) out.feedback.push({pt, fmt: count})
      return true
    default:
      return length >= 4
  }
}

/**
 * RFC 3550 §6.5: SC chunks, each an SSRC then items (type, length, text) ended by a null type
 * and padded with nulls to the next 32-bit boundary. PRIV (type 8) text is a length-prefixed
 * prefix followed by the value (§6.5.8).
 */
function parseSdes(b: Uint8Array, start: number, end: number, chunks: number, out: RtcpCompound): boolean {
  let p = start
  const items: SdesItem[] = []
  for (let c = 0; c < chunks; c++) {
    if (p + 4 > end) return false
    const ssrc = u32(b, p)
    p += 4
    for (;;) {
      if (p >= end) return false
      const type = b[p]!
      if (type === 0) {
        p += 1
        p = start + ((p - start + 3) & ~3) // to the next 32-bit boundary of the packet
        break
      }
      if (p + 2 > end) return false
      const n = b[p + 1]!
      if (p + 2 + n > end) return false
      if (items.length < MAX_ITEMS) {
        if (type === 8 && n >= 1 && 1 + b[p + 2]! <= n) {
          const prefixLength = b[p + 2]!
          items.push({ssrc, type, prefix: captureText(b, p + 3, p + 3 + prefixLength), text: captureText(b, p + 3 + prefixLength, p + 2 + n)})
        } else items.push({ssrc, type, text: captureText(b, p + 2, p + 2 + n)})
      }
      p += 2 + n
    }
  }
  if (p > end) return false
  for (const item of items) if (out.sdes.length < MAX_ITEMS) out.sdes.push(item)
  return true
}
