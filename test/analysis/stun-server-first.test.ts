/**
 * A capture that starts mid-call with the STUN/TURN server's packet (a Binding success response,
 * then a TURN Data indication): the flow table orients the flow by that first packet, so the
 * server is the flow's client. STUN's message classes (RFC 8489 §5) say who the STUN client is;
 * the report's far end, vantage and the findings about who sent what follow them.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {type StunFacts, stunAnalyzer} from '../../src/protocols/stun/analyzer.js'
import {detBytes, stunBindingRequest, stunBindingSuccess, stunMessage, turnData, turnXorPeerAddress} from '../support/packet-builder.js'
import {CaptureKit, factsOn} from '../protocols/rtp/capture-kit.js'
import {tempDir} from '../helpers/temp-dir.js'

const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
/** A host with a public address of its own (no NAT: a cloud test machine), IT in the embedded data. */
const HOST = {ip: '80.180.162.48', port: 50000}
/** A TURN server answering on an ephemeral port (no port rule orients the flow), FR. */
const TURN = {ip: '157.240.196.62', port: 40000}

/** The server speaks first: the answer to a request sent before the capture began, then a peer's
 * packet relayed in a Data indication (with the peer's private candidate), then the host's
 * CreatePermission naming a private peer address, and a new Binding exchange. */
function serverFirst(kit: CaptureKit): {success: number; data: number; permission: number} {
  const old = detBytes('before-capture', 12)
  const success = kit.udp(TURN, HOST, stunBindingSuccess({txid: old, mapped: HOST}))
  const d = detBytes('data-ind', 12)
  const data = kit.udp(TURN, HOST, stunMessage({type: 0x0017, txid: d, attrs: [turnXorPeerAddress('10.20.30.40', 61000, d), turnData(Buffer.from('peer media'))]}))
  const p = detBytes('permission', 12)
  const permission = kit.udp(HOST, TURN, stunMessage({type: 0x0008, txid: p, attrs: [turnXorPeerAddress('192.168.7.9', 52000, p)]}))
  kit.udp(TURN, HOST, stunMessage({type: 0x0108, txid: p}))
  const b = detBytes('binding', 12)
  kit.udp(HOST, TURN, stunBindingRequest({txid: b}))
  kit.udp(TURN, HOST, stunBindingSuccess({txid: b, mapped: HOST}))
  return {success, data, permission}
}

describe('STUN analyzer: who the STUN client is', () => {
  it('says the roles are reversed when the server spoke first and every message agrees', async () => {
    const kit = new CaptureKit()
    serverFirst(kit)
    const flows = await kit.analyze([stunAnalyzer])
    // The table's raw orientation: first packet wins (both ends public, no server port).
    expect([flows[0]!.client, flows[0]!.server]).toEqual([TURN, HOST])
    const facts = factsOn<StunFacts>(flows, 'stun', HOST, TURN)!
    expect(facts.rolesReversed).toBe(true)
    expect(stunAnalyzer.describe(facts)).toContain("STUN roles reversed: the flow's server is the STUN client (it sent the requests), its client the STUN server")
  })

  it('says nothing when the client spoke first, or when both sides send requests (ICE checks between peers)', async () => {
    const kit = new CaptureKit()
    const t = detBytes('normal', 12)
    kit.udp(HOST, TURN, stunBindingRequest({txid: t}))
    kit.udp(TURN, HOST, stunBindingSuccess({txid: t, mapped: HOST}))
    const a = {ip: '91.252.56.51', port: 32641}
    const b = {ip: '80.180.162.48', port: 50002}
    const t1 = detBytes('ice1', 12)
    const t2 = detBytes('ice2', 12)
    kit.udp(a, b, stunBindingRequest({txid: t1}))
    kit.udp(b, a, stunBindingSuccess({txid: t1, mapped: a}))
    kit.udp(b, a, stunBindingRequest({txid: t2}))
    kit.udp(a, b, stunBindingSuccess({txid: t2, mapped: b}))
    const flows = await kit.analyze([stunAnalyzer])
    expect(factsOn<StunFacts>(flows, 'stun', HOST, TURN)!.rolesReversed).toBeUndefined()
    expect(factsOn<StunFacts>(flows, 'stun', a, b)!.rolesReversed).toBeUndefined()
  })
})

describe('a capture that starts with the TURN server\'s packets', () => {
  it('takes the TURN server for the far end: endpoint, vantage, CA-META-004 and CA-META-005 as if the host had spoken first', async () => {
    const kit = new CaptureKit()
    const {success, permission} = serverFirst(kit)
    const path = join(tempDir('callaudit-stun-first-'), 'mid-call.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    const {report} = await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy: {home: 'DE'}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})

    const flow = report.flows[0]!
    // Raw columns as the table has them; the derived far end is the TURN server.
    expect([flow.client, flow.server]).toEqual([TURN, HOST])
    expect(flow.remote).toEqual(TURN)
    expect(flow.role).toBe('relay')
    expect(report.endpoints.map((e) => e.ip)).toEqual([TURN.ip])

    // The host is the vantage, behind (at) the public address the server's responses carry.
    expect(report.vantage.publicAddresses.map((p) => [p.ip, p.frames[0]])).toEqual([[HOST.ip, success]])
    expect(report.vantage.country).toBe('IT')
    const visible = report.findings.find((f) => f.ruleId === 'CA-META-005')
    expect(visible?.detail).toContain(HOST.ip)

    // What the host sent (its CreatePermission's private peer address) is reported; the private
    // address inside the server's Data indication is the server's news, not the caller's leak.
    const sent = report.findings.filter((f) => f.ruleId === 'CA-META-004')
    expect(sent).toHaveLength(1)
    expect(sent[0]!.detail).toContain('192.168.7.9')
    expect(sent[0]!.detail).toContain(`to the external server ${TURN.ip}`)
    expect(sent[0]!.detail).not.toContain('10.20.30.40')
    expect(sent[0]!.evidence[0]!.frame).toBe(permission)

    // The relay's country is judged, not the host's own.
    const geo = report.findings.filter((f) => f.ruleId === 'CA-GEO-001').map((f) => f.endpoint)
    expect(geo).toEqual([TURN.ip])
  })
})
