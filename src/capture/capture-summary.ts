import type {CaptureFormat, CaptureInterface} from './packet-record.js'

/** What a reader learned about one capture file besides its packets. */
export interface CaptureSummary {
  path: string
  format: CaptureFormat
  /** 'le' or 'be' of the file header (pcapng: of the first section). */
  byteOrder: 'le' | 'be'
  gzip: boolean
  interfaces: CaptureInterface[]
  packets: number
  /** Sum of original frame lengths. */
  bytes: number
  /** Sum of captured lengths. */
  capturedBytes: number
  /** Earliest and latest packet times (capinfos' first and last packet time): in a capture
   * whose packets are not in time order, not those of its first and last records. */
  firstSec: number
  firstNsec: number
  lastSec: number
  lastNsec: number
  /** Largest sub-second precision among the interfaces (6 = µs, 9 = ns). */
  precision: number
  /** pcapng Name Resolution Block entries: address text → names. */
  names: Map<string, string[]>
  /** pcapng Decryption Secrets Blocks seen: secrets type name and byte length. */
  secrets: Array<{type: string; length: number}>
  /** pcapng capture file comments (SHB opt_comment, every section; untrusted text). */
  comments: string[]
  /** pcapng packet comments (EPB opt_comment) with their frame numbers: the first 100; all are
   * counted in packetCommentCount. Untrusted text. */
  packetComments: Array<{frame: number; text: string}>
  packetCommentCount: number
  /** Packets whose comment a conversion tool wrote on every packet (etl2pcapng's `PID=… TID=…`,
   * pktmon's `PktGroupId …`): counted here by tool, never listed as an analyst's comments. */
  toolComments: Map<string, number>
  /** pcapng SHB shb_userappl / shb_os / shb_hardware of the first section (untrusted text). */
  application?: string
  os?: string
  hardware?: string
  /** Problems found, each `path: byte offset N: message` or `path: message`. */
  warnings: string[]
  /** Where reading stopped early because of damage; undefined when the file was read to its end. */
  stoppedAt?: {offset: number; reason: string}
  /** Whether time went backwards between packets at least once. */
  outOfOrder: boolean
  /** Packets stored shorter than they were on the wire (captured length < original length: the
   * snapshot length cut them), and the frame number of the first. */
  truncatedPackets: number
  firstTruncatedFrame: number
  /** TCP/UDP packets that repeat the one before them in their flow within a millisecond: the
   * capture saw the same packet twice (counted by the flow table, see FlowTable.noteSignature),
   * and the frame number of the first such copy. */
  duplicatePackets: number
  firstDuplicateFrame: number
}

export function newCaptureSummary(path: string, format: CaptureFormat, gzip: boolean): CaptureSummary {
  return {
    path,
    format,
    byteOrder: 'le',
    gzip,
    interfaces: [],
    packets: 0,
    bytes: 0,
    capturedBytes: 0,
    firstSec: 0,
    firstNsec: 0,
    lastSec: 0,
    lastNsec: 0,
    precision: 6,
    names: new Map(),
    secrets: [],
    comments: [],
    packetComments: [],
    packetCommentCount: 0,
    toolComments: new Map(),
    warnings: [],
    outOfOrder: false,
    truncatedPackets: 0,
    firstTruncatedFrame: 0,
    duplicatePackets: 0,
    firstDuplicateFrame: 0,
  }
}

/** Largest captured length we accept for one packet: Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD. */
export const MAX_PACKET_BYTES = 262_144

/** The distinct capture filters of a capture's interfaces, in order (pcapng if_filter). */
export function captureFilters(s: Pick<CaptureSummary, 'interfaces'>): string[] {
  const out: string[] = []
  for (const i of s.interfaces) if (i.filter && !out.includes(i.filter) && out.length < MAX_LISTED) out.push(i.filter)
  return out
}

/** The distinct interface names of a capture, in order (pcapng if_name, with if_description in
 * parentheses when both are given: `\Device\NPF_{...} (Wi-Fi)`). */
export function interfaceNames(s: Pick<CaptureSummary, 'interfaces'>): string[] {
  const out: string[] = []
  for (const i of s.interfaces) {
    const text = i.name && i.description && i.description !== i.name ? `${i.name} (${i.description})` : (i.name ?? i.description)
    if (text && !out.includes(text) && out.length < MAX_LISTED) out.push(text)
  }
  return out
}

/** Most names or filters listed per capture (a crafted file may hold thousands of interfaces). */
const MAX_LISTED = 32
