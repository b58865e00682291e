import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {type RtpFacts, rtpAnalyzer} from '../../../src/protocols/rtp/analyzer.js'
import {corpusFiles, corpusPath, HAVE_CORPUS, oraclePath} from '../../helpers/paths.js'
import {COUNT_DIFFERENCES, NOT_RTP, OURS_ONLY, type StreamSelector} from './oracle-expectations.js'

/**
 * RTP streams and RTCP SDES CNAMEs against tshark over the whole corpus. A stream matches when the
 * direction (src, sport, dst, dport), the SSRC and the packet count are equal. Agreement is over
 * tshark's streams minus those oracle-expectations.ts shows are not RTP at all; the target
 * is ≥ 95 %. Every other difference must be listed there with its reason.
 */

interface OracleStream {
  src: string
  sport: number
  dst: string
  dport: number
  ssrc: string
  packets: number
}
interface OracleSdes {
  src: string
  sport: number
  dst: string
  dport: number
  ssrc: string
  cname: string
}

interface Key {
  capture: string
  flow: string
  ssrc: string
}

const keyText = (k: Key) => `${k.capture}|${k.flow}|${k.ssrc}`
const selects = (s: StreamSelector, k: Key) => s.capture === k.capture && (!s.ssrcs || s.ssrcs.includes(k.ssrc)) && (!s.flow || s.flow === k.flow)

interface Result {
  theirs: Map<string, {key: Key; packets: number}>
  ours: Map<string, {key: Key; packets: number}>
  sdesTheirs: Set<string>
  sdesOurs: Set<string>
}

async function gather(names: string[]): Promise<Result> {
  const r: Result = {theirs: new Map(), ours: new Map(), sdesTheirs: new Set(), sdesOurs: new Set()}
  for (const capture of names) {
    const oracle = JSON.parse(readFileSync(oraclePath(capture), 'utf8')) as {rtp_streams?: OracleStream[]; rtcp_sdes?: OracleSdes[]}
    for (const s of oracle.rtp_streams ?? []) {
      const key = {capture, flow: `${s.src}|${s.sport}|${s.dst}|${s.dport}`, ssrc: `0x${s.ssrc.slice(2).toLowerCase()}`}
      const known = r.theirs.get(keyText(key))
      r.theirs.set(keyText(key), {key, packets: (known?.packets ?? 0) + s.packets})
    }
    for (const s of oracle.rtcp_sdes ?? []) r.sdesTheirs.add(`${capture}|${s.src}|${s.sport}|${s.dst}|${s.dport}|${s.ssrc.toLowerCase()}|${s.cname}`)
    const collection = await collectFlows([corpusPath(capture)], {analyzers: [rtpAnalyzer]})
    for (const f of flowRecords(collection)) {
      const facts = f.protocols?.rtp as RtpFacts | undefined
      if (!facts) continue
      for (const s of facts.streams) {
        const [from, to] = s.sentBy === 'client' ? [f.client, f.server] : [f.server, f.client]
        const key = {capture, flow: `${from.ip}|${from.port}|${to.ip}|${to.port}`, ssrc: s.ssrc}
        const known = r.ours.get(keyText(key))
        r.ours.set(keyText(key), {key, packets: (known?.packets ?? 0) + s.packets})
      }
      for (const item of facts.rtcp?.sdes ?? []) {
        if (item.item !== 'CNAME') continue
        const [from, to] = item.sentBy === 'client' ? [f.client, f.server] : [f.server, f.client]
        r.sdesOurs.add(`${capture}|${from.ip}|${from.port}|${to.ip}|${to.port}|${item.ssrc}|${item.text}`)
      }
    }
  }
  return r
}

describe.skipIf(!HAVE_CORPUS)('RTP/RTCP agrees with tshark over the corpus', () => {
  let r: Result

  it('reads every capture (streams we find where tshark finds none count too)', async () => {
    r = await gather(corpusFiles())
    expect(r.theirs.size).toBeGreaterThan(200)
  })

  it('RTP streams: ≥ 95 % of tshark’s real streams, every difference explained', () => {
    let total = 0
    let matched = 0
    let excluded = 0
    const unexplained: string[] = []
    const usedNotRtp = new Set<StreamSelector>()
    const usedCounts = new Set<(typeof COUNT_DIFFERENCES)[number]>()
    for (const [text, theirs] of r.theirs) {
      const notRtp = NOT_RTP.find((s) => selects(s, theirs.key))
      const ours = r.ours.get(text)
      if (notRtp && !ours) {
        usedNotRtp.add(notRtp)
        excluded++
        continue
      }
      total++
      if (ours?.packets === theirs.packets) {
        matched++
        continue
      }
      const known = COUNT_DIFFERENCES.find((d) => d.capture === theirs.key.capture && d.ssrc === theirs.key.ssrc && d.flow === theirs.key.flow && d.tshark === theirs.packets && d.ours === ours?.packets)
      if (known) usedCounts.add(known)
      else unexplained.push(`${text}: tshark ${theirs.packets}, ours ${ours?.packets ?? 'none'}`)
    }
    const extras: string[] = []
    const usedOursOnly = new Set<StreamSelector>()
    for (const [text, ours] of r.ours) {
      if (r.theirs.has(text)) continue
      const known = OURS_ONLY.find((s) => selects(s, ours.key))
      if (known) usedOursOnly.add(known)
      else extras.push(`${text}: ours ${ours.packets}`)
    }
    const agreement = matched / total
    const oursOnly = [...r.ours.keys()].filter((k) => !r.theirs.has(k)).length
    console.log(`RTP streams: ${matched}/${total} = ${(agreement * 100).toFixed(1)} % of tshark's real streams (${excluded} tshark "streams" that are not RTP left out; ${oursOnly} of ours not in tshark's list)`)
    expect(agreement).toBeGreaterThanOrEqual(0.95)
    expect(unexplained).toEqual([])
    expect(extras).toEqual([])
    for (const s of NOT_RTP) expect(usedNotRtp.has(s), `stale NOT_RTP ${s.capture} ${s.flow ?? ''}`).toBe(true)
    for (const d of COUNT_DIFFERENCES) expect(usedCounts.has(d), `stale COUNT_DIFFERENCES ${d.capture} ${d.flow}`).toBe(true)
    for (const s of OURS_ONLY) expect(usedOursOnly.has(s), `stale OURS_ONLY ${s.capture}`).toBe(true)
  })

  it('RTCP SDES CNAMEs: every one tshark decoded, and no other', () => {
    console.log(`RTCP SDES CNAMEs: ${[...r.sdesTheirs].filter((k) => r.sdesOurs.has(k)).length}/${r.sdesTheirs.size}`)
    expect(r.sdesTheirs.size).toBeGreaterThan(0)
    expect([...r.sdesTheirs].filter((k) => !r.sdesOurs.has(k))).toEqual([])
    expect([...r.sdesOurs].filter((k) => !r.sdesTheirs.has(k))).toEqual([])
  })
})
