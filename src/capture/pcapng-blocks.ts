import {u16, u32, u32le, u64} from './bytes.js'
import type {ProcessInfo} from './packet-record.js'
import {CaptureParser} from './capture-parser.js'
import {MAX_PACKET_BYTES} from './capture-summary.js'
import {formatIpv4, formatIpv6} from '../util/ip-text.js'
import {decodeWireText} from '../util/wire-text.js'
import {MICROSECONDS, resolutionFromTsresol, type SecNsec, splitTimestamp, type TimeResolution} from './timestamp.js'

// Block types, draft-ietf-opsawg-pcapng §11.1.
const SHB = 0x0a0d0d0a
const IDB = 0x00000001
const PB = 0x00000002 // obsolete Packet Block, Appendix A
const SPB = 0x00000003
const NRB = 0x00000004
const ISB = 0x00000005
const EPB = 0x00000006
/** Apple's process information block (libpcap's PCAPNG_BT_PIB, Wireshark's legacy DPIB): a
 * process id, then options (2 = name, 4 = UUID). EPBs refer to them by their index in the
 * section through options 0x8001 (process) and 0x8003 (effective process). */
const DARWIN_PIB = 0x80000001
/** opt_comment (draft-ietf-opsawg-pcapng §3.5), in any block's options. */
const OPT_COMMENT = 1
/** Most capture file comments and packet comments kept per capture (the rest are counted). */
const MAX_FILE_COMMENTS = 16
const MAX_PACKET_COMMENTS = 100
const EPB_PIB_INDEX = 0x8001
const EPB_EFFECTIVE_PIB_INDEX = 0x8003
/** Most process blocks kept per section: each is small, but a file may hold any number. */
const MAX_PROCESSES = 65_536
const DSB = 0x0000000a
const CUSTOM = 0x00000bad
const CUSTOM_NO_COPY = 0x40000bad
/**
 * PCAPdroid (Android) with dump extensions: custom blocks of its Private Enterprise Number map an
 * app's user id to its package and name (block version 1, type 1: uid u32, package length u8,
 * name length u8, package, name), and each packet's comment is `u-<uid>`, the app that sent or
 * received it (PCAPdroid's pcap_dump.c and its Wireshark plugin pcapdroid.lua).
 */
const PCAPDROID_PEN = 62652
const PCAPDROID_UID_MAP = 1

const BYTE_ORDER_MAGIC = 0x1a2b3c4d
const BLOCK_HEADER_BYTES = 12 // type, total length, and (SHB) the byte-order magic
/** Non-packet blocks (NRB, DSB, custom) may be large, but not unboundedly so. */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024
const MAX_NAMES = 100_000

const SECRETS_TYPES: Record<number, string> = {
  0x544c534b: 'TLS key log',
  0x57474b4c: 'WireGuard key log',
  0x5a4e574b: 'ZigBee NWK key',
  0x5a415053: 'ZigBee APS key',
  0x6f676f6f: 'OPC UA key log',
}

interface NgInterface {
  index: number
  linkType: number
  snapLen: number
  resolution: TimeResolution
  offsetSec: number
}

/**
 * pcapng (draft-ietf-opsawg-pcapng): blocks of type, total length, body, total length again.
 * Every Section Header Block restarts byte order and the interface list; packets come from
 * EPB, SPB and the obsolete PB; NRB names, ISB drop counters and DSB secrets are noted;
 * everything else is skipped by its length.
 */
export class PcapngBlockParser extends CaptureParser {
  private le = true
  private inSection = false
  private section = -1
  private sectionInterfaces: NgInterface[] = []
  private readonly ts: SecNsec = {sec: 0, nsec: 0}
  protected override readonly maxUnitBytes = MAX_BLOCK_BYTES

  protected headerNeeded(): number {
    return BLOCK_HEADER_BYTES
  }

