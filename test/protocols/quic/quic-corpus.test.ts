import {readFileSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {type QuicFacts, quicAnalyzer} from '../../../src/protocols/quic/quic-analyzer.js'
import {corpusFiles, corpusPath, HAVE_CORPUS, oraclePath} from '../../helpers/paths.js'
import {guarded} from '../tls/capture-kit.js'
import {QUIC_SNI_EXTRA, QUIC_SNI_MISSED} from './oracle-expectations.js'

/**
 * QUIC against the tshark oracles over the whole corpus: the SNI of each UDP conversation
 * (`quic_sni[]`: IETF QUIC Initials tshark decrypted, and gQUIC CHLO tags), target ≥ 95 % of
 * tshark's items, with the frame of the hello. Every capture, fuzzed ones included
 * (quic-fuzz-overflow.pcapng), goes through the analyzer without an exception.
 */

interface OracleQuicSni {
  client: string
  client_port: number
  server: string
  server_port: number
  sni: string
  variant: 'ietf' | 'gquic'
  frames: number[]
}

describe.skipIf(!HAVE_CORPUS)('QUIC analyzer over the corpus vs tshark', () => {
  const errors: string[] = []
  /** capture → conversation → SNI → frames */
  const ours = new Map<string, Map<string, Map<string, number[]>>>()
  const oracles = new Map<string, OracleQuicSni[]>()

  beforeAll(async () => {
    let current = ''
    const analyzer = guarded(quicAnalyzer, errors, () => current)
    for (const name of corpusFiles()) {
      current = name
      oracles.set(name, JSON.parse(readFileSync(oraclePath(name), 'utf8')).quic_sni)
      const mine = new Map<string, Map<string, number[]>>()
      for (const flow of flowRecords(await collectFlows([corpusPath(name)], {analyzers: [analyzer]}))) {
        const facts = flow.protocols?.quic as QuicFacts | undefined
        if (!facts) continue
        quicAnalyzer.describe(facts)
        const key = `${flow.client.ip}:${flow.client.port}>${flow.server.ip}:${flow.server.port}`
        for (const hello of [facts.clientHello, facts.chlo]) {
          if (hello?.sni === undefined) continue
          const bySni = mine.get(key) ?? new Map<string, number[]>()
          mine.set(key, bySni)
          bySni.set(hello.sni, [...(bySni.get(hello.sni) ?? []), hello.evidence.frame])
        }
      }
      ours.set(name, mine)
    }
  }, 300_000)

  it('reads all 531 captures without an exception', () => {
    expect(ours.size).toBe(531)
    expect(errors).toEqual([])
  })

  it('agrees with tshark on ≥ 95 % of QUIC SNIs; the differences are the expected ones', () => {
    let total = 0
    let agreed = 0
    const missed: string[] = []
    const extra: string[] = []
    const wrongFrame: string[] = []
    for (const [name, items] of oracles) {
      const mine = ours.get(name)!
      const matched = new Set<string>()
      for (const item of items) {
        total++
        const key = `${item.client}:${item.client_port}>${item.server}:${item.server_port}`
        const frames = mine.get(key)?.get(item.sni)
        if (!frames) {
          missed.push(`${name} ${key} ${item.sni}`)
          continue
        }
        agreed++
        matched.add(`${key} ${item.sni}`)
        if (!frames.some((f) => item.frames.includes(f))) wrongFrame.push(`${name} ${key} ${item.sni} ${item.frames} vs ${frames}`)
      }
      for (const [key, bySni] of mine) for (const sni of bySni.keys()) if (!matched.has(`${key} ${sni}`)) extra.push(`${name} ${key} ${sni}`)
    }
    const pct = (100 * agreed) / total
    console.log(`QUIC SNI: ${agreed}/${total} tshark items agree (${pct.toFixed(2)} %), ${extra.length} extra SNIs found by us`)
    expect(pct).toBeGreaterThanOrEqual(95)
    expect(missed.sort()).toEqual(QUIC_SNI_MISSED.map((d) => `${d.capture} ${d.conversation} ${d.sni}`).sort())
    expect(extra.sort()).toEqual(QUIC_SNI_EXTRA.map((d) => `${d.capture} ${d.conversation} ${d.sni}`).sort())
    expect(wrongFrame).toEqual([])
  })
})
