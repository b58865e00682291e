/**
 * Capture writers for tests and fixtures: classic pcap and pcapng, as Buffers.
 *
 *  - pcap: the tcpdump.org / draft-ietf-opsawg-pcap format. Magic 0xa1b2c3d4 (µs) or 0xa1b23c4d
 *    (ns), written in the chosen byte order; records ts_sec, ts_frac, incl_len, orig_len, data.
 *  - pcapng: draft-ietf-opsawg-pcapng. Block-level functions (`shbBlock`, `idbBlock`, `epbBlock`,
 *    ...) and a `PcapngWriter` that tracks sections/interfaces and converts {sec, nsec} timestamps
 *    exactly (BigInt) into each interface's if_tsresol / if_tsoffset, throwing if a timestamp
 *    cannot be represented exactly.
 *
 * Both writers record what they wrote (`packets`: frame number, time, lengths, link type, byte
 * offset) so ground truth can be computed from the written file, not from intentions.
 */
import {gzipSync} from 'node:zlib'
import {ipBytes} from './packet-builder.js'

export type ByteOrder = 'le' | 'be'

export interface Timestamp {
  sec: number
  nsec: number
}

export interface WrittenPacket {
  /** 1-based frame number, as Wireshark shows it. */
  frame: number
  /** null for Simple Packet Blocks (no timestamp). */
  time: Timestamp | null
  capLen: number
  origLen: number
  linkType: number
  /** Byte offset of the record header / block in the (uncompressed) file. */
  offset: number
  block?: 'epb' | 'spb' | 'pb'
  section?: number
  ifId?: number
}

export function gzip(b: Buffer): Buffer {
  return gzipSync(b, {level: 9})
}

function timeNs(t: Timestamp): bigint {
  if (!Number.isInteger(t.sec) || !Number.isInteger(t.nsec) || t.nsec < 0 || t.nsec >= 1e9) {
    throw new Error(`bad timestamp ${JSON.stringify(t)}`)
  }
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec)
}

// ---------------------------------------------------------------------------------------------
// Classic pcap
// ---------------------------------------------------------------------------------------------

export interface PcapOptions {
  linkType: number
  byteOrder?: ByteOrder
  /** Nanosecond variant (magic 0xa1b23c4d). */
  nanos?: boolean
  snaplen?: number
  versionMajor?: number
  versionMinor?: number
}

function u32(bo: ByteOrder, ...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length)
  values.forEach((v, i) => (bo === 'le' ? b.writeUInt32LE(v >>> 0, 4 * i) : b.writeUInt32BE(v >>> 0, 4 * i)))
  return b
}

/** 24-byte global header: magic, version 2.4, thiszone 0, sigfigs 0, snaplen, link type. */
export function pcapGlobalHeader(o: PcapOptions): Buffer {
  const bo = o.byteOrder ?? 'le'
  const b = Buffer.alloc(24)
  const w32 = (v: number, at: number) => (bo === 'le' ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at))
  const w16 = (v: number, at: number) => (bo === 'le' ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at))
  w32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0)
  w16(o.versionMajor ?? 2, 4)
  w16(o.versionMinor ?? 4, 6)
  w32(0, 8) // thiszone
  w32(0, 12) // sigfigs
  w32(o.snaplen ?? 262144, 16)
  w32(o.linkType, 20)
  return b
}

/** 16-byte record header. */
export function pcapRecordHeader(bo: ByteOrder, tsSec: number, tsFrac: number, inclLen: number, origLen: number): Buffer {
  return u32(bo, tsSec, tsFrac, inclLen, origLen)
}

export class PcapWriter {
  readonly packets: WrittenPacket[] = []
  private readonly chunks: Buffer[] = []
  private size = 0
  readonly byteOrder: ByteOrder
  readonly nanos: boolean
  readonly snaplen: number
  readonly linkType: number

  constructor(o: PcapOptions) {
    this.byteOrder = o.byteOrder ?? 'le'
    this.nanos = !!o.nanos
    this.snaplen = o.snaplen ?? 262144
    this.linkType = o.linkType
    this.raw(pcapGlobalHeader({...o, snaplen: this.snaplen}))
  }

