/** One packet as handed out by a capture reader. The object is reused for every packet and
 * `data` is a view into the reader's buffer: both are valid only during the callback. */
export interface PacketRecord {
  /** 1-based frame number within its capture file, as Wireshark numbers frames. */
  frame: number
  /** Index into the capture's `interfaces` list. */
  interfaceIndex: number
  /** LINKTYPE_* value of the packet's interface. */
  linkType: number
  /** Seconds since the Unix epoch (integer, may exceed 2^32 for pcapng). */
  tsSec: number
  /** Nanoseconds within the second, 0..999 999 999. */
  tsNsec: number
  /** Bytes present in the capture. */
  capLen: number
  /** Length of the packet on the wire (what tshark calls frame.len). */
  origLen: number
  data: Uint8Array
}

export type PacketSink = (record: PacketRecord) => void

export function newPacketRecord(): PacketRecord {
  return {frame: 0, interfaceIndex: 0, linkType: 0, tsSec: 0, tsNsec: 0, capLen: 0, origLen: 0, data: new Uint8Array(0)}
}

/** An interface as described by a pcap file header or a pcapng Interface Description Block. */
export interface CaptureInterface {
  /** pcapng section number (0 for pcap). */
  section: number
  linkType: number
  snapLen: number
  /** Digits of sub-second precision the interface records (6 = µs, 9 = ns). */
  precision: number
  name?: string
  /** Packets the capturing system reported dropped (pcapng ISB isb_ifdrop + isb_osdrop). */
  dropped?: number
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng'
