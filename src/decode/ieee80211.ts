/**
 * IEEE 802.11 data frames and the capture headers Wi-Fi captures put in front of them. Used by the
 * link layer (LINKTYPE_IEEE802_11, _RADIOTAP, _PRISM, _AVS: a monitor-mode capture of an open or
 * already-decrypted network) and by CAPWAP (a wireless controller's data tunnel). Only what can
 * carry IP is read: protected (still encrypted) frames, null-data frames and management or
 * control frames are not. Every length is checked before it is read.
 */
import {u16be, u16le, u32be, u32le} from '../capture/bytes.js'
import type {LinkResult} from './link-layer.js'

const ETHERTYPE_IPV4 = 0x0800
const ETHERTYPE_IPV6 = 0x86dd

/**
 * An IEEE 802.11 data frame carrying an LLC/SNAP-encapsulated packet (IEEE 802.11-2020 §9.2.4,
 * §9.3.2.1): frame control, duration, three addresses, sequence control, a fourth address when
 * both To DS and From DS are set, QoS control for QoS subtypes, HT control when the +HTC/Order bit
 * is set on a QoS frame. Some controllers (Cisco) send the frame control field byte-swapped inside
 * CAPWAP (Wireshark's "swap frame control" preference): with `swappedFc`, a first byte whose
 * protocol version is not 0 is read swapped. Finds IPv4/IPv6 only (the EtherType and the IP
 * version nibble must agree).
 *
 * A QoS data frame whose QoS Control has the A-MSDU Present bit (bit 7, §9.2.4.5.9) carries an
 * A-MSDU (§9.3.2.2): several MSDUs, each in a subframe of its own. Then the answer is false and
 * `out.amsdu` says where the first subframe starts: the caller reads each with amsduSubframe.
 */
export function decode80211Data(b: Uint8Array, o: number, end: number, out: LinkResult, swappedFc = false): boolean {
  if (end - o < 24 + 8) return false
  let fc = b[o]!
  let flags = b[o + 1]!
  if (swappedFc && (fc & 0x03) !== 0) [fc, flags] = [flags, fc]
  if ((fc & 0x03) !== 0 || ((fc >> 2) & 0x03) !== 2) return false
  const subtype = fc >> 4
  if (subtype & 0x04) return false // no data (null function)
  if (flags & 0x40) {
    // Protected: encrypted with the network's keys (IEEE 802.11-2020 §9.2.4.1.9).
    out.protectedFrame = true
    return false
  }
  let p = o + 24
  if ((flags & 0x03) === 0x03) p += 6
  if (subtype & 0x08) {
    // QoS Control (§9.2.4.5), first octet at p <= o + 30: within the 32 checked above.
    const amsdu = (b[p]! & 0x80) !== 0
    p += (flags & 0x80) !== 0 ? 6 : 2
    if (amsdu) {
      out.amsdu = p
      return false
    }
  }
  return llcSnapIp(b, p, end, out)
}

/** LLC/SNAP (RFC 1042; 00-00-F8 is 802.1H bridge tunnel) at p, its EtherType IPv4 or IPv6 and
 * the packet's version nibble agreeing: `out` says where the packet starts. */
function llcSnapIp(b: Uint8Array, p: number, end: number, out: LinkResult): boolean {
  if (end - p < 9 || b[p] !== 0xaa || b[p + 1] !== 0xaa || b[p + 2] !== 0x03 || b[p + 3] !== 0 || b[p + 4] !== 0 || (b[p + 5] !== 0 && b[p + 5] !== 0xf8)) return false
  const type = (b[p + 6]! << 8) | b[p + 7]!
  const version = b[p + 8]! >> 4
  if (!((type === ETHERTYPE_IPV4 && version === 4) || (type === ETHERTYPE_IPV6 && version === 6))) return false
  out.offset = p + 8
  out.etherType = type
  return true
}

/** A-MSDU subframe header: DA (6), SA (6), Length (2, big-endian). */
const SUBFRAME_HEADER = 14

/**
 * The A-MSDU subframe at `p` of the A-MSDU that starts at `start`, in a frame captured up to `end`
 * (IEEE 802.11-2020 §9.3.2.2.2): DA, SA, the MSDU's length, the MSDU (LLC/SNAP and the packet),
 * then padding to a multiple of 4 octets counted from the A-MSDU's start, except after the last.
 * Returns whether the MSDU holds IPv4/IPv6 (`out.offset`, `etherType` and `packetEnd` then say
 * where; an MSDU that is not LLC/SNAP with IP holds none) and sets `out.nextSubframe`: where the
 * next subframe starts while more than a subframe header's worth of the frame is left after this
 * one (as Wireshark walks them: a trailing FCS or padding is shorter), else -1. A subframe whose
 * header is not all there holds nothing; one whose length runs past the frame (malformed, or cut
 * by the snapshot length) is read as far as the frame goes and is the last: tshark 4.0 counts its
 * packet in its conversation tables the same way.
 */
export function amsduSubframe(b: Uint8Array, start: number, p: number, end: number, out: LinkResult): boolean {
  out.nextSubframe = -1
  if (end - p < SUBFRAME_HEADER) return false
  const msdu = p + SUBFRAME_HEADER
  const msduEnd = msdu + u16be(b, p + 12)
  const packetEnd = Math.min(msduEnd, end)
  if (msduEnd <= end) {
    const next = start + ((msduEnd - start + 3) & ~3)
    if (end - next > SUBFRAME_HEADER) out.nextSubframe = next
  }
  if (!llcSnapIp(b, msdu, packetEnd, out)) return false
  out.packetEnd = packetEnd
  return true
}

/**
 * Length of a radiotap header (radiotap.org: version 0, pad, little-endian it_len covering the
 * whole header with every field), or -1 when `b[o..end)` does not start with one. The 802.11
 * frame follows; a trailing FCS, when the Flags field says there is one, lies after the IP packet
 * and is never read (IP lengths bound everything).
 */
export function radiotapLength(b: Uint8Array, o: number, end: number): number {
  if (end - o < 8 || b[o] !== 0) return -1
  const length = u16le(b, o + 2)
  return length >= 8 && length <= end - o ? length : -1
}

/**
 * Length of a Prism monitoring header (linux-wlan-ng; Wireshark's packet-ieee80211-prism.c):
 * a 32-bit message code and message length in the capturing host's byte order, normally 144.
 */
export function prismLength(b: Uint8Array, o: number, end: number): number {
  if (end - o < 8) return -1
  let length = u32le(b, o + 4)
  if (length > 0xffff) length = u32be(b, o + 4)
  return length >= 8 && length <= end - o ? length : -1
}

/**
 * Length of an AVS capture header (AVS WLAN Capture format, big-endian): version 0x80211001 or
 * 0x80211002, then the header length (64 for version 1).
 */
export function avsLength(b: Uint8Array, o: number, end: number): number {
  if (end - o < 8) return -1
  const version = u32be(b, o)
  if (version !== 0x80211001 && version !== 0x80211002) return -1
  const length = u32be(b, o + 4)
  return length >= 8 && length <= end - o ? length : -1
}
