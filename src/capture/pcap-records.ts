import {CaptureParser} from './capture-parser.js'
import {MAX_PACKET_BYTES} from './capture-summary.js'
import {u16, u32} from './bytes.js'

const FILE_HEADER_BYTES = 24
const RECORD_HEADER_BYTES = 16

/**
 * Classic libpcap savefile (draft-ietf-opsawg-pcap §4-5): a 24-byte file header, then records
 * of a 16-byte header (ts_sec, ts_usec or ts_nsec, incl_len, orig_len) and incl_len bytes.
 * Byte order and timestamp unit come from the magic number.
 */
export class PcapRecordParser extends CaptureParser {
  private le = true
  private nano = false
  private headerSeen = false
  private snapLen = 0

  protected headerNeeded(): number {
    return this.headerSeen ? RECORD_HEADER_BYTES : FILE_HEADER_BYTES
  }

  protected unitLength(buf: Uint8Array, pos: number): number {
    if (!this.headerSeen) return FILE_HEADER_BYTES
    const inclLen = u32(buf, pos + 8, this.le)
    if (inclLen > MAX_PACKET_BYTES) {
      // A damaged length. When the original length is plausible the record is read with that
      // length (what Wireshark also salvages) and reading stops after it.
      const origLen = u32(buf, pos + 12, this.le)
      if (origLen <= MAX_PACKET_BYTES) return RECORD_HEADER_BYTES + origLen
      return this.fail(
        this.streamOffset,
        `record ${this.summary.packets + 1} claims ${inclLen} captured bytes, more than the ${MAX_PACKET_BYTES}-byte maximum: the file is damaged here; read stopped`,
      )
    }
    return RECORD_HEADER_BYTES + inclLen
  }

  /** Records whose header needs no warning, read without the general path's checks per
   * step (same fields, same order of events: see handleUnit). */
  protected override wholeUnits(buf: Uint8Array, pos: number, end: number): number {
    if (!this.headerSeen) return pos
    const le = this.le
    const nano = this.nano
    const perSecond = nano ? 1_000_000_000 : 1_000_000
    // Longer records are warned about (snaplen) or salvaged (damaged length) by handleUnit.
    const longest = this.snapLen > 0 ? Math.min(this.snapLen, MAX_PACKET_BYTES) : MAX_PACKET_BYTES
    const raw = this.sink.raw
    const linkType = this.record.linkType
    const start = pos
    // The stream offset is brought up to date when the loop ends (nothing reads it meanwhile).
    while (end - pos >= RECORD_HEADER_BYTES) {
      const inclLen = u32(buf, pos + 8, le)
      if (inclLen > longest || end - pos - RECORD_HEADER_BYTES < inclLen) break
      const frac = u32(buf, pos + 4, le)
      if (frac >= perSecond) break
      const sec = u32(buf, pos, le)
      const nsec = nano ? frac : frac * 1000
      const origLen = u32(buf, pos + 12, le)
      const frame = this.countPacket(sec, nsec, inclLen, origLen)
      if (raw === undefined || !raw.take(buf, pos + RECORD_HEADER_BYTES, inclLen, origLen, sec, nsec, linkType, frame)) {
        this.handOut(frame, sec, nsec, inclLen, origLen, buf, pos + RECORD_HEADER_BYTES)
      }
      pos += RECORD_HEADER_BYTES + inclLen
    }
    this.streamOffset += pos - start
    return pos
  }

  protected handleUnit(buf: Uint8Array, pos: number, length: number): void {
    if (!this.headerSeen) {
      this.parseFileHeader(buf, pos)
      return
    }
    const le = this.le
    const r = this.record
    const sec = u32(buf, pos, le)
    let frac = u32(buf, pos + 4, le)
    const inclLen = length - RECORD_HEADER_BYTES
    const origLen = u32(buf, pos + 12, le)
    const claimed = u32(buf, pos + 8, le)
    // The fraction is µs or ns; a value past one second (seen in fuzzed files) carries over.
    const perSecond = this.nano ? 1_000_000_000 : 1_000_000
    let carrySec = 0
    if (frac >= perSecond) {
      this.warn(this.streamOffset, `record ${this.summary.packets + 1}: timestamp fraction ${frac} is not below one second; carried into seconds`, 'timestamp fraction out of range')
      carrySec = Math.floor(frac / perSecond)
      frac -= carrySec * perSecond
    }
    if (this.snapLen > 0 && inclLen > this.snapLen) {
      this.warn(this.streamOffset, `record ${this.summary.packets + 1} has ${inclLen} captured bytes, more than the file's snaplen ${this.snapLen}`, 'record longer than snaplen')
    }
    r.tsSec = sec + carrySec
    r.tsNsec = this.nano ? frac : frac * 1000
    r.capLen = inclLen
    r.origLen = origLen
    r.buffer = buf
    r.offset = pos + RECORD_HEADER_BYTES
    const recordOffset = this.streamOffset
    this.emit()
    if (claimed > MAX_PACKET_BYTES) {
      this.fail(recordOffset, `record ${this.summary.packets} claims ${claimed} captured bytes, more than the ${MAX_PACKET_BYTES}-byte maximum: its ${inclLen} bytes of original length were analysed and reading stopped there`)
    }
  }

  private parseFileHeader(buf: Uint8Array, pos: number): void {
    const magic = u32(buf, pos, false)
    this.le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1
    this.nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1
    const major = u16(buf, pos + 4, this.le)
    this.snapLen = u32(buf, pos + 16, this.le)
    // LinkType and additional information (§4): low 16 bits are the link type, the upper
    // bits may carry the FCS length; ignore them.
    const linkType = u32(buf, pos + 20, this.le) & 0xffff
    if (major !== 2) this.warn(0, `pcap version ${major} is unusual (expected 2)`)
    this.headerSeen = true
    this.summary.byteOrder = this.le ? 'le' : 'be'
    this.summary.precision = this.nano ? 9 : 6
    this.summary.interfaces.push({section: 0, linkType, snapLen: this.snapLen, precision: this.summary.precision})
    this.record.linkType = linkType
    this.record.interfaceIndex = 0
  }

  finish(): void {
    if (!this.headerSeen) {
      this.damage ??= {offset: 0, message: `file ends inside the ${FILE_HEADER_BYTES}-byte pcap file header`}
      return
    }
    const pending = this.pendingBytes
    if (pending > 0 && !this.damage) {
      const view = this.pendingView()
      if (pending < RECORD_HEADER_BYTES) {
        this.damage = {offset: this.streamOffset, message: `file ends inside a record header (${pending} of ${RECORD_HEADER_BYTES} bytes): the capture was cut short`}
      } else {
        const inclLen = u32(view, 8, this.le)
        const present = pending - RECORD_HEADER_BYTES
        this.damage = {offset: this.streamOffset, message: `last record is cut short (${present} of ${inclLen} captured bytes present): the capture was cut short; its ${present} bytes were analysed`}
        // Salvage the partial record: what was captured is still evidence. It is short because
        // the file ends, as the damage says; the snapshot length cut it too only if its own
        // captured length is below its original length.
        const cutBySnapLen = inclLen < u32(view, 12, this.le)
        const truncatedBefore = this.summary.truncatedPackets
        this.handleUnit(view, 0, pending)
        if (!cutBySnapLen && this.summary.truncatedPackets > truncatedBefore) this.summary.truncatedPackets--
      }
    }
    this.finishWarnings()
  }
}