  protected unitLength(buf: Uint8Array, pos: number): number {
    const type = u32(buf, pos, this.le)
    let le = this.le
    if (type === SHB) {
      const bom = u32(buf, pos + 8, true)
      if (bom === BYTE_ORDER_MAGIC) le = true
      else if (bom === 0x4d3c2b1a) le = false
      else return this.fail(this.streamOffset, 'section header block has no valid byte-order magic: the file is damaged here; read stopped')
    } else if (!this.inSection) {
      return this.fail(this.streamOffset, 'pcapng data does not start with a section header block')
    }
    const length = u32(buf, pos + 4, le)
    if (length < BLOCK_HEADER_BYTES || length % 4 !== 0) {
      return this.fail(this.streamOffset, `block of type 0x${type.toString(16)} has invalid length ${length}: the file is damaged here; read stopped`)
    }
    if (length > MAX_BLOCK_BYTES) {
      return this.fail(this.streamOffset, `block of type 0x${type.toString(16)} claims ${length} bytes, more than the ${MAX_BLOCK_BYTES}-byte limit: the file is damaged here; read stopped`)
    }
    return length
  }

  /** Enhanced Packet Blocks (nearly every block of a capture) lying whole in the chunk, read in
   * one loop; any other block, or one whose lengths are wrong, goes to the general path. */
  protected override wholeUnits(buf: Uint8Array, pos: number, end: number): number {
    if (!this.inSection) return pos
    if (!this.le) return this.wholeUnitsAnyOrder(buf, pos, end)
    // Little-endian (what nearly every capturing host writes): the EPB's fixed fields read
    // inline; a block that needs a warning (short, unknown interface, bad lengths) breaks out to
    // the general path, which gives it.
    const interfaces = this.sectionInterfaces
    const r = this.record
    const ts = this.ts
    const raw = this.sink.raw
    while (end - pos >= 32 && u32le(buf, pos) === EPB) {
      const length = u32le(buf, pos + 4)
      if (length < 32 || length % 4 !== 0 || length > MAX_BLOCK_BYTES || length > end - pos || u32le(buf, pos + length - 4) !== length) break
      const iface = interfaces[u32le(buf, pos + 8)]
      const capLen = u32le(buf, pos + 20)
      const bodyEnd = pos + length - 4
      if (!iface || capLen > bodyEnd - pos - 28 || capLen > MAX_PACKET_BYTES) break
      splitTimestamp(u32le(buf, pos + 12), u32le(buf, pos + 16), iface.resolution, ts)
      const sec = ts.sec + iface.offsetSec
      const nsec = ts.nsec
      const optionsStart = pos + 28 + ((capLen + 3) & ~3)
      const process = optionsStart + 4 <= bodyEnd ? this.packetOptions(buf, optionsStart, bodyEnd) : undefined
      const origLen = u32le(buf, pos + 24)
      const frame = this.countPacket(sec, nsec, capLen, origLen)
      // A packet that names its process is the sink's to attribute: never offered raw.
      if (process !== undefined || raw === undefined || !raw.take(buf, pos + 28, capLen, origLen, sec, nsec, iface.linkType, frame)) {
        r.process = process
        r.interfaceIndex = iface.index
        r.linkType = iface.linkType
        this.handOut(frame, sec, nsec, capLen, origLen, buf, pos + 28)
      }
      pos += length
      this.streamOffset += length
    }
    return pos
  }

  /** wholeUnits for a section of either byte order: the general EPB reader, minus the dispatch. */
  private wholeUnitsAnyOrder(buf: Uint8Array, pos: number, end: number): number {
    const le = this.le
    while (end - pos >= BLOCK_HEADER_BYTES && u32(buf, pos, le) === EPB) {
      const length = u32(buf, pos + 4, le)
      if (length < BLOCK_HEADER_BYTES || length % 4 !== 0 || length > MAX_BLOCK_BYTES || length > end - pos || u32(buf, pos + length - 4, le) !== length) break
      this.enhancedPacket(buf, pos + 8, pos + length - 4)
      pos += length
      this.streamOffset += length
    }
    return pos
  }