  get length(): number {
    return this.size
  }

  /** Append raw bytes (for damaged files). */
  raw(b: Buffer): void {
    this.chunks.push(b)
    this.size += b.length
  }

  /**
   * Add a record. `data` is the frame as on the wire; it is cut to the snaplen (incl_len) and
   * orig_len is the full length, unless `origLen` says the wire frame was longer than `data`.
   */
  add(time: Timestamp, data: Buffer, opts: {origLen?: number} = {}): WrittenPacket {
    timeNs(time) // validates
    let frac: number
    if (this.nanos) frac = time.nsec
    else {
      if (time.nsec % 1000) throw new Error(`timestamp ${time.sec}.${time.nsec} not representable in µs`)
      frac = time.nsec / 1000
    }
    const incl = Math.min(data.length, this.snaplen)
    const orig = Math.max(opts.origLen ?? data.length, data.length)
    const p: WrittenPacket = {
      frame: this.packets.length + 1,
      time: {...time},
      capLen: incl,
      origLen: orig,
      linkType: this.linkType,
      offset: this.size,
    }
    this.raw(pcapRecordHeader(this.byteOrder, time.sec, frac, incl, orig))
    this.raw(data.subarray(0, incl))
    this.packets.push(p)
    return p
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

// ---------------------------------------------------------------------------------------------
// pcapng blocks
// ---------------------------------------------------------------------------------------------

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  DSB: 0x0000000a,
  CUSTOM: 0x00000bad,
  CUSTOM_NOCOPY: 0x40000bad,
} as const

/** Option codes (draft-ietf-opsawg-pcapng §4). */
export const OPT = {
  endofopt: 0,
  comment: 1,
  shb_hardware: 2,
  shb_os: 3,
  shb_userappl: 4,
  if_name: 2,
  if_description: 3,
  if_speed: 8,
  if_tsresol: 9,
  if_filter: 11,
  if_os: 12,
  if_tsoffset: 14,
  epb_flags: 2,
  epb_dropcount: 4,
  ns_dnsname: 2,
  isb_starttime: 2,
  isb_endtime: 3,
  isb_ifrecv: 4,
  isb_ifdrop: 5,
  isb_filteraccept: 6,
  isb_osdrop: 7,
  isb_usrdeliv: 8,
} as const

export const SECRETS_TLS_KEY_LOG = 0x544c534b

export interface PcapngOption {
  code: number
  value: Buffer
}

function pad4(b: Buffer): Buffer {
  const p = (4 - (b.length % 4)) % 4
  return p ? Buffer.concat([b, Buffer.alloc(p)]) : b
}

export const opt = {
  string: (code: number, s: string): PcapngOption => ({code, value: Buffer.from(s, 'utf8')}),
  u8: (code: number, v: number): PcapngOption => ({code, value: Buffer.from([v])}),
  u32: (bo: ByteOrder, code: number, v: number): PcapngOption => ({code, value: u32(bo, v)}),
  u64: (bo: ByteOrder, code: number, v: bigint): PcapngOption => {
    const b = Buffer.alloc(8)
    if (bo === 'le') b.writeBigUInt64LE(v)
    else b.writeBigUInt64BE(v)
    return {code, value: b}
  },
  i64: (bo: ByteOrder, code: number, v: bigint): PcapngOption => {
    const b = Buffer.alloc(8)
    if (bo === 'le') b.writeBigInt64LE(v)
    else b.writeBigInt64BE(v)
    return {code, value: b}
  },
}

/** Options area: code, length, value padded to 32 bits; opt_endofopt appended when non-empty. */
export function encodeOptions(bo: ByteOrder, options: PcapngOption[]): Buffer {
  if (!options.length) return Buffer.alloc(0)
  const parts: Buffer[] = []
  const hdr = (code: number, len: number) => {
    const b = Buffer.alloc(4)
    if (bo === 'le') {
      b.writeUInt16LE(code, 0)
      b.writeUInt16LE(len, 2)
    } else {
      b.writeUInt16BE(code, 0)
      b.writeUInt16BE(len, 2)
    }
    return b
  }
  for (const o of options) parts.push(hdr(o.code, o.value.length), pad4(o.value))
  parts.push(hdr(0, 0))
  return Buffer.concat(parts)
}

/** Generic block: type, total length, body (padded to 32 bits), total length again. */
export function pcapngBlock(bo: ByteOrder, type: number, body: Buffer, trailerLength?: number): Buffer {
  const b = pad4(body)
  const total = 12 + b.length
  return Buffer.concat([u32(bo, type, total), b, u32(bo, trailerLength ?? total)])
}

/** Section Header Block (§4.1): byte-order magic 0x1A2B3C4D, version 1.0, section length (-1 = unknown). */
export function shbBlock(bo: ByteOrder, o: {options?: PcapngOption[]; sectionLength?: bigint} = {}): Buffer {
  const body = Buffer.alloc(16)
  if (bo === 'le') {
    body.writeUInt32LE(0x1a2b3c4d, 0)
    body.writeUInt16LE(1, 4)
    body.writeUInt16LE(0, 6)
    body.writeBigInt64LE(o.sectionLength ?? -1n, 8)
  } else {
    body.writeUInt32BE(0x1a2b3c4d, 0)
    body.writeUInt16BE(1, 4)
    body.writeUInt16BE(0, 6)
    body.writeBigInt64BE(o.sectionLength ?? -1n, 8)
  }
  return pcapngBlock(bo, BLOCK.SHB, Buffer.concat([body, encodeOptions(bo, o.options ?? [])]))
}

/** Interface Description Block (§4.2): link type, reserved, snaplen, options. */
export function idbBlock(bo: ByteOrder, o: {linkType: number; snaplen: number; options?: PcapngOption[]}): Buffer {
  const body = Buffer.alloc(8)
  if (bo === 'le') {
    body.writeUInt16LE(o.linkType, 0)
    body.writeUInt32LE(o.snaplen, 4)
  } else {
    body.writeUInt16BE(o.linkType, 0)
    body.writeUInt32BE(o.snaplen, 4)
  }
  return pcapngBlock(bo, BLOCK.IDB, Buffer.concat([body, encodeOptions(bo, o.options ?? [])]))
}

function tsWords(ts: bigint): [number, number] {
  return [Number((ts >> 32n) & 0xffffffffn), Number(ts & 0xffffffffn)]
}

/** Enhanced Packet Block (§4.3): interface id, timestamp (high, low), caplen, origlen, data, options. */
export function epbBlock(
  bo: ByteOrder,
  o: {ifId: number; ts: bigint; data: Buffer; origLen: number; options?: PcapngOption[]},
): Buffer {
  const [hi, lo] = tsWords(o.ts)
  return pcapngBlock(
    bo,
    BLOCK.EPB,
    Buffer.concat([u32(bo, o.ifId, hi, lo, o.data.length, o.origLen), pad4(o.data), encodeOptions(bo, o.options ?? [])]),
  )
}

/** Simple Packet Block (§4.4): original length + data (captured length = min(origlen, snaplen of if 0)). */
export function spbBlock(bo: ByteOrder, o: {data: Buffer; origLen: number}): Buffer {
  return pcapngBlock(bo, BLOCK.SPB, Buffer.concat([u32(bo, o.origLen), o.data]))
}

/** Obsolete Packet Block (Appendix A): 16-bit interface id, 16-bit drops count, ts, caplen, origlen, data. */
export function pbBlock(
  bo: ByteOrder,
  o: {ifId: number; drops?: number; ts: bigint; data: Buffer; origLen: number; options?: PcapngOption[]},
): Buffer {
  const head = Buffer.alloc(4)
  if (bo === 'le') {
    head.writeUInt16LE(o.ifId, 0)
    head.writeUInt16LE(o.drops ?? 0, 2)
  } else {
    head.writeUInt16BE(o.ifId, 0)
    head.writeUInt16BE(o.drops ?? 0, 2)
  }
  const [hi, lo] = tsWords(o.ts)
  return pcapngBlock(
    bo,
    BLOCK.PB,
    Buffer.concat([head, u32(bo, hi, lo, o.data.length, o.origLen), pad4(o.data), encodeOptions(bo, o.options ?? [])]),
  )
}

export interface NrbRecord {
  ip: string
  names: string[]
}

/** Name Resolution Block (§4.5): nrb_record_ipv4 (1) / nrb_record_ipv6 (2) records, nrb_record_end (0). */
export function nrbBlock(bo: ByteOrder, records: NrbRecord[], options: PcapngOption[] = []): Buffer {
  const parts: Buffer[] = []
  const rec = (type: number, value: Buffer) => {
    const h = Buffer.alloc(4)
    if (bo === 'le') {
      h.writeUInt16LE(type, 0)
      h.writeUInt16LE(value.length, 2)
    } else {
      h.writeUInt16BE(type, 0)
      h.writeUInt16BE(value.length, 2)
    }
    parts.push(h, pad4(value))
  }
  for (const r of records) {
    const a = ipBytes(r.ip)
    const names = r.names.map((n) => Buffer.concat([Buffer.from(n, 'utf8'), Buffer.from([0])]))
    rec(a.length === 4 ? 1 : 2, Buffer.concat([a, ...names]))
  }
  rec(0, Buffer.alloc(0))
  return pcapngBlock(bo, BLOCK.NRB, Buffer.concat([...parts, encodeOptions(bo, options)]))
}

/** Interface Statistics Block (§4.6): interface id, timestamp, options (isb_* counters are u64). */
export function isbBlock(bo: ByteOrder, o: {ifId: number; ts: bigint; options?: PcapngOption[]}): Buffer {
  const [hi, lo] = tsWords(o.ts)
  return pcapngBlock(bo, BLOCK.ISB, Buffer.concat([u32(bo, o.ifId, hi, lo), encodeOptions(bo, o.options ?? [])]))
}

/** Decryption Secrets Block (§4.7): secrets type, secrets length, data padded, options. */
export function dsbBlock(bo: ByteOrder, o: {secretsType: number; data: Buffer; options?: PcapngOption[]}): Buffer {
  return pcapngBlock(
    bo,
    BLOCK.DSB,
    Buffer.concat([u32(bo, o.secretsType, o.data.length), pad4(o.data), encodeOptions(bo, o.options ?? [])]),
  )
}

/** Custom Block (§4.8): 0x00000BAD (copyable) or 0x40000BAD (do not copy), PEN, data. */
export function customBlock(bo: ByteOrder, o: {copyable: boolean; pen: number; data: Buffer}): Buffer {
  return pcapngBlock(bo, o.copyable ? BLOCK.CUSTOM : BLOCK.CUSTOM_NOCOPY, Buffer.concat([u32(bo, o.pen), o.data]))
}

// ---------------------------------------------------------------------------------------------
// pcapng writer
// ---------------------------------------------------------------------------------------------

export interface TsResol {
  base: 10 | 2
  exp: number
}

export interface InterfaceSpec {
  linkType: number
  snaplen?: number
  name?: string
  description?: string
  /** if_filter as a libpcap filter string (filter type 0). */
  filter?: string
  /** Default 10^-6. */
  tsresol?: TsResol
  /** if_tsoffset, seconds (signed). */
  tsoffset?: number
}

export interface WrittenInterface extends Required<Pick<InterfaceSpec, 'linkType' | 'snaplen'>> {
  section: number
  id: number
  name?: string
  tsresol: TsResol
  tsoffset: number
}

export interface SectionSpec {
  byteOrder: ByteOrder
  userappl?: string
  hardware?: string
  os?: string
  comment?: string
  /** Write the real section length instead of -1. */
  computeLength?: boolean
}

export interface IsbCounters {
  starttime?: Timestamp
  endtime?: Timestamp
  ifrecv?: number
  ifdrop?: number
  filteraccept?: number
  osdrop?: number
  usrdeliv?: number
}

export interface WrittenIsb extends IsbCounters {
  section: number
  ifId: number
}

export class PcapngWriter {
  readonly packets: WrittenPacket[] = []
  readonly interfaces: WrittenInterface[] = []
  readonly nrbRecords: NrbRecord[] = []
  readonly isbs: WrittenIsb[] = []
  secrets = 0
  private chunks: Buffer[] = []
  private size = 0
  private section = -1
  private bo: ByteOrder = 'le'
  private sectionIfs: WrittenInterface[] = []
  private sectionStarts: {chunk: number; offset: number; compute: boolean}[] = []

