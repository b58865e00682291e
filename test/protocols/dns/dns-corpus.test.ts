/**
 * DNS against the tshark oracles over the whole corpus: for every frame tshark shows a DNS,
 * mDNS or LLMNR message in, the same query names and types, A, AAAA and CNAME data, ID and
 * response flag in our facts at that frame. Issue 4 target: ≥ 99 % agreement. Every file of the
 * corpus also goes through the analyzer without an exception.
 */
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {type DnsFacts, type DnsMessageFact, dnsAnalyzer} from '../../../src/protocols/dns/dns-analyzer.js'
import {corpusFiles, corpusPath, HAVE_CORPUS, oraclePath} from '../../helpers/paths.js'
import {counting} from './capture-support.js'
import {DNS_EXPECTATIONS} from './oracle-expectations.js'

interface OracleDns {
  frame: number
  in_icmp_error: boolean
  id: string
  response: boolean
  queries: Array<{name: string; type: number}>
  a: string[]
  aaaa: string[]
  cname: string[]
}

/** tshark's placeholder for the root name. */
function oracleName(name: string): string {
  return name === '<Root>' ? '.' : name
}

/** Why our messages at a frame disagree with tshark's row, or null when they agree. */
function dnsDisagreement(row: OracleDns, ours: DnsMessageFact[] | undefined): string | null {
  if (!ours || ours.length === 0) return 'no message at this frame'
  const q = ours.flatMap((m) => m.questions.map((x) => `${x.name}/${x.type}`))
  const oq = row.queries.map((x) => `${oracleName(x.name)}/${x.type}`)
  const data = (type: number) => ours.flatMap((m) => m.records.filter((r) => r.type === type && r.data !== null).map((r) => r.data!))
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i])
  if (!same(q, oq)) return `queries ${JSON.stringify(q)} ≠ ${JSON.stringify(oq)}`
  if (!same(data(1), row.a)) return `A ${JSON.stringify(data(1))} ≠ ${JSON.stringify(row.a)}`
  if (!same(data(28), row.aaaa)) return `AAAA ${JSON.stringify(data(28))} ≠ ${JSON.stringify(row.aaaa)}`
  if (!same(data(5), row.cname)) return `CNAME ${JSON.stringify(data(5))} ≠ ${JSON.stringify(row.cname)}`
  if (ours[0]!.id !== parseInt(row.id, 16)) return `id ${ours[0]!.id} ≠ ${row.id}`
  if (ours[0]!.response !== row.response) return 'response flag'
  return null
}

describe.skipIf(!HAVE_CORPUS)('DNS vs tshark oracles (corpus)', () => {
  it('agrees on ≥ 99 % of DNS frames, every disagreement explained, no exception on any file', async () => {
    const errors: string[] = []
    let current = ''
    const analyzer = counting(dnsAnalyzer, errors, () => current)
    let rows = 0
    let agreed = 0
    let excluded = 0
    let icmp = 0
    const unexplained: string[] = []
    const explainedFrames = new Map<string, Set<number>>()
    for (const name of corpusFiles()) {
      current = name
      const collection = await collectFlows([corpusPath(name)], {analyzers: [analyzer]})
      const oracle = JSON.parse(readFileSync(oraclePath(name), 'utf8')) as {dns?: OracleDns[]}
      const byFrame = new Map<number, DnsMessageFact[]>()
      for (const facts of collection.facts.values()) {
        const dns = facts['dns'] as DnsFacts | undefined
        for (const m of dns?.messages ?? []) byFrame.set(m.evidence.frame, [...(byFrame.get(m.evidence.frame) ?? []), m])
      }
      for (const row of oracle.dns ?? []) {
        if (row.in_icmp_error) {
          icmp++
          continue
        }
        rows++
        const why = dnsDisagreement(row, byFrame.get(row.frame))
        if (why === null) {
          agreed++
          continue
        }
        const expectation = DNS_EXPECTATIONS.find((e) => e.capture === name && (e.frames === 'all' || e.frames.includes(row.frame)))
        if (!expectation) unexplained.push(`${name} frame ${row.frame}: ${why}`)
        else {
          if (expectation.kind === 'excluded') excluded++
          const set = explainedFrames.get(name) ?? new Set()
          set.add(row.frame)
          explainedFrames.set(name, set)
        }
      }
    }
    const agreement = agreed / (rows - excluded)
    console.log(
      `DNS oracle: ${agreed}/${rows - excluded} frames agree (${(100 * agreement).toFixed(2)} %) after ${excluded} excluded; ` +
        `raw ${agreed}/${rows} (${((100 * agreed) / rows).toFixed(2)} %); ${icmp} rows inside ICMP errors not compared`,
    )
    expect(errors).toEqual([])
    expect(unexplained).toEqual([])
    // Listed frames that now agree: the expectation file must be kept truthful.
    const stale = DNS_EXPECTATIONS.flatMap((e) => (e.frames === 'all' ? [] : e.frames.filter((f) => !explainedFrames.get(e.capture)?.has(f)).map((f) => `${e.capture} ${f}`)))
    expect(stale).toEqual([])
    expect(agreement).toBeGreaterThanOrEqual(0.99)
  })
})

describe.skipIf(!HAVE_CORPUS)('DNS corpus files named in issue 4', () => {
  async function messages(name: string): Promise<DnsMessageFact[]> {
    const collection = await collectFlows([corpusPath(name)], {analyzers: [dnsAnalyzer]})
    return [...collection.facts.values()].flatMap((f) => (f['dns'] as DnsFacts | undefined)?.messages ?? []).sort((a, b) => a.evidence.frame - b.evidence.frame)
  }

  it('dns_fragmented.pcap: responses reassembled from IP fragments are read whole', async () => {
    const m = await messages('dns_fragmented.pcap')
    const big = m.find((x) => x.evidence.frame === 6)!
    expect(big.questions[0]!.name).toBe('pa.weberlab.de')
    expect(big.records).toHaveLength(13)
    expect(big.malformed).toBeNull()
  })

  it('dns-invalid-chars.pcap: control bytes in names are escaped and kept', async () => {
    const m = await messages('dns-invalid-chars.pcap')
    expect(m.map((x) => x.questions[0]!.name)).toEqual(['www.allyourba\\004\\005\\006arebelongto.cn', 'www.allyourbasesare\\001\\002\\003ongto.cn'])
  })

  it('dns_long_domainname.pcap, malformed_dns.pcap, bad-dns-traffic.pcap: read without exception', async () => {
    expect((await messages('dns_long_domainname.pcap'))[0]!.questions[0]!.name).toBe('gmr02c.16.0.fhkfhsdkfhsk.tunnel.example.com')
    const malformed = await messages('malformed_dns.pcap')
    expect(malformed.filter((x) => x.malformed?.includes('bad pointer')).length).toBeGreaterThan(0)
    expect((await messages('bad-dns-traffic.pcap')).length).toBeGreaterThan(300)
  })
})