  protected handleUnit(buf: Uint8Array, pos: number, length: number): void {
    let type = u32(buf, pos, this.le)
    if (type === SHB) {
      this.le = u32(buf, pos + 8, true) === BYTE_ORDER_MAGIC
      type = SHB
    }
    const le = this.le
    const trailer = u32(buf, pos + length - 4, le)
    if (trailer !== length) {
      this.fail(this.streamOffset, `block of type 0x${type.toString(16)} ends with length ${trailer}, not ${length}: the file is damaged here; read stopped`)
      return
    }
    const body = pos + 8
    const bodyEnd = pos + length - 4
    switch (type) {
      case SHB:
        this.startSection(buf, body, bodyEnd)
        break
      case IDB:
        this.addInterface(buf, body, bodyEnd)
        break
      case EPB:
        this.enhancedPacket(buf, body, bodyEnd)
        break
      case SPB:
        this.simplePacket(buf, body, bodyEnd)
        break
      case PB:
        this.obsoletePacket(buf, body, bodyEnd)
        break
      case NRB:
        this.nameResolution(buf, body, bodyEnd)
        break
      case ISB:
        this.interfaceStatistics(buf, body, bodyEnd)
        break
      case DSB:
        this.decryptionSecrets(buf, body, bodyEnd)
        break
      case DARWIN_PIB:
        this.processBlock(buf, body, bodyEnd)
        break
      case CUSTOM:
      case CUSTOM_NO_COPY:
        this.customBlock(buf, body, bodyEnd)
        break
      default:
        // Bit 31 set: reserved for local use (§11.1), skipped silently like custom blocks.
        if (type >= 0x80000000) break
        this.warn(this.streamOffset, `skipped block of unknown type 0x${type.toString(16)}`, 'unknown block type')
    }
  }