  get length(): number {
    return this.size
  }

  get byteOrder(): ByteOrder {
    return this.bo
  }

  raw(b: Buffer): void {
    this.chunks.push(b)
    this.size += b.length
  }

  /** Start a new section (SHB); interface ids restart at 0. */
  sectionStart(s: SectionSpec): number {
    this.section++
    this.bo = s.byteOrder
    this.sectionIfs = []
    const options: PcapngOption[] = []
    if (s.comment) options.push(opt.string(OPT.comment, s.comment))
    if (s.hardware) options.push(opt.string(OPT.shb_hardware, s.hardware))
    if (s.os) options.push(opt.string(OPT.shb_os, s.os))
    if (s.userappl) options.push(opt.string(OPT.shb_userappl, s.userappl))
    this.sectionStarts.push({chunk: this.chunks.length, offset: this.size, compute: !!s.computeLength})
    this.raw(shbBlock(this.bo, {options}))
    return this.section
  }

  iface(spec: InterfaceSpec): number {
    if (this.section < 0) throw new Error('no section')
    const tsresol = spec.tsresol ?? {base: 10, exp: 6}
    const w: WrittenInterface = {
      section: this.section,
      id: this.sectionIfs.length,
      linkType: spec.linkType,
      snaplen: spec.snaplen ?? 262144,
      name: spec.name,
      tsresol,
      tsoffset: spec.tsoffset ?? 0,
    }
    const options: PcapngOption[] = []
    if (spec.name) options.push(opt.string(OPT.if_name, spec.name))
    if (spec.description) options.push(opt.string(OPT.if_description, spec.description))
    if (spec.filter !== undefined) options.push({code: OPT.if_filter, value: Buffer.concat([Buffer.from([0]), Buffer.from(spec.filter, 'utf8')])})
    if (spec.tsresol) options.push(opt.u8(OPT.if_tsresol, (tsresol.base === 2 ? 0x80 : 0) | tsresol.exp))
    if (spec.tsoffset !== undefined) options.push(opt.i64(this.bo, OPT.if_tsoffset, BigInt(spec.tsoffset)))
    this.raw(idbBlock(this.bo, {linkType: w.linkType, snaplen: w.snaplen, options}))
    this.sectionIfs.push(w)
    this.interfaces.push(w)
    return w.id
  }

