/** One packet as handed out by a capture reader. The object is reused for every packet and its
 * bytes live in the reader's buffer: both are valid only during the callback. The hot path reads
 * `buffer` from `offset` to `offset + capLen` directly; `data` makes a view for everyone else. */
export class PacketRecord {
  /** 1-based frame number within its capture file, as Wireshark numbers frames. */
  frame = 0
  /** Index into the capture's `interfaces` list. */
  interfaceIndex = 0
  /** LINKTYPE_* value of the packet's interface. */
  linkType = 0
  /** Seconds since the Unix epoch (integer, may exceed 2^32 for pcapng). */
  tsSec = 0
  /** Nanoseconds within the second, 0..999 999 999. */
  tsNsec = 0
  /** Bytes present in the capture. */
  capLen = 0
  /** Length of the packet on the wire (what tshark calls frame.len). */
  origLen = 0
  /** The reader's buffer holding the packet, and where in it the packet starts. */
  buffer: Uint8Array = new Uint8Array(0)
  offset = 0
  /** The process that sent or received the packet, when the capture says (macOS pcapng's
   * process information blocks; PKTAP headers are read by the flow collector instead). */
  process: ProcessInfo | undefined = undefined

  /** The packet's captured bytes as a view (allocates: not for the per-packet hot path). */
  get data(): Uint8Array {
    return this.buffer.subarray(this.offset, this.offset + this.capLen)
  }

  /** Point the record at standalone bytes (tests, tools). */
  set data(bytes: Uint8Array) {
    this.buffer = bytes
    this.offset = 0
    this.capLen = bytes.length
  }
}

/**
 * A process or app named by the capturing host. macOS (`tcpdump -k` / `-i pktap`, pcapng
 * process blocks): its id and command name (at most 16 characters, cut by the kernel), and the
 * effective process when another one made the traffic on its behalf (a system daemon for an
 * app). Android (PCAPdroid): the app's Linux user id, its name (the app's label, or its package
 * name in older versions, cut to 19 characters in a pcap trailer) and, from pcapng, its package
 * name. Names are untrusted text.
 */
export interface ProcessInfo {
  pid?: number
  name: string
  effectivePid?: number
  effectiveName?: string
  /** Android: the app's user id (a UID per installed app; -1 when the system did not know). */
  uid?: number
  /** Android: the app's package name (application id), e.g. us.zoom.videomeetings. */
  package?: string
}

/** Where a reader hands its packets. */
export interface PacketSink {
  (record: PacketRecord): void
  /** Offered every whole, unremarkable packet first (see RawPacketTaker); optional. */
  raw?: RawPacketTaker
}

/**
 * A sink's shortcut: a packet offered by its place in the reader's buffer, before any record
 * is filled in. `take` returns true when it has dealt with the packet (it is then never handed
 * out as a PacketRecord) and false to have it handed out as usual. Readers offer only packets
 * they have nothing to say about (no warning, no process, no damage), after counting them.
 */
export interface RawPacketTaker {
  take(buffer: Uint8Array, offset: number, capLen: number, origLen: number, sec: number, nsec: number, linkType: number, frame: number): boolean
}

export function newPacketRecord(): PacketRecord {
  return new PacketRecord()
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
  /** pcapng if_description: what the capturing system calls the interface (Npcap names it
   * `\\Device\\NPF_{GUID}` and describes it as `Wi-Fi`). Untrusted text. */
  description?: string
  /** The capture filter the interface was recorded with (pcapng if_filter: a libpcap filter
   * string, or a note that it was a compiled BPF program). Untrusted text. */
  filter?: string
  /** Packets the capturing system reported dropped (pcapng ISB isb_ifdrop + isb_osdrop). */
  dropped?: number
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng'
