import {type CaptureSummary, captureFilters, MAX_PACKET_BYTES} from './capture-summary.js'
import {newPacketRecord, type PacketRecord, type PacketSink} from './packet-record.js'
import {DAMAGED, RecordFramer} from './record-framer.js'
import {hasRealDate, isoTime, LATEST_REAL_CAPTURE_SEC} from './timestamp.js'

/** Warnings of one kind are reported once with a count, so a bad file cannot flood the output. */
const WARNING_LIMIT = 50

/** What pcap and pcapng parsers share: the reused record, the summary, warnings. */
export abstract class CaptureParser extends RecordFramer {
  protected readonly record: PacketRecord = newPacketRecord()
  protected lastSec = -Infinity
  protected lastNsec = 0
  private readonly repeated = new Map<string, number>()

  constructor(
    readonly summary: CaptureSummary,
    protected readonly sink: PacketSink,
  ) {
    super()
  }

  protected readonly maxUnitBytes: number = MAX_PACKET_BYTES + 64

  /** Record a warning at an offset; warnings with the same `kind` beyond the first are counted. */
  protected warn(offset: number, message: string, kind = message): void {
    const seen = this.repeated.get(kind) ?? 0
    this.repeated.set(kind, seen + 1)
    if (seen === 0 && this.summary.warnings.length < WARNING_LIMIT) {
      this.summary.warnings.push(`${this.summary.path}: ${offsetText(offset, this.summary.gzip)}: ${message}`)
    }
  }

  /** Stop reading: the rest of the stream is not trusted. */
  protected fail(offset: number, message: string): number {
    this.damage = {offset, message}
    return DAMAGED
  }

  /** Hand the filled-in record to the sink, keeping the summary's counters. */
  protected emit(): void {
    this.emitRecord(this.record)
  }

  protected emitRecord(r: PacketRecord): void {
    r.frame = this.countPacket(r.tsSec, r.tsNsec, r.capLen, r.origLen)
    this.sink(r)
  }

  /**
   * Hand a packet already counted (countPacket) to the sink in the reused record: what the
   * readers' hot loops do with a packet the sink's raw taker declined. Fields a format sets per
   * packet beyond these (pcapng's interface, link type, process) are set by the caller first.
   */
  protected handOut(frame: number, sec: number, nsec: number, capLen: number, origLen: number, buffer: Uint8Array, offset: number): void {
    const r = this.record
    r.frame = frame
    r.tsSec = sec
    r.tsNsec = nsec
    r.capLen = capLen
    r.origLen = origLen
    r.buffer = buffer
    r.offset = offset
    this.sink(r)
  }

  /** Keep the summary's counters for the next packet; returns its frame number. */
  protected countPacket(sec: number, nsec: number, capLen: number, origLen: number): number {
    const s = this.summary
    const frame = ++s.packets
    s.bytes += origLen
    s.capturedBytes += capLen
    if (capLen < origLen && s.truncatedPackets++ === 0) s.firstTruncatedFrame = frame
    if (frame === 1) {
      s.firstSec = sec
      s.firstNsec = nsec
    } else if (sec < this.lastSec || (sec === this.lastSec && nsec < this.lastNsec)) {
      s.outOfOrder = true
      // The capture's first time is its earliest packet's, as capinfos reports it (and as a
      // flow's first time is): only a packet earlier than the one before it can be earlier
      // than every packet so far.
      if (sec < s.firstSec || (sec === s.firstSec && nsec < s.firstNsec)) {
        s.firstSec = sec
        s.firstNsec = nsec
      }
    }
    if (sec > s.lastSec || (sec === s.lastSec && nsec > s.lastNsec) || frame === 1) {
      s.lastSec = sec
      s.lastNsec = nsec
    }
    this.lastSec = sec
    this.lastNsec = nsec
    return frame
  }

  /** Called at end of input: report (and where possible salvage) a partial last unit. */
  abstract finish(): void

  /**
   * The warnings known only at the end of the input: packets cut by the snapshot length (a
   * capture made with `tcpdump -s 96` keeps headers only, and a report that found no leaked
   * name in it must not read as "none was sent"), then the counts of repeated warnings.
   */
  protected finishWarnings(): void {
    const s = this.summary
    if (s.truncatedPackets > 0) {
      const which = s.truncatedPackets === s.packets ? `all ${s.packets} packets were` : `${s.truncatedPackets} of ${s.packets} packets were`
      s.warnings.push(`${s.path}: ${which} stored shorter than sent (cut by the capture's snapshot length; first: frame ${s.firstTruncatedFrame}): what they carried past the cut (names, addresses, certificates) was not captured and cannot be reported`)
    }
    if (s.packetCommentCount > s.packetComments.length) {
      s.warnings.push(`${s.path}: ${s.packetCommentCount} packet comments; the first ${s.packetComments.length} are listed`)
    }
    if (s.secrets.length > 0) {
      // editcap --inject-secrets, or PCAPdroid's decryption, puts the session keys in the file.
      const kinds = [...new Set(s.secrets.map((x) => x.type))].join(', ')
      s.warnings.push(`${s.path}: carries decryption secrets (${kinds}): anyone with this file can read the encrypted sessions they cover, so share it as carefully as the call's content`)
    }
    for (const [tool, count] of s.toolComments) {
      const packets = count === 1 ? '1 packet carries' : `${count} packets carry`
      s.warnings.push(`${s.path}: ${packets} the comment ${TOOL_COMMENT_MEANING[tool] ?? tool}; ${count === 1 ? 'it is' : 'they are'} not listed as packet comments`)
    }
    const filters = captureFilters(s)
    if (filters.length > 0) {
      s.warnings.push(`${s.path}: recorded with the capture filter ${filters.map((f) => JSON.stringify(f)).join(', ')}: packets it left out were never recorded, so a report that finds none of them does not show that none was sent`)
    }
    if (s.packets > 0 && !hasRealDate(s.firstSec)) {
      const late = s.firstSec >= LATEST_REAL_CAPTURE_SEC
      const from = late ? `${isoTime(s.firstSec, s.firstNsec, s.precision)} (seconds since 1970)` : isoTime(s.firstSec, s.firstNsec, s.precision).slice(0, 10)
      const why = late ? 'after the year 9999: a corrupt or mis-scaled timestamp' : 'before any real capture: relative times (an anonymised or rewritten capture) or a device whose clock was not set'
      s.warnings.push(`${s.path}: its packets are dated from ${from}, ${why}; times are shown as recorded, and the GeoIP databases' age is not judged against them`)
    }
    this.flushRepeatCounts()
  }

  /** Append the summaries of repeated warnings ("... and N more like this"). */
  private flushRepeatCounts(): void {
    for (const [kind, count] of this.repeated) {
      if (count > 1) this.summary.warnings.push(`${this.summary.path}: ${count} times in all: ${kind}`)
    }
  }
}

/** `byte offset N`, saying when N counts bytes of the decompressed stream. */
/** What each conversion tool's per-packet comment holds (see pcapng-blocks.ts toolOfComment). */
const TOOL_COMMENT_MEANING: Record<string, string> = {
  etl2pcapng:
    'etl2pcapng writes on every packet of a Windows netsh trace (PID=… TID=…: the process that was running when the packet was logged, which Microsoft warns is often not the one that sent or received it: not used to name a process)',
  pktmon: 'pktmon writes on every packet (PktGroupId, Appearance, Component: where in the Windows network stack it was logged; a packet logged at several components appears several times)',
}

export function offsetText(offset: number, gzip: boolean): string {
  return gzip ? `byte offset ${offset} of the decompressed data` : `byte offset ${offset}`
}