  private ifc(ifId: number): WrittenInterface {
    const i = this.sectionIfs[ifId]
    if (!i) throw new Error(`no interface ${ifId} in section ${this.section}`)
    return i
  }

  /** Convert a timestamp to interface units exactly: units = (t - tsoffset) / resolution. */
  toUnits(ifId: number, t: Timestamp): bigint {
    const i = this.ifc(ifId)
    const ns = timeNs(t) - BigInt(i.tsoffset) * 1_000_000_000n
    const per = BigInt(i.tsresol.base) ** BigInt(i.tsresol.exp) // units per second
    const num = ns * per
    if (num % 1_000_000_000n !== 0n) {
      throw new Error(`timestamp ${t.sec}.${t.nsec} not exact at ${i.tsresol.base}^-${i.tsresol.exp}`)
    }
    const units = num / 1_000_000_000n
    if (units < 0n || units >= 1n << 64n) throw new Error('timestamp out of range')
    return units
  }

  /**
   * Add a packet as an EPB (default), an obsolete PB, or an SPB (interface 0, no timestamp,
   * captured length = min(origLen, snaplen)). `data` longer than the snaplen is cut.
   */
  packet(
    time: Timestamp | null,
    data: Buffer,
    o: {ifId?: number; origLen?: number; block?: 'epb' | 'pb' | 'spb'; comment?: string; flags?: number; drops?: number} = {},
  ): WrittenPacket {
    const kind = o.block ?? 'epb'
    const ifId = kind === 'spb' ? 0 : (o.ifId ?? 0)
    const i = this.ifc(ifId)
    const orig = Math.max(o.origLen ?? data.length, data.length)
    const cap = data.subarray(0, Math.min(data.length, i.snaplen || Infinity))
    const offset = this.size
    const options: PcapngOption[] = []
    if (o.comment) options.push(opt.string(OPT.comment, o.comment))
    if (o.flags !== undefined) options.push(opt.u32(this.bo, OPT.epb_flags, o.flags))
    if (kind === 'spb') {
      if (cap.length !== Math.min(orig, i.snaplen || Infinity)) throw new Error('SPB data must be min(origLen, snaplen)')
      this.raw(spbBlock(this.bo, {data: cap, origLen: orig}))
    } else {
      if (!time) throw new Error('EPB/PB need a timestamp')
      const ts = this.toUnits(ifId, time)
      if (kind === 'pb') this.raw(pbBlock(this.bo, {ifId, drops: o.drops, ts, data: cap, origLen: orig, options}))
      else this.raw(epbBlock(this.bo, {ifId, ts, data: cap, origLen: orig, options}))
    }
    const p: WrittenPacket = {
      frame: this.packets.length + 1,
      time: kind === 'spb' || !time ? null : {...time},
      capLen: cap.length,
      origLen: orig,
      linkType: i.linkType,
      offset,
      block: kind,
      section: this.section,
      ifId,
    }
    this.packets.push(p)
    return p
  }

