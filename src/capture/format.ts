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
    default: {
      const known = foreignFormat(head)
      const start = `starts with 0x${magic.toString(16).padStart(8, '0')}`
      return {kind: 'unknown', reason: known ? `${known.what}, not a pcap, pcapng or gzip file (${start}): ${known.hint}` : `not a pcap, pcapng or gzip file (${start})`}
    }
  }
}

/** A file format an analyst may hand over instead of a capture, told by its magic number. */
interface ForeignFormat {
  magic: readonly number[]
  /** Where the magic number is (default 0). */
  at?: number
  what: string
  /** What to do instead: a command that turns it into what callaudit reads. */
  hint: string
}

const DECOMPRESS_HINT = (tool: string): string => `decompress it first, e.g. ${tool} FILE | callaudit analyze -`

/**
 * Compressions tshark reads itself (zstd and LZ4 since Wireshark 3.6) or that archives use, and
 * the capture formats of other tools (Wireshark's wiretap names them the same way). Only their
 * fixed magic numbers: a pktmon .etl has none (its first block is a WMI buffer header).
 */
const FOREIGN_FORMATS: readonly ForeignFormat[] = [
  {magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd-compressed file', hint: DECOMPRESS_HINT('zstd -dc')}, // RFC 8878 §3.1.1
  {magic: [0x04, 0x22, 0x4d, 0x18], what: 'an LZ4-compressed file', hint: DECOMPRESS_HINT('lz4 -dc')}, // LZ4 frame format
  {magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz-compressed file', hint: DECOMPRESS_HINT('xz -dc')},
  {magic: [0x42, 0x5a, 0x68], what: 'a bzip2-compressed file', hint: DECOMPRESS_HINT('bzip2 -dc')}, // "BZh"
  {magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive', hint: 'extract the capture from it (unzip) and give that file'},
  {magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive', hint: 'extract the capture from it (7z x) and give that file'},
  {magic: [0x47, 0x4d, 0x42, 0x55], what: 'a Microsoft Network Monitor 2.x capture', hint: 'convert it with editcap -F pcapng FILE out.pcapng'}, // "GMBU"
  {magic: [0x52, 0x54, 0x53, 0x53], what: 'a Microsoft Network Monitor 1.x capture', hint: 'convert it with editcap -F pcapng FILE out.pcapng'}, // "RTSS"
  {magic: [0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00, 0x00, 0x00], what: 'a snoop capture (Solaris)', hint: 'convert it with editcap -F pcapng FILE out.pcapng'}, // RFC 1761
  {magic: [0x62, 0x74, 0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00], what: 'a Bluetooth HCI log (btsnoop)', hint: 'it holds no IP traffic; capture the call on a network interface'},
  // POSIX ustar header: "ustar" at offset 257 (a .tar.gz arrives here once gunzipped). Seen only
  // when the first chunk read holds 262 bytes, as it does for any file and almost any pipe.
  {magic: [0x75, 0x73, 0x74, 0x61, 0x72], at: 257, what: 'a tar archive', hint: 'extract the capture from it (tar xf) and give that file'},
]

function foreignFormat(head: Uint8Array): ForeignFormat | undefined {
  const known = FOREIGN_FORMATS.find((f) => {
    const at = f.at ?? 0
    return at + f.magic.length <= head.length && f.magic.every((b, i) => head[at + i] === b)
  })
  return known ?? (startsWithBrace(head) ? JSON_FILE : undefined)
}

/** A JSON document where a capture was expected: most likely a report saved with --json. */
const JSON_FILE: ForeignFormat = {magic: [], what: 'a JSON file (a callaudit report?)', hint: 'captures are pcap or pcapng; diff takes a saved report as either side when it is a regular file'}

/** Whether the first byte after blanks (space, tab, CR, LF) is `{`: a JSON object, such as a
 * report saved with --json (no capture format starts so). */
export function startsWithBrace(head: Uint8Array): boolean {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue
    return byte === 0x7b
  }
  return false
}