  private startSection(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 16) {
      this.fail(this.streamOffset, 'section header block is too short')
      return
    }
    const major = u16(buf, body + 4, this.le)
    if (major !== 1) {
      this.fail(this.streamOffset, `pcapng major version ${major} is not supported (expected 1); read stopped`)
      return
    }
    this.inSection = true
    this.section++
    this.sectionInterfaces = []
    this.sectionProcesses = []
    this.processPairs.clear()
    this.androidApps.clear()
    if (this.section === 0) this.summary.byteOrder = this.le ? 'le' : 'be'
    this.forEachOption(buf, body + 16, end, (code, start, len) => {
      // The capture file's comments (Wireshark's Capture File Properties), from every section
      // (mergecap keeps each file's); what recorded it, from the first.
      if (code === OPT_COMMENT) {
        if (this.summary.comments.length < MAX_FILE_COMMENTS) this.summary.comments.push(optionText(buf, start, len))
        return
      }
      if (this.section !== 0) return
      const text = optionText(buf, start, len)
      if (code === 2) this.summary.hardware = text
      else if (code === 3) this.summary.os = text
      else if (code === 4) this.summary.application = text
    })
  }

  private addInterface(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 8) {
      this.warn(this.streamOffset, 'interface description block is too short; skipped')
      return
    }
    const linkType = u16(buf, body, this.le)
    const snapLen = u32(buf, body + 4, this.le)
    let resolution = MICROSECONDS
    let offsetSec = 0
    let name: string | undefined
    let filter: string | undefined
    let description: string | undefined
    this.forEachOption(buf, body + 8, end, (code, start, len) => {
      if (code === 9 && len >= 1) resolution = resolutionFromTsresol(buf[start]!)
      else if (code === 14 && len >= 8) {
        // if_tsoffset: signed 64-bit seconds added to every timestamp.
        const high = u32(buf, this.le ? start + 4 : start, this.le) | 0
        const low = u32(buf, this.le ? start : start + 4, this.le)
        offsetSec = high * 4294967296 + low
      } else if (code === 2) name = optionText(buf, start, len)
      else if (code === 3) description = optionText(buf, start, len)
      else if (code === 11 && len >= 1) {
        // if_filter: a code for the kind of filter, then the filter (0: a libpcap filter string).
        filter = buf[start] === 0 ? optionText(buf, start + 1, len - 1) : `a compiled filter program (type ${buf[start]})`
      }
    })
    const index = this.summary.interfaces.length
    this.summary.interfaces.push({section: this.section, linkType, snapLen, precision: resolution.precision, ...(name === undefined ? {} : {name}), ...(description ? {description} : {}), ...(filter ? {filter} : {})})
    // The largest precision among the interfaces, kept as they come: a crafted file of 200 000
    // interface blocks (4 MB) made the maximum over all of them, per block, quadratic.
    this.summary.precision = index === 0 ? resolution.precision : Math.max(this.summary.precision, resolution.precision)
    this.sectionInterfaces.push({index, linkType, snapLen, resolution, offsetSec})
  }

  private packetInterface(id: number): NgInterface | undefined {
    const iface = this.sectionInterfaces[id]
    if (!iface) this.warn(this.streamOffset, `packet names interface ${id}, which the section does not describe; packet skipped`, 'packet on undescribed interface')
    return iface
  }

  private emitFrom(buf: Uint8Array, iface: NgInterface, dataStart: number, capLen: number, origLen: number): void {
    const r = this.record
    r.interfaceIndex = iface.index
    r.linkType = iface.linkType
    r.capLen = capLen
    r.origLen = origLen
    r.buffer = buf
    r.offset = dataStart
    this.emit()
  }

  private stamp(iface: NgInterface, high: number, low: number): void {
    splitTimestamp(high, low, iface.resolution, this.ts)
    this.record.tsSec = this.ts.sec + iface.offsetSec
    this.record.tsNsec = this.ts.nsec
  }

  private checkLengths(capLen: number, room: number, what: string): boolean {
    if (capLen > room) {
      this.warn(this.streamOffset, `${what} claims ${capLen} captured bytes but the block holds ${room}; packet skipped`, `${what} longer than its block`)
      return false
    }
    if (capLen > MAX_PACKET_BYTES) {
      this.warn(this.streamOffset, `${what} has ${capLen} captured bytes, more than ${MAX_PACKET_BYTES}; packet skipped`, `${what} too long`)
      return false
    }
    return true
  }

  private enhancedPacket(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 20) return this.warn(this.streamOffset, 'enhanced packet block is too short; skipped')
    const iface = this.packetInterface(u32(buf, body, this.le))
    if (!iface) return
    const capLen = u32(buf, body + 12, this.le)
    if (!this.checkLengths(capLen, end - body - 20, 'enhanced packet block')) return
    this.stamp(iface, u32(buf, body + 4, this.le), u32(buf, body + 8, this.le))
    const optionsStart = body + 20 + ((capLen + 3) & ~3)
    this.record.process = optionsStart + 4 <= end ? this.packetOptions(buf, optionsStart, end) : undefined
    this.emitFrom(buf, iface, body + 20, capLen, u32(buf, body + 16, this.le))
  }

  /** Processes of this section's process information blocks, by index. */
  private sectionProcesses: ProcessInfo[] = []
  /** The same process with each effective process, made once. */
  private readonly processPairs = new Map<number, ProcessInfo>()

  private processBlock(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 4 || this.sectionProcesses.length >= MAX_PROCESSES) return
    const pid = u32(buf, body, this.le) | 0
    let name = ''
    this.forEachOption(buf, body + 4, end, (code, start, len) => {
      if (code === 2) name = optionText(buf, start, len, 256)
    })
    this.sectionProcesses.push({pid, name})
  }

  /** This section's Android apps by user id, from PCAPdroid's UID map blocks. */
  private readonly androidApps = new Map<number, ProcessInfo>()

  private customBlock(buf: Uint8Array, body: number, end: number): void {
    // Custom Block (§4.8): a Private Enterprise Number, then data of that enterprise's own format.
    if (end - body < 14 || u32(buf, body, this.le) !== PCAPDROID_PEN) return
    // The version is written in the writer's byte order, as the section is (pcapdroid.lua takes 1
    // in either order).
    const version = u16(buf, body + 4, this.le)
    if ((version !== 1 && version !== 0x100) || buf[body + 6] !== PCAPDROID_UID_MAP) return
    if (this.androidApps.size >= MAX_PROCESSES) return
    const uid = u32(buf, body + 8, this.le) | 0
    const packageEnd = body + 14 + buf[body + 12]!
    const nameEnd = packageEnd + buf[body + 13]!
    if (nameEnd > end) return
    const packageName = optionText(buf, body + 14, packageEnd - body - 14)
    const name = optionText(buf, packageEnd, nameEnd - packageEnd)
    this.androidApps.set(uid, {name: name || packageName, uid, ...(packageName ? {package: packageName} : {})})
  }

  /**
   * The app a PCAPdroid packet comment (`u-<uid>`) names, once the section has mapped user ids to
   * apps; undefined when the comment is anything else (it is then an analyst's comment).
   */
  private androidAppOfComment(buf: Uint8Array, start: number, len: number): ProcessInfo | undefined {
    if (this.androidApps.size === 0 || len < 3 || len > 13 || buf[start] !== 0x75 || buf[start + 1] !== 0x2d) return undefined
    let i = start + 2
    const negative = buf[i] === 0x2d
    if (negative) i++
    if (i === start + len) return undefined
    let uid = 0
    for (; i < start + len; i++) {
      const c = buf[i]! - 0x30
      if (c < 0 || c > 9) return undefined
      uid = uid * 10 + c
    }
    if (negative) uid = -uid
    let app = this.androidApps.get(uid)
    if (!app) {
      // A uid the section never mapped: named by number, one object for all its packets.
      app = {name: '', uid}
      if (this.androidApps.size < MAX_PROCESSES) this.androidApps.set(uid, app)
    }
    return app
  }

  /**
   * An EPB's options, read before the packet is counted: a comment (opt_comment, code 1: what an
   * analyst wrote on the packet in Wireshark) is kept for the packet about to be counted, and the
   * process the options name (0x8001), with the effective one (0x8003) when different, is
   * returned, or the Android app a PCAPdroid comment names. One walk, no closure: packets of some
   * writers all carry options (epb_flags).
   */
  private packetOptions(buf: Uint8Array, start: number, end: number): ProcessInfo | undefined {
    let own = -1
    let effective = -1
    let android: ProcessInfo | undefined
    const le = this.le
    for (let p = start; p + 4 <= end; ) {
      const code = u16(buf, p, le)
      const len = u16(buf, p + 2, le)
      if (code === 0 || p + 4 + len > end) break
      if (code === OPT_COMMENT) {
        const app = this.androidAppOfComment(buf, p + 4, len)
        if (app) android = app
        else this.notePacketComment(buf, p + 4, len)
      } else if (len === 4 && code === EPB_PIB_INDEX) own = u32(buf, p + 4, le)
      else if (len === 4 && code === EPB_EFFECTIVE_PIB_INDEX) effective = u32(buf, p + 4, le)
      p += 4 + ((len + 3) & ~3)
    }
    if (own < 0 && effective < 0) return android
    const process = this.sectionProcesses[own]
    const other = this.sectionProcesses[effective]
    if (!process) return other
    if (!other || (other.pid === process.pid && other.name === process.name)) return process
    // Both indexes are below MAX_PROCESSES: one number, no string per packet.
    const key = own * MAX_PROCESSES + effective
    let pair = this.processPairs.get(key)
    if (!pair) {
      if (this.processPairs.size >= MAX_PROCESSES) this.processPairs.clear()
      pair = {...process, effectivePid: other.pid, effectiveName: other.name}
      this.processPairs.set(key, pair)
    }
    return pair
  }

  /** A packet comment, for the packet about to be counted: the first MAX_PACKET_COMMENTS are
   * kept with their frame number, the rest counted. */
  private notePacketComment(buf: Uint8Array, start: number, length: number): void {
    const s = this.summary
    const tool = toolOfComment(buf, start, length)
    if (tool) s.toolComments.set(tool, (s.toolComments.get(tool) ?? 0) + 1)
    else if (s.packetCommentCount++ < MAX_PACKET_COMMENTS) s.packetComments.push({frame: s.packets + 1, text: optionText(buf, start, length)})
  }

  private obsoletePacket(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 20) return this.warn(this.streamOffset, 'packet block is too short; skipped')
    const iface = this.packetInterface(u16(buf, body, this.le))
    if (!iface) return
    const capLen = u32(buf, body + 12, this.le)
    if (!this.checkLengths(capLen, end - body - 20, 'packet block')) return
    this.stamp(iface, u32(buf, body + 4, this.le), u32(buf, body + 8, this.le))
    this.record.process = undefined
    this.emitFrom(buf, iface, body + 20, capLen, u32(buf, body + 16, this.le))
  }

  /** SPB (§4.4): no interface id (always 0) and no timestamp: it keeps the previous packet's time. */
  private simplePacket(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 4) return this.warn(this.streamOffset, 'simple packet block is too short; skipped')
    const iface = this.packetInterface(0)
    if (!iface) return
    const origLen = u32(buf, body, this.le)
    let capLen = Math.min(origLen, end - body - 4)
    if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen)
    // The previous packet's time, as the parser counted it (packets a sink took raw, see
    // RawPacketTaker, never filled the record in).
    this.record.tsSec = this.summary.packets === 0 ? 0 : this.lastSec
    this.record.tsNsec = this.summary.packets === 0 ? 0 : this.lastNsec
    this.warn(this.streamOffset, 'simple packet blocks carry no timestamp; they are given the previous packet\'s time', 'simple packet block without timestamp')
    if (!this.checkLengths(capLen, end - body - 4, 'simple packet block')) return
    this.record.process = undefined
    this.emitFrom(buf, iface, body + 4, capLen, origLen)
  }

  private nameResolution(buf: Uint8Array, body: number, end: number): void {
    let p = body
    while (p + 4 <= end) {
      const type = u16(buf, p, this.le)
      const len = u16(buf, p + 2, this.le)
      const value = p + 4
      if (type === 0 || value + len > end) break
      const addrLen = type === 1 ? 4 : type === 2 ? 16 : 0
      if (addrLen > 0 && len > addrLen) {
        const ip = addrLen === 4 ? formatIpv4(buf, value) : formatIpv6(buf, value)
        const names = nrbNames(buf, value + addrLen, value + len)
        const known = this.summary.names.get(ip)
        if (known) {
          for (const n of names) if (known.length < MAX_NAMES_PER_ADDRESS && !known.includes(n)) known.push(n)
        } else if (this.summary.names.size < MAX_NAMES && names.length > 0) {
          this.summary.names.set(ip, names)
        }
      }
      p = value + ((len + 3) & ~3)
    }
  }

  private interfaceStatistics(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 12) return
    const iface = this.sectionInterfaces[u32(buf, body, this.le)]
    if (!iface) return
    let dropped: number | undefined
    // ISB counters are cumulative, so the last block for an interface holds the totals.
    this.forEachOption(buf, body + 12, end, (code, start, len) => {
      if ((code === 5 || code === 7) && len >= 8) dropped = (dropped ?? 0) + u64(buf, start, this.le)
    })
    const summaryIface = this.summary.interfaces[iface.index]
    if (dropped !== undefined && summaryIface) summaryIface.dropped = dropped
  }

  private decryptionSecrets(buf: Uint8Array, body: number, end: number): void {
    if (end - body < 8) return
    const type = u32(buf, body, this.le)
    const length = u32(buf, body + 4, this.le)
    const name = SECRETS_TYPES[type] ?? `type 0x${type.toString(16).padStart(8, '0')}`
    this.summary.secrets.push({type: name, length: Math.min(length, end - body - 8)})
  }

  /** Walk an options list (§3.5): code, length, value padded to 32 bits, ended by opt_endofopt. */
  private forEachOption(buf: Uint8Array, start: number, end: number, visit: (code: number, valueStart: number, length: number) => void): void {
    let p = start
    while (p + 4 <= end) {
      const code = u16(buf, p, this.le)
      const len = u16(buf, p + 2, this.le)
      if (code === 0 || p + 4 + len > end) return
      visit(code, p + 4, len)
      p += 4 + ((len + 3) & ~3)
    }
  }

  finish(): void {
    if (!this.inSection && !this.damage) {
      this.damage = {offset: 0, message: 'file ends before the first section header block is complete'}
    }
    const pending = this.pendingBytes
    if (pending > 0 && !this.damage) {
      this.damage = {offset: this.streamOffset, message: `file ends inside a block (${pending} bytes of it present): the capture was cut short`}
    }
    this.finishWarnings()
  }
}

