import type {CaptureFormat} from './packet-record.js'

/** What the first bytes of a file say it is. Detection is by magic number only, never by name. */
export type SniffResult =
  | {kind: 'capture'; format: CaptureFormat}
  | {kind: 'gzip'}
  | {kind: 'unknown'; reason: string}

/** Magic numbers: pcap (libpcap savefile, both byte orders; a1b23c4d is the nanosecond
 * variant), pcapng Section Header Block type 0x0A0D0D0A, gzip RFC 1952 ID1 ID2. */
export function sniffFormat(head: Uint8Array): SniffResult {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return {kind: 'gzip'}
  if (head.length < 4) return {kind: 'unknown', reason: head.length === 0 ? 'empty file' : 'file too short to be a capture'}
  const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0
  switch (magic) {
    case 0xa1b2c3d4:
    case 0xd4c3b2a1:
      return {kind: 'capture', format: 'pcap'}
    case 0xa1b23c4d:
    case 0x4d3cb2a1:
      return {kind: 'capture', format: 'pcap-ns'}
    case 0x0a0d0d0a:
      return {kind: 'capture', format: 'pcapng'}
    case 0xa1b2cd34:
    case 0x34cdb2a1:
      return {kind: 'unknown', reason: 'modified (Kuznetzov) pcap is not supported; convert it with editcap -F pcap'}
    default:
      return {kind: 'unknown', reason: `not a pcap, pcapng or gzip file (starts with 0x${magic.toString(16).padStart(8, '0')})`}
  }
}
