/**
 * Source packets for the synthetic benchmark capture: every Ethernet frame carrying IPv4 (directly
 * or behind up to two 802.1Q/802.1ad tags) from a set of capture files, copied into one buffer
 * with a monotonic relative timeline.
 *
 * Sources are read with the project's own reader (`src/capture/read-capture.ts`), so pcap
 * (µs/ns, both byte orders), pcapng and gzip sources all work.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {basename, join} from 'node:path'
import {readCapture} from '../../src/capture/read-capture.js'

const LINKTYPE_ETHERNET = 1
const ETHERTYPE_IPV4 = 0x0800
const ETHERTYPE_VLAN = 0x8100
const ETHERTYPE_QINQ = 0x88a8
/** Largest record callaudit accepts; bigger ones (and fuzzed original lengths) are left out. */
const MAX_RECORD = 256 * 1024
/** Idle gaps inside a source are shortened to this, so sparse hour-long captures do not
 * stretch the timeline (flow durations of such captures shrink; nothing else depends on it). */
const MAX_GAP_US = 1_000_000
/** Gap placed between one source and the next on the base timeline. */
const SOURCE_GAP_US = 1_000

export interface SourceFile {
  path: string
  size: number
}

export interface SourceStat {
  file: string
  packets: number
  kept: number
  error?: string
}

/** Packets of all sources, in a struct-of-arrays layout. Frame i occupies
 * `data[offset[i] .. offset[i] + capLen[i])`, its IPv4 header starts `ipOffset[i]` bytes in. */
export interface BasePackets {
  data: Buffer
  offset: Uint32Array
  capLen: Uint32Array
  origLen: Uint32Array
  ipOffset: Uint16Array
  /** Microseconds from the start of the base timeline, non-decreasing. */
  tsUs: Float64Array
  count: number
  /** Sum of capLen (bytes of packet data a replica writes, without record headers). */
  dataBytes: number
  /** Time of the last packet, µs. */
  spanUs: number
  stats: SourceStat[]
}

/** The corpus files when `../shared/captures/ndpi` exists, else the project's own fixtures
 * (the deliberately damaged `bad-*` ones excluded). Sorted by name so the result is deterministic. */
export function findSources(repoRoot: string): {kind: 'corpus' | 'fixtures'; files: SourceFile[]} {
  const corpus = join(repoRoot, '..', 'shared', 'captures', 'ndpi')
  const list = (dir: string, keep: (name: string) => boolean): SourceFile[] =>
    readdirSync(dir)
      .filter(keep)
      .sort()
      .map((name) => join(dir, name))
      .filter((path) => statSync(path).isFile())
      .map((path) => ({path, size: statSync(path).size}))
  if (existsSync(corpus)) {
    const files = list(corpus, () => true)
    if (files.length > 0) return {kind: 'corpus', files}
  }
  const fixtures = join(repoRoot, 'fixtures')
  return {kind: 'fixtures', files: list(fixtures, (name) => /\.(pcap|pcapng)(\.gz)?$/.test(name) && !name.startsWith('bad-'))}
}

/** Offset of the IPv4 header in an Ethernet frame, or -1 when the frame does not carry a whole
 * IPv4 header (other EtherType, truncated, not version 4, IHL < 5). */
export function ipv4Offset(frame: Uint8Array): number {
  let off = 12
  for (let tags = 0; tags < 3; tags++) {
    if (frame.length < off + 2) return -1
    const type = (frame[off]! << 8) | frame[off + 1]!
    if (type === ETHERTYPE_IPV4) {
      const ip = off + 2
      if (frame.length < ip + 20) return -1
      const vihl = frame[ip]!
      const ihl = (vihl & 0x0f) * 4
      if (vihl >> 4 !== 4 || ihl < 20 || frame.length < ip + ihl) return -1
      return ip
    }
    if (type !== ETHERTYPE_VLAN && type !== ETHERTYPE_QINQ) return -1
    off += 4
  }
  return -1
}

/** Read the sources and keep their Ethernet/IPv4 packets. Unreadable sources are noted in the
 * stats and skipped; damaged ones contribute the packets before the damage. */
export async function loadBasePackets(files: SourceFile[]): Promise<BasePackets> {
  const parts: Buffer[] = []
  const offset: number[] = []
  const capLen: number[] = []
  const origLen: number[] = []
  const ipOffset: number[] = []
  const tsUs: number[] = []
  const stats: SourceStat[] = []
  let dataBytes = 0
  let clock = 0 // end of the base timeline so far, µs

  for (const file of files) {
    const stat: SourceStat = {file: basename(file.path), packets: 0, kept: 0}
    stats.push(stat)
    const start = clock
    let prevUs = Number.NaN // previous kept packet's original time, µs
    let now = clock
    try {
      await readCapture(file.path, (record) => {
        stat.packets++
        if (record.linkType !== LINKTYPE_ETHERNET || record.origLen > MAX_RECORD || record.origLen < record.capLen) return
        const ip = ipv4Offset(record.data)
        if (ip < 0) return
        const us = record.tsSec * 1e6 + Math.floor(record.tsNsec / 1000)
        if (Number.isNaN(prevUs)) {
          now = start
        } else {
          // Out-of-order timestamps are clamped, long idle gaps shortened.
          now += Math.min(Math.max(us - prevUs, 0), MAX_GAP_US)
        }
        prevUs = us
        offset.push(dataBytes)
        capLen.push(record.capLen)
        origLen.push(record.origLen)
        ipOffset.push(ip)
        tsUs.push(now)
        parts.push(Buffer.from(record.data)) // copy: the view is only valid during the callback
        dataBytes += record.capLen
        stat.kept++
      })
    } catch (error) {
      stat.error = error instanceof Error ? error.message : String(error)
    }
    if (stat.kept > 0) clock = now + SOURCE_GAP_US
  }

  return {
    data: Buffer.concat(parts, dataBytes),
    offset: Uint32Array.from(offset),
    capLen: Uint32Array.from(capLen),
    origLen: Uint32Array.from(origLen),
    ipOffset: Uint16Array.from(ipOffset),
    tsUs: Float64Array.from(tsUs),
    count: offset.length,
    dataBytes,
    spanUs: tsUs.length > 0 ? tsUs[tsUs.length - 1]! : 0,
    stats,
  }
}

/** Distinct bidirectional (protocol, address, port) tuples of the base packets (ports only for
 * TCP/UDP, outer headers only): an estimate of the flows one copy adds, used to pick how many
 * address-shifted copies give the requested flows per GB. */
export function estimateFlows(base: BasePackets): number {
  const keys = new Set<string>()
  const d = base.data
  for (let i = 0; i < base.count; i++) {
    const ip = base.offset[i]! + base.ipOffset[i]!
    const end = base.offset[i]! + base.capLen[i]!
    const proto = d[ip + 9]!
    const ihl = (d[ip]! & 0x0f) * 4
    if ((d.readUInt16BE(ip + 6) & 0x1fff) !== 0) continue // non-first fragment: belongs to a flow already counted
    let a = `${d.readUInt32BE(ip + 12)}`
    let b = `${d.readUInt32BE(ip + 16)}`
    if ((proto === 6 || proto === 17) && ip + ihl + 4 <= end) {
      a += `:${d.readUInt16BE(ip + ihl)}`
      b += `:${d.readUInt16BE(ip + ihl + 2)}`
    }
    keys.add(a < b ? `${proto} ${a} ${b}` : `${proto} ${b} ${a}`)
  }
  return keys.size
}