/**
 * The conversion tool that wrote a packet comment, when it is one that tools write on every
 * packet: Microsoft's etl2pcapng (`PID=%d TID=%d`, then wireless, VMSwitch or RAS metadata, its
 * main.c) and pktmon's pcapng conversion (`PktGroupId N, PktNumber N, Appearance N, …`, the
 * header pktmon prints for each packet). Matched on the bytes, without a string per packet:
 * such a capture has one on every packet.
 */
function toolOfComment(buf: Uint8Array, start: number, length: number): string | undefined {
  if (length < 11 || buf[start] !== 0x50) return undefined // 'P'
  const end = start + length
  let p = literal(buf, start, end, PID)
  if (p > 0 && (p = number(buf, p, end, true)) > 0 && (p = literal(buf, p, end, TID)) > 0 && (p = number(buf, p, end, true)) > 0) {
    return p === end || buf[p] === 0x20 || buf[p] === 0 ? 'etl2pcapng' : undefined
  }
  p = literal(buf, start, end, PKT_GROUP)
  if (p > 0 && (p = number(buf, p, end, false)) > 0 && (p = literal(buf, p, end, PKT_NUMBER)) > 0 && (p = number(buf, p, end, false)) > 0 && literal(buf, p, end, APPEARANCE) > 0) return 'pktmon'
  return undefined
}
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0))
const PID = ascii('PID=')
const TID = ascii(' TID=')
const PKT_GROUP = ascii('PktGroupId ')
const PKT_NUMBER = ascii(', PktNumber ')
const APPEARANCE = ascii(', Appearance ')

