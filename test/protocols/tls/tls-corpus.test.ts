import {readFileSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {type OpenVpnFacts, openvpnAnalyzer} from '../../../src/protocols/openvpn/openvpn-analyzer.js'
import {type TlsFacts, tlsAnalyzer} from '../../../src/protocols/tls/tls-analyzer.js'
import {corpusFiles, corpusPath, HAVE_CORPUS, oraclePath} from '../../helpers/paths.js'
import {guarded} from './capture-kit.js'
import {TLS_SNI_EXTRA, TLS_SNI_MISSED, X509_TLS_MISSED} from './oracle-expectations.js'

/**
 * TLS over TCP against the tshark oracles, over the whole corpus: SNI per TCP conversation
 * (`tls_sni[]`, target ≥ 99 %), with the ClientHello's frame and ALPN, and the certificate chains
 * of TLS Certificate messages (`x509[]`, subject CN, issuer CN, DNS SANs of every certificate).
 * TLS inside OpenVPN's control channel (the `tls` facts of the `openvpn` analyzer) counts too:
 * tshark unwraps it on port 1194. Every capture also goes through both analyzers without an
 * exception.
 */

interface OracleSni {
  client: string | null
  client_port: number | null
  server: string | null
  server_port: number | null
  sni: string
  alpn: string[]
  frames: number[]
}

interface OracleCert {
  subject_cn: string | null
  issuer_cn: string | null
  san_dns: string[]
}

interface OracleX509 {
  frame: number
  handshake: 'tls' | 'dtls'
  sender: string
  sender_port: number
  receiver: string
  receiver_port: number
  chain: OracleCert[]
}

interface Ours {
  /** conversation → SNI → {frames, alpn} of our ClientHellos */
  sni: Map<string, Map<string, {frames: number[]; alpn: string[]}>>
  /** `sender:port>receiver:port` → chains as comparable strings */
  chains: Map<string, string[]>
}

const conv = (a: string | null, ap: number | null, b: string | null, bp: number | null) => (a === null ? '-' : `${a}:${ap}>${b}:${bp}`)
const chainKey = (chain: OracleCert[]) => JSON.stringify(chain.map((c) => [c.subject_cn ?? null, c.issuer_cn ?? null, c.san_dns]))

describe.skipIf(!HAVE_CORPUS)('TLS analyzer over the corpus vs tshark', () => {
  const errors: string[] = []
  const ours = new Map<string, Ours>()
  const oracles = new Map<string, {tls_sni: OracleSni[]; x509: OracleX509[]}>()

  beforeAll(async () => {
    let current = ''
    const analyzer = guarded(tlsAnalyzer, errors, () => current)
    const openvpn = guarded(openvpnAnalyzer, errors, () => current)
    for (const name of corpusFiles()) {
      current = name
      oracles.set(name, JSON.parse(readFileSync(oraclePath(name), 'utf8')))
      const collection = await collectFlows([corpusPath(name)], {analyzers: [analyzer, openvpn]})
      const mine: Ours = {sni: new Map(), chains: new Map()}
      for (const flow of flowRecords(collection)) {
        const inOpenVpn = flow.protocols?.openvpn as OpenVpnFacts | undefined
        if (inOpenVpn) openvpnAnalyzer.describe(inOpenVpn)
        const facts = (flow.protocols?.tls as TlsFacts | undefined) ?? inOpenVpn?.tls ?? undefined
        if (!facts) continue
        tlsAnalyzer.describe(facts)
        const [client, server] = facts.rolesReversed ? [flow.server, flow.client] : [flow.client, flow.server]
        const key = conv(client.ip, client.port, server.ip, server.port)
        for (const hello of [facts.clientHello, ...(facts.extraClientHellos ?? [])]) {
          if (hello?.sni === undefined) continue
          const bySni = mine.sni.get(key) ?? new Map()
          mine.sni.set(key, bySni)
          const entry = bySni.get(hello.sni) ?? {frames: [], alpn: 'alpn' in hello ? hello.alpn : []}
          entry.frames.push(hello.evidence.frame)
          bySni.set(hello.sni, entry)
        }
        for (const message of facts.certificates ?? []) {
          const [from, to] = message.sentBy === 'server' ? [flow.server, flow.client] : [flow.client, flow.server]
          const key2 = conv(from.ip, from.port, to.ip, to.port)
          const list = mine.chains.get(key2) ?? []
          mine.chains.set(key2, list)
          list.push(chainKey(message.chain.map((c) => ({subject_cn: c.subjectCN ?? null, issuer_cn: c.issuerCN ?? null, san_dns: c.sanDns ?? []}))))
        }
      }
      ours.set(name, mine)
    }
  }, 300_000)

  it('reads all 531 captures without an exception', () => {
    expect(ours.size).toBe(531)
    expect(errors).toEqual([])
  })

  it('agrees with tshark on ≥ 99 % of TLS SNIs per TCP conversation; the differences are the expected ones', () => {
    let total = 0
    let agreed = 0
    const missed: string[] = []
    const extra: string[] = []
    const wrongFrame: string[] = []
    const wrongAlpn: string[] = []
    for (const [name, oracle] of oracles) {
      const mine = ours.get(name)!
      const matched = new Set<string>()
      for (const item of oracle.tls_sni) {
        total++
        const key = conv(item.client, item.client_port, item.server, item.server_port)
        const found = mine.sni.get(key)?.get(item.sni)
        if (!found) {
          missed.push(`${name} ${key} ${item.sni}`)
          continue
        }
        agreed++
        matched.add(`${key} ${item.sni}`)
        if (!found.frames.some((f) => item.frames.includes(f))) wrongFrame.push(`${name} ${key} ${item.sni} ${item.frames} vs ${found.frames}`)
        if (JSON.stringify(found.alpn) !== JSON.stringify(item.alpn)) wrongAlpn.push(`${name} ${key} ${item.alpn} vs ${found.alpn}`)
      }
      for (const [key, bySni] of mine.sni) for (const sni of bySni.keys()) if (!matched.has(`${key} ${sni}`)) extra.push(`${name} ${key} ${sni}`)
    }
    const pct = (100 * agreed) / total
    console.log(`TLS SNI: ${agreed}/${total} tshark items agree (${pct.toFixed(2)} %), ${extra.length} extra SNIs found by us`)
    expect(pct).toBeGreaterThanOrEqual(99)
    expect(missed.sort()).toEqual(TLS_SNI_MISSED.map((d) => `${d.capture} ${d.conversation} ${d.sni}`).sort())
    expect(extra.sort()).toEqual(TLS_SNI_EXTRA.map((d) => `${d.capture} ${d.conversation} ${d.sni}`).sort())
    // The ClientHello frame is the one tshark shows it in (the segment that completed it), and the
    // ALPN list is the same, for every SNI both found.
    expect(wrongFrame).toEqual([])
    expect(wrongAlpn).toEqual([])
  })

  it('reads the same certificate chains as tshark from TLS Certificate messages', () => {
    let total = 0
    let agreed = 0
    const missed: string[] = []
    for (const [name, oracle] of oracles) {
      const mine = ours.get(name)!
      for (const item of oracle.x509) {
        if (item.handshake !== 'tls') continue
        total++
        const chains = mine.chains.get(conv(item.sender, item.sender_port, item.receiver, item.receiver_port)) ?? []
        if (chains.includes(chainKey(item.chain))) agreed++
        else missed.push(`${name} ${item.frame}`)
      }
    }
    console.log(`TLS certificates: ${agreed}/${total} Certificate messages agree (${((100 * agreed) / total).toFixed(2)} %)`)
    expect(missed.sort()).toEqual(X509_TLS_MISSED.map((d) => `${d.capture} ${d.frame}`).sort())
    expect(agreed / total).toBeGreaterThanOrEqual(0.98)
  })
})