  nrb(records: NrbRecord[], options: PcapngOption[] = []): void {
    this.raw(nrbBlock(this.bo, records, options))
    this.nrbRecords.push(...records.map((r) => ({ip: r.ip, names: [...r.names]})))
  }

  isb(ifId: number, time: Timestamp, c: IsbCounters): void {
    const bo = this.bo
    const options: PcapngOption[] = []
    if (c.starttime) options.push(opt.u64(bo, OPT.isb_starttime, this.toUnits(ifId, c.starttime)))
    if (c.endtime) options.push(opt.u64(bo, OPT.isb_endtime, this.toUnits(ifId, c.endtime)))
    if (c.ifrecv !== undefined) options.push(opt.u64(bo, OPT.isb_ifrecv, BigInt(c.ifrecv)))
    if (c.ifdrop !== undefined) options.push(opt.u64(bo, OPT.isb_ifdrop, BigInt(c.ifdrop)))
    if (c.filteraccept !== undefined) options.push(opt.u64(bo, OPT.isb_filteraccept, BigInt(c.filteraccept)))
    if (c.osdrop !== undefined) options.push(opt.u64(bo, OPT.isb_osdrop, BigInt(c.osdrop)))
    if (c.usrdeliv !== undefined) options.push(opt.u64(bo, OPT.isb_usrdeliv, BigInt(c.usrdeliv)))
    this.raw(isbBlock(bo, {ifId, ts: this.toUnits(ifId, time), options}))
    this.isbs.push({section: this.section, ifId, ...c})
  }

  dsb(secretsType: number, data: Buffer): void {
    this.raw(dsbBlock(this.bo, {secretsType, data}))
    this.secrets++
  }

  custom(o: {copyable: boolean; pen: number; data: Buffer}): void {
    this.raw(customBlock(this.bo, o))
  }

  /** A block of a type the reader does not know; must be skipped by its length. */
  unknownBlock(type: number, body: Buffer): void {
    this.raw(pcapngBlock(this.bo, type, body))
  }

  toBuffer(): Buffer {
    const chunks = [...this.chunks]
    // Patch section lengths where asked: bytes after the SHB up to the next SHB / end of file.
    this.sectionStarts.forEach((s, k) => {
      if (!s.compute) return
      const shb = Buffer.from(chunks[s.chunk])
      const end = k + 1 < this.sectionStarts.length ? this.sectionStarts[k + 1].offset : this.size
      const len = BigInt(end - s.offset - shb.length)
      const le = shb.readUInt32LE(8) === 0x1a2b3c4d
      if (le) shb.writeBigInt64LE(len, 16)
      else shb.writeBigInt64BE(len, 16)
      chunks[s.chunk] = shb
    })
    return Buffer.concat(chunks)
  }
}