/** Where `text` ends when buf[p, end) starts with it, else 0. */
function literal(buf: Uint8Array, p: number, end: number, text: Uint8Array): number {
  if (end - p < text.length) return 0
  for (let i = 0; i < text.length; i++) if (buf[p + i] !== text[i]) return 0
  return p + text.length
}

/** Where a run of decimal digits (after an optional '-') starting at p ends, else 0. */
function number(buf: Uint8Array, p: number, end: number, signed: boolean): number {
  if (signed && p < end && buf[p] === 0x2d) p++
  const first = p
  while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++
  return p > first ? p : 0
}

/** Most characters kept of a text option (a name, a filter, the capturing application): a file
 * of many interface blocks must not make each one a megabyte of text to hold. */
const MAX_OPTION_TEXT = 512

/** A UTF-8 text option up to its first NUL (the padding some writers include), invalid bytes as
 * `\xHH`, cut to `max` characters with a mark (untrusted text; see util/wire-text.ts). */
function optionText(buf: Uint8Array, start: number, length: number, max = MAX_OPTION_TEXT): string {
  let end = start + length
  const nul = buf.subarray(start, end).indexOf(0)
  if (nul >= 0) end = start + nul
  return decodeWireText(buf.subarray(start, end), max)
}

/** Most names kept per address from name resolution blocks, and characters per name (a DNS
 * name has at most 253, RFC 1035 §2.3.4): every name is repeated wherever its address is
 * shown, so an unbounded list would multiply the size of every report. */
const MAX_NAMES_PER_ADDRESS = 16
const MAX_NRB_NAME = 255

/** The NUL-separated names of an NRB record (pcapng §4.5), empty ones dropped, bounded. */
function nrbNames(buf: Uint8Array, start: number, end: number): string[] {
  const names: string[] = []
  let p = start
  while (p < end && names.length < MAX_NAMES_PER_ADDRESS) {
    let q = p
    while (q < end && buf[q] !== 0) q++
    if (q > p) {
      const name = decodeWireText(buf.subarray(p, q), MAX_NRB_NAME)
      if (!names.includes(name)) names.push(name)
    }
    p = q + 1
  }
  return names
}
