import {readFileSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {type DtlsFacts, dtlsAnalyzer} from '../../../src/protocols/dtls/dtls-analyzer.js'
import {corpusFiles, corpusPath, HAVE_CORPUS, oraclePath} from '../../helpers/paths.js'
import {guarded} from '../tls/capture-kit.js'
import {X509_DTLS_MISSED} from './oracle-expectations.js'

/**
 * DTLS against the tshark oracles over the whole corpus: the certificate chains of DTLS
 * Certificate messages (`x509[]`, handshake "dtls": WebRTC "WebRTC"/"hangouts" certificates,
 * CAPWAP, game streaming...), compared on subject CN, issuer CN and DNS SANs of every certificate.
 * Retransmitted messages count once in our facts and once per copy in tshark's, so a tshark item
 * agrees when its chain is among ours from the same sender. Every capture goes through the
 * analyzer without an exception.
 */

interface OracleX509 {
  frame: number
  handshake: 'tls' | 'dtls'
  sender: string
  sender_port: number
  receiver: string
  receiver_port: number
  chain: Array<{subject_cn: string | null; issuer_cn: string | null; san_dns: string[]}>
}

const chainKey = (chain: Array<{subject_cn: string | null | undefined; issuer_cn: string | null | undefined; san_dns: string[] | undefined}>) =>
  JSON.stringify(chain.map((c) => [c.subject_cn ?? null, c.issuer_cn ?? null, c.san_dns ?? []]))

describe.skipIf(!HAVE_CORPUS)('DTLS analyzer over the corpus vs tshark', () => {
  const errors: string[] = []
  /** capture → `sender:port>receiver:port` → chains */
  const ours = new Map<string, Map<string, string[]>>()
  const oracles = new Map<string, OracleX509[]>()
  const srtpFlows: string[] = []

  beforeAll(async () => {
    let current = ''
    const analyzer = guarded(dtlsAnalyzer, errors, () => current)
    for (const name of corpusFiles()) {
      current = name
      oracles.set(name, JSON.parse(readFileSync(oraclePath(name), 'utf8')).x509)
      const mine = new Map<string, string[]>()
      for (const flow of flowRecords(await collectFlows([corpusPath(name)], {analyzers: [analyzer]}))) {
        const facts = flow.protocols?.dtls as DtlsFacts | undefined
        if (!facts) continue
        dtlsAnalyzer.describe(facts)
        if (facts.serverHello?.srtpProfile) srtpFlows.push(`${name} ${facts.serverHello.srtpProfile}`)
        for (const message of facts.certificates ?? []) {
          const [from, to] = message.sentBy === 'server' ? [flow.server, flow.client] : [flow.client, flow.server]
          const key = `${from.ip}:${from.port}>${to.ip}:${to.port}`
          mine.set(key, [...(mine.get(key) ?? []), chainKey(message.chain.map((c) => ({subject_cn: c.subjectCN, issuer_cn: c.issuerCN, san_dns: c.sanDns})))])
        }
      }
      ours.set(name, mine)
    }
  }, 300_000)

  it('reads all 531 captures without an exception', () => {
    expect(ours.size).toBe(531)
    expect(errors).toEqual([])
  })

  it('reads the same certificate chains as tshark from DTLS Certificate messages', () => {
    let total = 0
    let agreed = 0
    const missed: string[] = []
    for (const [name, items] of oracles) {
      for (const item of items) {
        if (item.handshake !== 'dtls') continue
        total++
        const chains = ours.get(name)!.get(`${item.sender}:${item.sender_port}>${item.receiver}:${item.receiver_port}`) ?? []
        if (chains.includes(chainKey(item.chain))) agreed++
        else missed.push(`${name} ${item.frame}`)
      }
    }
    console.log(`DTLS certificates: ${agreed}/${total} Certificate messages agree (${((100 * agreed) / total).toFixed(2)} %)`)
    expect(total).toBeGreaterThan(0)
    expect(missed.sort()).toEqual(X509_DTLS_MISSED.map((d) => `${d.capture} ${d.frame}`).sort())
  })

  it('reads the SRTP profile WebRTC negotiates (use_srtp, RFC 5764)', () => {
    expect(srtpFlows).toContain('stun_google_meet.pcapng SRTP_AEAD_AES_256_GCM')
    expect(srtpFlows.length).toBeGreaterThanOrEqual(5)
  })
})
