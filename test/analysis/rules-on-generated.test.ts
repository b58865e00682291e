import {createHash} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {FALLBACK_MEDIA_PACKETS} from '../../src/findings/checks/coverage.js'
import type {Report} from '../../src/report/report-model.js'
import {PcapWriter} from '../support/capture-writer.js'
import {
  ETHERTYPE, IPPROTO, LINKTYPE, STUN_TYPE, dhcpRequest, dnsMessage, dnsQuery, dnsResponse, ethernet, ipv4, rtcpSdes, rtp, stunBindingRequest, stunBindingSuccess, stunMessage, stunXorMappedAddress, tcp, tlsClientHello, tlsServerHello,
  turnData, turnRequestedTransport, turnXorPeerAddress, turnXorRelayedAddress, udp,
} from '../support/packet-builder.js'
import {CA_DER, CLIENT_DEVICE_DER, CLIENT_PERSON_DER, CLIENT_SAN_EMAIL_DER, LEAF_DER, WEBRTC_DER} from '../protocols/tls/test-certificates.js'
import {certificateBody, clientHelloBody, dtlsFragments, dtlsRecord, ext, handshake, record, serverHelloBody} from '../protocols/tls/tls-builders.js'
import {tempDir} from '../helpers/temp-dir.js'
import {info, invite, ok, SDP_SDES, wsInvite, wsOk} from '../support/sip-builders.js'
import {wsAnswer, wsDeflater, wsFrame, wsRequest} from '../support/websocket-builders.js'
import {h225Answer, h225Setup, Q931, q931, rasAdmissionRequest, rasRegistrationRequest, tpkt} from '../support/h323-builders.js'
import {zrtpCommit, zrtpHello, zrtpSimple} from '../support/zrtp-builders.js'
import {h225TunnelledH245, h245OpenLogicalChannelAck, h245TerminalCapabilitySet, h245UserInputSignal} from '../support/h245-builders.js'
import {ikeMessage, ikev1, ikev1Message} from '../support/vpn-builders.js'

/**
 * One generated capture per rule that must trigger it, and a near twin that must not: the
 * checks are judged on exactly the evidence they are about.
 */

const CLIENT = '192.168.0.105'
const BASE = 1_763_600_000

interface Frame {
  ms: number
  bytes: Buffer
}

function frame(ms: number, src: string, dst: string, l4: Buffer, proto: number): Frame {
  return {ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, l4))}
}

/** A TCP connection with a measured handshake RTT and a TLS ClientHello/ServerHello. */
function tlsSession(server: string, rttMs: number, hello: {sni: string; serverHello: Buffer; clientHello?: Buffer}, start = 0): Frame[] {
  const c = {sport: 50500, dport: 443}
  const s = {sport: 443, dport: 50500}
  const ch = hello.clientHello ?? tlsClientHello({sni: hello.sni, version: '1.2'})
  return [
    frame(start, CLIENT, server, tcp({...c, seq: 1000, flags: 'S'}), IPPROTO.TCP),
    frame(start + rttMs, server, CLIENT, tcp({...s, seq: 9000, ack: 1001, flags: 'SA'}), IPPROTO.TCP),
    frame(start + rttMs + 0.1, CLIENT, server, tcp({...c, seq: 1001, ack: 9001, flags: 'A'}), IPPROTO.TCP),
    frame(start + rttMs + 0.2, CLIENT, server, tcp({...c, seq: 1001, ack: 9001, flags: 'PA'}, ch), IPPROTO.TCP),
    frame(start + 2 * rttMs + 0.3, server, CLIENT, tcp({...s, seq: 9001, ack: 1001 + ch.length, flags: 'PA'}, hello.serverHello), IPPROTO.TCP),
  ]
}

function write(frames: Frame[], base = BASE): string {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  for (const f of [...frames].sort((a, b) => a.ms - b.ms)) {
    const us = Math.round(f.ms * 1000)
    w.add({sec: base + Math.floor(us / 1e6), nsec: (us % 1e6) * 1000}, f.bytes)
  }
  const dir = tempDir('callaudit-rule-')
  const path = join(dir, 'capture.pcap')
  writeFileSync(path, w.toBuffer())
  return path
}

async function run(frames: Frame[], policy: Record<string, string> = {}, vantage?: string, base = BASE): Promise<Report> {
  const {report} = await analyzeCaptures({
    paths: [write(frames, base)],
    geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true},
    policy,
    vantage,
    cwd: tempDir('callaudit-cwd-'),
    toolVersion: 'test',
  })
  return report
}

const ids = (r: Report) => r.findings.map((f) => f.ruleId)

/** Server hello bytes with the legacy version set (0x0301 = TLS 1.0) for a TLS 1.2-style hello. */
/**
 * A ws:// WebSocket from CLIENT to `server` (RFC 6455): the TCP handshake, the opening handshake
 * asking for `protocol`, the server's 101 (agreeing to `extensions` when given), then each of
 * `messages` (whole WebSocket frames) from the client in a segment of its own, 100 ms on.
 */
function webSocketFrames(server: string, ports: {client: number; server: number}, protocol: string, messages: Buffer[], extensions?: string): Frame[] {
  const c = {sport: ports.client, dport: ports.server}
  const s = {sport: ports.server, dport: ports.client}
  const get = Buffer.from(wsRequest(protocol))
  const answer = Buffer.from(wsAnswer(101, protocol, extensions))
  const frames: Frame[] = [
    frame(0, CLIENT, server, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
    frame(30, server, CLIENT, tcp({...s, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
    frame(31, CLIENT, server, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, get), IPPROTO.TCP),
    frame(61, server, CLIENT, tcp({...s, seq: 8, ack: 2 + get.length, flags: 'PA'}, answer), IPPROTO.TCP),
  ]
  let seq = 2 + get.length
  messages.forEach((m, i) => {
    frames.push(frame(100 + i, CLIENT, server, tcp({...c, seq, ack: 8 + answer.length, flags: 'PA'}, m), IPPROTO.TCP))
    seq += m.length
  })
  return frames
}

function serverHello(cipher: number, version = 0x0303): Buffer {
  const b = Buffer.from(tlsServerHello({seed: 'x', version: '1.2', cipher}))
  b.writeUInt16BE(version, 1) // record version
  b.writeUInt16BE(version, 9) // ServerHello.legacy_version
  return b
}

const ASHBURN = '52.202.62.196' // embedded database: Ashburn, US (city-level)
const JAKARTA = '-6.2,106.8'

describe('CA-CALL-001: no call in the capture', () => {
  const web = (server: string, sport: number) => {
    const c = {sport, dport: 443}
    const s = {sport: 443, dport: sport}
    return [
      frame(0, CLIENT, server, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
      frame(30, server, CLIENT, tcp({...s, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
      frame(31, CLIENT, server, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, tlsClientHello({sni: 'www.example.com', version: '1.2'})), IPPROTO.TCP),
    ]
  }

  it('fires, high, on a capture of web browsing only, citing its largest flows, and fails the run', async () => {
    const r = await run([...web(ASHBURN, 50700), ...web('8.8.8.8', 50701)], {home: 'US'})
    const f = r.findings.find((x) => x.ruleId === 'CA-CALL-001')
    expect(f?.severity).toBe('high')
    expect(f?.detail).toContain('It holds 2 flows (web 2), none of them a call\'s')
    expect(f?.evidence.map((e) => e.flowId)).toEqual(r.flows.map((x) => x.id).sort((a, b) => a - b))
    expect(r.summary.verdict).toBe('fail')
  })

  it('says so when the capture holds a VPN tunnel the call may be inside', async () => {
    const wg = Buffer.alloc(148)
    wg.writeUInt32LE(1, 0) // WireGuard handshake initiation (type 1, three reserved zero bytes)
    const r = await run([frame(0, CLIENT, '198.54.131.98', udp({sport: 51820, dport: 51820}, wg), IPPROTO.UDP)], {home: 'SE'})
    expect(r.flows[0]?.role).toBe('vpn')
    expect(r.findings.find((x) => x.ruleId === 'CA-CALL-001')?.detail).toContain('198.54.131.98 is a VPN tunnel: a call inside it is hidden from this capture')
  })

  it('stays quiet on a capture that holds a call (RTP media), and can be lowered by the policy', async () => {
    const frames: Frame[] = []
    for (let i = 0; i < 12; i++) frames.push(frame(20 * i, CLIENT, '149.137.41.57', udp({sport: 40001, dport: 8801}, rtp({pt: 0, seq: 100 + i, timestamp: 160 * i, ssrc: 0x1234}, Buffer.alloc(160, 0xd5))), IPPROTO.UDP))
    const call = await run(frames, {home: 'US'})
    expect(call.flows.some((f) => f.role === 'media')).toBe(true)
    expect(ids(call)).not.toContain('CA-CALL-001')
    const policy = join(tempDir('callaudit-policy-'), 'callaudit.yml')
    writeFileSync(policy, 'severity-overrides:\n  CA-CALL-001: info\n')
    const lowered = await run([...web(ASHBURN, 50700)], {home: 'US', policy})
    expect(lowered.summary.verdict).toBe('pass')
    expect(lowered.findings.find((x) => x.ruleId === 'CA-CALL-001')?.severity).toBe('info')
  })
})

describe('CA-CALL-001: an app running without a call', () => {
  const hello = {sni: 'zoomus.zoom.us', serverHello: serverHello(0xc02f)}
  /** Packets of an established TLS connection to 443 (already counted as control by the hello). */
  const traffic = (server: string, each: number): Frame[] => {
    const frames: Frame[] = []
    for (let i = 0; i < each; i++) {
      frames.push(frame(1000 + 20 * i, CLIENT, server, tcp({sport: 50500, dport: 443, seq: 5000 + 100 * i, ack: 9500, flags: 'PA'}, Buffer.alloc(100, 0x17)), IPPROTO.TCP))
      frames.push(frame(1005 + 20 * i, server, CLIENT, tcp({sport: 443, dport: 50500, seq: 9500 + 100 * i, ack: 5000, flags: 'PA'}, Buffer.alloc(100, 0x17)), IPPROTO.TCP))
    }
    return frames
  }

  it('fires on an app\'s signalling alone, naming the app and its flows', async () => {
    const r = await run([...tlsSession(ASHBURN, 40, hello), ...traffic(ASHBURN, 20)], {home: 'US'})
    expect(r.flows.map((f) => [f.role, f.app])).toEqual([['control', 'zoom']])
    const f = r.findings.find((x) => x.ruleId === 'CA-CALL-001')
    expect(f?.detail).toMatch(/^No call was found in this capture: Zoom was running \(1 flow: control 1\), but no flow carries media or a TURN relay/)
    expect(f?.evidence[0]?.description).toMatch(/^flow #1 tcp to 52\.202\.62\.196:443 \(control, zoom, 2[0-9]\/2[0-9] packets/)
  })

  it(`stays quiet when a control flow is busy enough both ways to carry the media (${FALLBACK_MEDIA_PACKETS} packets)`, async () => {
    const r = await run([...tlsSession(ASHBURN, 40, hello), ...traffic(ASHBURN, FALLBACK_MEDIA_PACKETS)], {home: 'US'})
    expect(r.flows[0]!.packets.toServer).toBeGreaterThanOrEqual(FALLBACK_MEDIA_PACKETS)
    expect(ids(r)).not.toContain('CA-CALL-001')
  })

  it('stays quiet when STUN sets a call up', async () => {
    const stun = [
      frame(0, CLIENT, '149.137.41.57', udp({sport: 40001, dport: 3478}, stunBindingRequest({txid: Buffer.alloc(12, 7)})), IPPROTO.UDP),
      frame(30, '149.137.41.57', CLIENT, udp({sport: 3478, dport: 40001}, stunBindingSuccess({txid: Buffer.alloc(12, 7), mapped: {ip: '36.84.217.46', port: 40001}})), IPPROTO.UDP),
    ]
    const r = await run([...tlsSession(ASHBURN, 40, hello), ...stun], {home: 'US'})
    expect(r.flows.some((f) => f.protocols?.stun)).toBe(true)
    expect(ids(r)).not.toContain('CA-CALL-001')
  })
})

describe('CA-CALL-001: DNS lookups of a meeting service are no call', () => {
  const lookups = (): Frame[] => {
    const frames: Frame[] = []
    const names = ['teams.microsoft.com', 'api.teams.skype.com']
    names.forEach((name, i) => {
      const c = {sport: 53100 + i, dport: 53}
      frames.push(frame(100 * i, CLIENT, '8.8.8.8', udp(c, dnsQuery({id: 0x100 + i, name})), IPPROTO.UDP))
      frames.push(frame(100 * i + 20, '8.8.8.8', CLIENT, udp({sport: 53, dport: c.sport}, dnsResponse({id: 0x100 + i, name, answers: [{name, type: 'A', ttl: 60, value: '52.113.194.132'}]})), IPPROTO.UDP))
    })
    return frames
  }

  it('fires on a capture of lookups alone, though the app is identified from them, and says so', async () => {
    const r = await run(lookups(), {home: 'US'})
    // The lookups identify Teams and attribute the DNS flows to it...
    expect(r.apps.map((a) => a.app)).toEqual(['teams'])
    expect(r.flows.map((f) => [f.role, f.app])).toEqual([['dns', 'teams'], ['dns', 'teams']])
    // ...but a lookup is not a call.
    const f = r.findings.find((x) => x.ruleId === 'CA-CALL-001')
    expect(f?.severity).toBe('high')
    expect(f?.detail).toContain('No call traffic was found in this capture: Microsoft Teams / Skype was named only in DNS lookups or LAN discovery, which happen without a call;')
    expect(r.summary.verdict).toBe('fail')
    // The lookups still count as a leak of which service is about to be used.
    expect(ids(r)).toContain('CA-META-001')
  })

  it('once the app has traffic of its own beyond the lookups (its servers over TLS), says the app ran without a call', async () => {
    const r = await run([...lookups(), ...tlsSession('52.113.194.132', 30, {sni: 'teams.microsoft.com', serverHello: serverHello(0xc02f)}, 500)], {home: 'US'})
    expect(r.flows.filter((f) => f.role !== 'dns').map((f) => f.app)).toEqual(['teams'])
    const f = r.findings.filter((x) => x.ruleId === 'CA-CALL-001')
    expect(f.map((x) => x.detail.slice(0, 84))).toEqual(['No call was found in this capture: Microsoft Teams / Skype was running (1 flow: cont'])
  })
})

describe("CA-GEO-001: the call's traffic, not the background's", () => {
  const ZOOM_WEB = '170.114.10.73' // US
  it("judges a conferencing app's flows by role, critical in a denied country, and leaves a background site's flow to the endpoint list", async () => {
    const frames = [
      ...tlsSession(ZOOM_WEB, 240, {sni: 'us05web.zoom.us', serverHello: serverHello(0xc02f)}),
      ...tlsSession(ASHBURN, 240, {sni: 'www.example.com', serverHello: serverHello(0xc02f)}, 1000),
    ]
    const r = await run(frames, {home: 'ID', deny: 'US'})
    expect(r.flows.map((f) => [f.server.ip, f.app])).toEqual([[ZOOM_WEB, 'zoom'], [ASHBURN, null]])
    // Both servers are in the denied country...
    expect(r.endpoints.map((e) => [e.ip, e.judgement.verdict]).sort()).toEqual([[ZOOM_WEB, 'denied'], [ASHBURN, 'denied']])
    // ...but only the call's is "call traffic to a country outside policy".
    const geo = r.findings.filter((f) => f.ruleId === 'CA-GEO-001')
    expect(geo.map((f) => [f.endpoint, f.severity])).toEqual([[ZOOM_WEB, 'critical']])
    expect(geo[0]?.detail).toContain('It carried control traffic of zoom: 1 flow')
  })

  it("judges a conferencing app's telemetry at medium", async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'log.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'ID'})
    const geo = r.findings.filter((f) => f.ruleId === 'CA-GEO-001')
    expect(geo.map((f) => [f.endpoint, f.severity])).toEqual([[ASHBURN, 'medium']])
    expect(geo[0]?.detail).toContain('It carried telemetry traffic of zoom')
  })
})

describe('CA-GEO-005: location not plausible for the measured round trip', () => {
  it('fires when Ashburn answers Jakarta in 2 ms', async () => {
    const r = await run(tlsSession(ASHBURN, 2, {sni: 'log.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'ID'}, JAKARTA)
    const f = r.findings.find((x) => x.ruleId === 'CA-GEO-005')
    expect(f?.endpoint).toBe(ASHBURN)
    expect(f?.detail).toMatch(/2 ms/)
  })

  it('stays quiet for a physically possible 240 ms', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'log.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'ID'}, JAKARTA)
    expect(ids(r)).not.toContain('CA-GEO-005')
  })

  const hello = {sni: 'log.zoom.us', serverHello: serverHello(0xc02f)}
  // Three addresses of one /14 the embedded database places in Ashburn, and two far from it.
  const ashburnTrio = ['52.200.1.1', '52.201.2.2', ASHBURN]
  const SINGAPORE = '20.198.162.76'
  const INCHEON = '3.5.140.2'

  it('blames the vantage once when the impossible servers could all be near one place', async () => {
    // Captured near Ashburn but analysed with --vantage Jakarta: every server answers in 2 ms.
    const r = await run(ashburnTrio.flatMap((ip, i) => tlsSession(ip, 2, hello, i * 50)), {home: 'ID'}, JAKARTA)
    const found = r.findings.filter((f) => f.ruleId === 'CA-GEO-005')
    expect(found).toHaveLength(1)
    expect(found[0]!.endpoint).toBeUndefined()
    expect(found[0]!.flowIds).toHaveLength(3)
    expect(found[0]!.evidence.map((e) => e.description.split(':')[0]).sort()).toEqual([...ashburnTrio].sort())
    expect(found[0]!.detail).toMatch(/^3 of the 3 servers with a measured round trip answered faster than light/)
    expect(found[0]!.detail).toContain('the given vantage (--vantage -6.2,106.8) is probably not where the capture was made')
  })

  it('keeps one finding per server when no one place could reach them all', async () => {
    // Ashburn, Singapore and Incheon all in 2 ms: no vantage explains that, the database entries are suspect.
    const r = await run([ASHBURN, SINGAPORE, INCHEON].flatMap((ip, i) => tlsSession(ip, 2, hello, i * 50)), {home: 'ID'}, '48.85,2.35')
    const found = r.findings.filter((f) => f.ruleId === 'CA-GEO-005')
    expect(found.map((f) => f.endpoint).sort()).toEqual([ASHBURN, SINGAPORE, INCHEON].sort())
  })

  it('keeps one finding per server when most measured servers are plausible', async () => {
    // Three impossible answers among seven measured: the vantage is borne out by the other four.
    const plausible = ['3.5.140.2', '20.198.162.76', '52.203.3.3', '52.202.9.9'].map((ip, i) => tlsSession(ip, 400, hello, 500 + i * 50))
    const r = await run([...ashburnTrio.flatMap((ip, i) => tlsSession(ip, 2, hello, i * 50)), ...plausible.flat()], {home: 'ID'}, JAKARTA)
    const found = r.findings.filter((f) => f.ruleId === 'CA-GEO-005')
    expect(found.map((f) => f.endpoint).sort()).toEqual([...ashburnTrio].sort())
  })
})

describe('CA-META-003: server names in clear to call servers, ECH extension or not', () => {
  const ZOOM = '170.114.10.73'
  const withEch = (sni: string) => record(0x16, handshake(1, clientHelloBody({extensions: [ext.sni(sni), ext.ech()]})), 0x0301)

  /** An HTTPS answer for `name` whose ech parameter holds one ECHConfig with `publicName`. */
  function httpsAnswer(name: string, publicName: string): Buffer {
    const u16 = (n: number) => [n >> 8, n & 0xff]
    const wire = (n: string) => [...n.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0]
    const pn = [...Buffer.from(publicName)]
    const contents = [1, ...u16(0x20), ...u16(32), ...new Array(32).fill(9), ...u16(4), ...u16(1), ...u16(1), 0, pn.length, ...pn, ...u16(0)]
    const config = [...u16(0xfe0d), ...u16(contents.length), ...contents]
    const list = [...u16(config.length), ...config]
    const rdata = [...u16(1), 0, ...u16(5), ...u16(list.length), ...list]
    return Buffer.from([0x12, 0x34, 0x81, 0x80, ...u16(1), ...u16(1), ...u16(0), ...u16(0), ...wire(name), ...u16(65), ...u16(1), 0xc0, 12, ...u16(65), ...u16(1), 0, 0, 0x0e, 0x10, ...u16(rdata.length), ...rdata])
  }

  it('counts a name sent beside a GREASE ECH extension as in clear, and says why', async () => {
    const r = await run(tlsSession(ZOOM, 240, {sni: 'kemlu-go-id.zoom.us', serverHello: serverHello(0xc02f), clientHello: withEch('kemlu-go-id.zoom.us')}), {home: 'ID'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-003')
    expect(f?.detail).toMatch(/^1 handshake to call servers sent the server name in clear \(no Encrypted Client Hello\): "kemlu-go-id\.zoom\.us"\. It also carried an Encrypted Client Hello extension, which did not hide the name/)
    expect(f?.evidence[0]!.description).toContain('(and an ECH extension that did not hide it)')
  })

  it('does not count an SNI that is the public name of an ECH config the capture\'s DNS offered', async () => {
    const dns = [
      frame(0, CLIENT, '8.8.8.8', udp({sport: 53000, dport: 53}, dnsQuery({id: 0x1234, name: 'kemlu-go-id.zoom.us', type: 'A'})), IPPROTO.UDP),
      frame(10, '8.8.8.8', CLIENT, udp({sport: 53, dport: 53000}, httpsAnswer('kemlu-go-id.zoom.us', 'front.example')), IPPROTO.UDP),
    ]
    const hidden = await run([...dns, ...tlsSession(ZOOM, 240, {sni: 'front.example', serverHello: serverHello(0xc02f), clientHello: withEch('front.example')}, 100)], {home: 'ID'})
    expect(ids(hidden)).not.toContain('CA-META-003')
    // The same public name without the extension is a name in clear like any other.
    const plain = await run([...dns, ...tlsSession(ZOOM, 240, {sni: 'front.example', serverHello: serverHello(0xc02f)}, 100)], {home: 'ID'})
    expect(plain.findings.find((x) => x.ruleId === 'CA-META-003')?.detail).toContain('"front.example"')
  })
})

describe('CA-CRYPTO-001/002: obsolete versions and weak suites on call servers', () => {
  it('fires on TLS 1.0 with RC4 to a Zoom server', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(0x0005, 0x0301)}), {home: 'US'})
    expect(ids(r)).toEqual(expect.arrayContaining(['CA-CRYPTO-001', 'CA-CRYPTO-002']))
  })

  it('stays quiet on TLS 1.2 with AES-GCM', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'US'})
    expect(ids(r).filter((id) => id.startsWith('CA-CRYPTO'))).toEqual([])
  })
})

describe('CA-CRYPTO-006: a key exchange without forward secrecy on a call server', () => {
  const only006 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-CRYPTO-006')

  it('fires on TLS 1.2 with RSA key transport (TLS_RSA_WITH_AES_128_GCM_SHA256) to a Zoom server, naming the suite', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(0x009c)}), {home: 'US'})
    const [f] = only006(r)
    expect(f?.severity).toBe('medium')
    expect(f?.evidence[0]?.description).toBe(`${ASHBURN} chose TLS_RSA_WITH_AES_128_GCM_SHA256 in TLS: RSA key transport, no forward secrecy`)
    // Not a weak suite in CA-CRYPTO-002's sense: AES-GCM is sound, the key exchange is not.
    expect(ids(r)).not.toContain('CA-CRYPTO-002')
  })

  it('fires on static ECDH (TLS_ECDH_RSA_WITH_AES_128_CBC_SHA)', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(0xc00e)}), {home: 'US'})
    expect(only006(r)[0]?.evidence[0]?.description).toContain('static ECDH')
  })

  it('stays quiet on ECDHE and DHE suites', async () => {
    for (const suite of [0xc02f, 0x009e]) {
      const r = await run(tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(suite)}), {home: 'US'})
      expect(only006(r)).toEqual([])
    }
  })

  it('fires on a WebRTC DTLS handshake whose server chose RSA key transport', async () => {
    const google = '142.250.82.76'
    const u = {sport: 38152, dport: 19305}
    const back = {sport: 19305, dport: 38152}
    const txid = Buffer.alloc(12, 9)
    const clientHello = clientHelloBody({dtls: true, cipherSuites: [0xc02b, 0x002f], extensions: [ext.useSrtp([0x0001, 0x0007])]})
    const hello = serverHelloBody({legacyVersion: 0xfefd, cipherSuite: 0x002f, extensions: [ext.useSrtp([0x0007])]})
    const r = await run([
      frame(0, CLIENT, google, udp(u, stunBindingRequest({txid})), IPPROTO.UDP),
      frame(30, google, CLIENT, udp(back, stunBindingSuccess({txid, mapped: {ip: '203.0.113.7', port: 61045}})), IPPROTO.UDP),
      frame(31, CLIENT, google, udp(u, dtlsRecord(22, Buffer.concat(dtlsFragments(1, 0, clientHello)), {seq: 0})), IPPROTO.UDP),
      frame(61, google, CLIENT, udp(back, dtlsRecord(22, Buffer.concat(dtlsFragments(2, 0, hello)), {seq: 0})), IPPROTO.UDP),
    ], {home: 'US'})
    expect(only006(r)[0]?.evidence[0]).toMatchObject({frame: 4, description: `${google} chose TLS_RSA_WITH_AES_128_CBC_SHA in DTLS: RSA key transport, no forward secrecy`})
  })
})

describe('CA-META-012: ZRTP Hellos carry the device ZID in clear', () => {
  const PEER = '203.0.113.50'
  const zid = Buffer.from('a11ce0000000000000000001', 'hex')
  function call(o: {pbx?: boolean; zrtp?: boolean} = {}): Frame[] {
    const u = {sport: 49170, dport: 30000}
    const back = {sport: 30000, dport: 49170}
    const frames: Frame[] = []
    for (let i = 0; i < 60; i++) frames.push(frame(20 * i, CLIENT, PEER, udp(u, rtp({pt: 0, seq: 100 + i, timestamp: 160 * i, ssrc: 0x11223344}, Buffer.alloc(160, i))), IPPROTO.UDP))
    if (o.zrtp !== false) {
      frames.push(frame(1, CLIENT, PEER, udp(u, zrtpHello({clientId: 'LINPHONE-ZRTPCPP', zid})), IPPROTO.UDP))
      frames.push(frame(2, PEER, CLIENT, udp(back, zrtpHello({clientId: 'Acme PBX', zid: Buffer.alloc(12, 0x0b), mitm: o.pbx})), IPPROTO.UDP))
      frames.push(frame(3, CLIENT, PEER, udp(u, zrtpCommit(zid)), IPPROTO.UDP))
      frames.push(frame(4, PEER, CLIENT, udp(back, zrtpSimple('Conf2ACK')), IPPROTO.UDP))
    }
    return frames
  }
  const meta012 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-012')

  it('fires, low, naming the ZID and client id of each side with its frame', async () => {
    const [f] = meta012(await run(call(), {home: 'US'}))
    expect(f?.severity).toBe('low')
    expect(f?.evidence.map((e) => [e.frame, e.description])).toEqual([
      [2, `ZRTP Hello from ${CLIENT} (client id "LINPHONE-ZRTPCPP") carries ZID a11ce0000000000000000001`],
      [3, `ZRTP Hello from ${PEER} (client id "Acme PBX") carries ZID 0b0b0b0b0b0b0b0b0b0b0b0b`],
    ])
  })

  it('is medium when the far end is a trusted MiTM (a PBX holding the media keys)', async () => {
    const [f] = meta012(await run(call({pbx: true}), {home: 'US'}))
    expect(f?.severity).toBe('medium')
    expect(f?.detail).toContain(`trusted MiTM ("Acme PBX" at ${PEER})`)
  })

  it('stays quiet on the same media without ZRTP', async () => {
    expect(meta012(await run(call({zrtp: false}), {home: 'US'}))).toEqual([])
  })
})

describe('CA-META-019: keys the caller pressed, readable in clear', () => {
  const BRIDGE = '203.0.113.60'
  /** A call to a conference bridge: G.711 audio, then a PIN typed as RFC 4733 telephone-events
   * (each key: three growing packets on one timestamp, then the end packet three times). */
  function call(o: {keys?: boolean} = {}): Frame[] {
    const u = {sport: 49180, dport: 31000}
    const frames: Frame[] = []
    let seq = 500
    let ms = 0
    const send = (pt: number, ts: number, payload: Buffer) => frames.push(frame((ms += 20), CLIENT, BRIDGE, udp(u, rtp({pt, seq: seq++, timestamp: ts, ssrc: 0x0d7f0001}, payload)), IPPROTO.UDP))
    for (let i = 0; i < 40; i++) send(8, 160 * i, Buffer.alloc(160, 0xd5 ^ (i & 3)))
    if (o.keys !== false) {
      for (const [n, key] of [2, 0, 2, 6, 11].entries()) {
        const ts = 160 * (40 + 8 * n)
        for (let k = 0; k < 6; k++) {
          const duration = 160 * Math.min(k + 1, 4)
          send(101, ts, Buffer.from([key, (k >= 3 ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]))
        }
      }
    }
    return frames
  }
  const meta019 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-019')

  it('fires, high, counting the presses and naming the first one\'s frame, without the keys', async () => {
    const [f] = meta019(await run(call(), {home: 'US'}))
    expect(f?.severity).toBe('high')
    expect(f?.detail).toMatch(new RegExp(`^5 DTMF key presses went in clear as RTP telephone-events \\(RFC 4733\\) between ${CLIENT}:49180 and ${BRIDGE}:31000, sent by ${CLIENT}:49180: `))
    expect(f?.detail).toContain('The keys are not shown here.')
    expect(f?.evidence.map((e) => [e.frame, e.description])).toEqual([[41, 'SSRC 0x0d7f0001 (client): 5 key presses on payload type 101, the first starting here']])
  })

  it('stays quiet on the same call without key presses', async () => {
    expect(meta019(await run(call({keys: false}), {home: 'US'}))).toEqual([])
  })

  it('CA-META-020 (low), not CA-META-019, when the keys went in SRTP: counted and timed, not read', async () => {
    const u = {sport: 49190, dport: 31002}
    const frames: Frame[] = []
    let seq = 10
    let ts = 0
    let ms = 0
    const send = (pt: number, payload: Buffer, marker = false) => frames.push(frame((ms += 20), CLIENT, BRIDGE, udp(u, rtp({pt, seq: seq++, timestamp: ts, ssrc: 0x0d7f0002, marker}, payload)), IPPROTO.UDP))
    const noise = (n: number) => createHash('sha256').update(String(n)).digest()
    for (let key = 0; key < 4; key++) {
      for (let i = 0; i < 10; i++, ts += 960) send(111, Buffer.concat([noise(seq), noise(-seq), noise(seq * 7)]).subarray(0, 80))
      // Each key: three packets of one timestamp, marked, 4 octets encrypted with a 10-octet tag.
      for (let i = 0; i < 3; i++) send(126, noise(seq).subarray(0, 14), true)
      ts += 960 * 4
    }
    const r = await run(frames, {home: 'US'})
    expect(meta019(r)).toEqual([])
    const [f] = r.findings.filter((x) => x.ruleId === 'CA-META-020')
    expect(f?.severity).toBe('low')
    expect(f?.detail).toBe(
      `4 DTMF key presses went as telephone-events in encrypted media (SRTP) between ${CLIENT}:49190 and ${BRIDGE}:31002: the keys are encrypted, but anyone on the path counts them and sees when each was pressed (the length of a PIN or passcode, the rhythm of typing it).`,
    )
    expect(f?.evidence.map((e) => e.frame)).toEqual([11])
  })

  it('fires on keys a phone relays in SIP INFO requests, naming the body type and the first', async () => {
    const sip = (ms: number, text: string, back = false) => {
      const ports = back ? {sport: 5060, dport: 5062} : {sport: 5062, dport: 5060}
      return frame(ms, back ? BRIDGE : CLIENT, back ? CLIENT : BRIDGE, udp(ports, Buffer.from(text, 'latin1')), IPPROTO.UDP)
    }
    // The INVITE, its answer and 40 audio packets (to 800 ms) come first: the INFOs are frames 43, 44.
    const frames = [sip(0, invite()), sip(50, ok(), true), sip(2000, info(2, 'application/dtmf-relay', 'Signal=1\r\nDuration=160\r\n')), sip(2300, info(3, 'application/dtmf-relay', 'Signal=*\r\nDuration=160\r\n'))]
    const [f] = meta019(await run([...frames, ...call({keys: false})], {home: 'US'}))
    expect(f?.severity).toBe('high')
    expect(f?.detail).toMatch(new RegExp(`^2 DTMF key presses went in clear in SIP INFO requests \\(application/dtmf-relay\\) between ${CLIENT}:5062 and ${BRIDGE}:5060: `))
    expect(f?.evidence.map((e) => [e.frame, e.description])).toEqual([[43, 'the first SIP INFO request with a DTMF key (of 2)']])
  })
})

describe('CA-META-013: the caller device names itself to the local network', () => {
  const OTHER = '192.168.0.77'
  const announce = (name: string, ip: string) => dnsMessage({id: 0, flags: 0x8400, answers: [{name, type: 'A', ttl: 120, value: ip}]})
  function lan(o: {caller: boolean}): Frame[] {
    const bcast = {sport: 68, dport: 67}
    const mdns = {sport: 5353, dport: 5353}
    const frames = [
      ...tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(0xc02f)}, 1000),
      // Another device on the segment: its DHCP and mDNS names are not the caller's.
      frame(5, '0.0.0.0', '255.255.255.255', udp(bcast, dhcpRequest({xid: 2, mac: '02:00:00:00:00:77', hostname: 'other-phone', requestedIp: OTHER})), IPPROTO.UDP),
      frame(6, OTHER, '224.0.0.251', udp(mdns, announce('others-iphone.local', OTHER)), IPPROTO.UDP),
    ]
    if (o.caller) {
      frames.push(
        frame(1, '0.0.0.0', '255.255.255.255', udp(bcast, dhcpRequest({xid: 1, mac: 'a4:83:e7:12:34:56', hostname: 'jurgen-mueller-laptop', requestedIp: CLIENT})), IPPROTO.UDP),
        frame(2, CLIENT, '224.0.0.251', udp(mdns, announce('Jurgens-MacBook.local', CLIENT)), IPPROTO.UDP),
        // A query names what the caller looks for, not the caller: left out.
        frame(3, CLIENT, '224.0.0.251', udp(mdns, dnsQuery({id: 0, name: 'ministry-fs01.local'})), IPPROTO.UDP),
      )
    }
    return frames
  }
  const meta013 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-013')

  it('fires, low, on the DHCP host name of the caller MAC and the mDNS name the caller address announced, and on nothing of the other device', async () => {
    const [f] = meta013(await run(lan({caller: true}), {home: 'US'}))
    expect(f?.severity).toBe('low')
    expect(f?.evidence.map((e) => [e.frame, e.description])).toEqual([
      [1, 'DHCP host name "jurgen-mueller-laptop"'],
      [2, 'mDNS host name "Jurgens-MacBook.local"'],
    ])
    expect(f?.detail).toContain(`The caller's device (${CLIENT}) announced itself to everyone on its local network in DHCP, mDNS: 2 names and descriptions, among them "jurgen-mueller-laptop", "Jurgens-MacBook.local".`)
  })

  it('stays quiet when only another device names itself', async () => {
    expect(meta013(await run(lan({caller: false}), {home: 'US'}))).toEqual([])
  })
})

describe('CA-META-014: RTP header extensions in clear on encrypted media', () => {
  const PEER = '142.250.82.76'
  /** SRTP-like audio: random payloads, with a one-byte extension (audio level id 1, MID id 4) or
   * the given profile. */
  function srtp(profile: number | undefined): Frame[] {
    const frames: Frame[] = []
    for (let i = 0; i < 60; i++) {
      const payload = Buffer.concat([0, 1, 2].map((k) => createHash('sha256').update(`${i}/${k}`).digest()))
      const data = Buffer.from([0x10, 0x80 | (i % 100), 0x40, 0x30]) // id 1 (1 byte), id 4 (1 byte)
      const extension = profile === undefined ? undefined : {profile, data}
      frames.push(frame(20 * i, CLIENT, PEER, udp({sport: 50000, dport: 19305}, rtp({pt: 111, seq: 7000 + i, timestamp: 960 * i, ssrc: 0x0a0b0c0d, ...(extension ? {extension} : {})}, payload)), IPPROTO.UDP))
    }
    return frames
  }
  const meta014 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-014')

  it('fires, info, on SRTP with one-byte header extensions, naming the element ids', async () => {
    const [f] = meta014(await run(srtp(0xbede), {home: 'US'}))
    expect(f?.severity).toBe('info')
    expect(f?.evidence[0]?.description).toBe(`SSRC 0x0a0b0c0d from ${CLIENT} (dynamic 111; 60 packets, encrypted): one-byte header extensions (RFC 8285) in clear, element ids 1, 4`)
  })

  it('stays quiet with cryptex (RFC 9335 profile 0xC0DE) and without extensions', async () => {
    expect(meta014(await run(srtp(0xc0de), {home: 'US'}))).toEqual([])
    expect(meta014(await run(srtp(undefined), {home: 'US'}))).toEqual([])
  })
})

describe('CA-META-015: IKEv1 Aggressive Mode names the VPN user in clear', () => {
  const GATEWAY = '203.0.113.80'
  const ike = {sport: 500, dport: 500}
  const exchange = (authMethod: number): Frame[] => [
    frame(0, CLIENT, GATEWAY, udp(ike, ikev1Message([ikev1.sa(authMethod), ikev1.opaque(4), ikev1.opaque(10), ikev1.id(3, Buffer.from('jurgen.mueller@acme-ministry.example'))])), IPPROTO.UDP),
    frame(30, GATEWAY, CLIENT, udp(ike, ikev1Message([ikev1.sa(authMethod), ikev1.opaque(4), ikev1.opaque(10), ikev1.id(2, Buffer.from('vpn.acme-ministry.example')), ikev1.opaque(8)], {responder: true})), IPPROTO.UDP),
  ]
  const meta015 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-015')

  it('fires, high with a pre-shared key, naming both identities with their frames', async () => {
    const [f] = meta015(await run(exchange(1), {home: 'US'}))
    expect(f?.severity).toBe('high')
    expect(f?.evidence.map((e) => [e.frame, e.description])).toEqual([
      [1, `IKEv1 identity user FQDN "jurgen.mueller@acme-ministry.example" sent in clear by ${CLIENT}`],
      [2, `IKEv1 identity FQDN "vpn.acme-ministry.example" sent in clear by ${GATEWAY}`],
    ])
  })

  it('is medium with signatures, and stays quiet on IKEv2', async () => {
    expect(meta015(await run(exchange(3), {home: 'US'}))[0]?.severity).toBe('medium')
    expect(meta015(await run([frame(0, CLIENT, GATEWAY, udp(ike, ikeMessage()), IPPROTO.UDP), frame(30, GATEWAY, CLIENT, udp(ike, ikeMessage({responder: true})), IPPROTO.UDP)], {home: 'US'}))).toEqual([])
  })
})

describe('CA-GEO-002: located at home, registered abroad', () => {
  const media = () => tlsSession('149.137.41.57', 20, {sni: 'zoomsg41mmr.sg.zoom.us', serverHello: serverHello(0xc02f)}) // SG, registered US
  it('fires when home is SG and the block is registered in the US', async () => {
    expect(ids(await run(media(), {home: 'SG'}))).toContain('CA-GEO-002')
  })
  it('stays quiet when the US is allowed too', async () => {
    expect(ids(await run(media(), {home: 'SG', allow: 'US'}))).not.toContain('CA-GEO-002')
  })
})

describe('CA-META-006: unencrypted RTP', () => {
  function stream(payload: (i: number) => Buffer): Frame[] {
    const frames: Frame[] = []
    for (let i = 0; i < 60; i++) {
      const packet = rtp({pt: 0, seq: 100 + i, timestamp: 160 * i, ssrc: 0x11223344}, payload(i))
      frames.push(frame(20 * i, CLIENT, '149.137.41.57', udp({sport: 40000, dport: 40002}, packet), IPPROTO.UDP))
      frames.push(frame(20 * i + 5, '149.137.41.57', CLIENT, udp({sport: 40002, dport: 40000}, rtp({pt: 0, seq: 500 + i, timestamp: 160 * i, ssrc: 0x55667788}, payload(i + 1000))), IPPROTO.UDP))
    }
    return frames
  }
  // PCMU (G.711 µ-law) near silence: bytes around 0xff/0x7f, the textbook plain-RTP payload.
  const pcmuSilence = (i: number) => Buffer.from(Array.from({length: 160}, (_, k) => ((i + k) % 7 === 0 ? 0xfe : 0xff)))
  // Encrypted payloads look uniformly random; a fixed-seed generator keeps the test stable.
  const random = (i: number) => {
    let x = (i + 1) * 2654435761
    return Buffer.from(Array.from({length: 160}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)))
  }
  it('fires on plain G.711 audio', async () => {
    expect(ids(await run(stream(pcmuSilence), {home: 'SG'}))).toContain('CA-META-006')
  })
  it('stays quiet when the payload looks encrypted', async () => {
    expect(ids(await run(stream(random), {home: 'SG'}))).not.toContain('CA-META-006')
  })
})

describe('CA-CRYPTO-004: repeated cipher blocks (ECB)', () => {
  // A random 16-byte "ciphertext" per distinct plaintext block, the same every time it recurs,
  // as AES-ECB gives; the plaintext is mostly a repeated silence frame.
  const codebook = new Map<number, Buffer>()
  const ecbBlock = (plain: number) => {
    if (!codebook.has(plain)) {
      let x = (plain + 7) * 2246822519
      codebook.set(plain, Buffer.from(Array.from({length: 16}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24))))
    }
    return codebook.get(plain)!
  }
  const ecbPayload = (i: number) => Buffer.concat(Array.from({length: 10}, (_, k) => ecbBlock(i % 4 === 0 ? i * 10 + k : k)))
  const ctrPayload = (i: number) => {
    let x = (i + 3) * 2654435761
    return Buffer.from(Array.from({length: 160}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)))
  }
  function media(payload: (i: number) => Buffer): Frame[] {
    return Array.from({length: 60}, (_, i) => frame(20 * i, CLIENT, '149.137.41.57', udp({sport: 40000, dport: 40002}, rtp({pt: 111, seq: 100 + i, timestamp: 960 * i, ssrc: 0x0badcafe}, payload(i))), IPPROTO.UDP))
  }
  it('fires when encrypted-looking media repeats whole blocks', async () => {
    const r = await run(media(ecbPayload), {home: 'SG'})
    const f = r.findings.find((x) => x.ruleId === 'CA-CRYPTO-004')
    expect(f?.evidence[0]?.description).toMatch(/repeat an earlier block/)
    expect(ids(r)).not.toContain("CA-META-006")
  })
  it('stays quiet for media encrypted in a proper mode', async () => {
    expect(ids(await run(media(ctrPayload), {home: 'SG'}))).not.toContain('CA-CRYPTO-004')
  })
  it('stays quiet when every packet of such media was captured twice (a mirror port, -i any)', async () => {
    // The copy repeats each payload's blocks exactly: judged on packets that advance the
    // stream, the duplicates add no repeated block.
    const twice = media(ctrPayload).flatMap((f) => [f, f])
    const r = await run(twice, {home: 'SG'})
    expect(ids(r)).not.toContain('CA-CRYPTO-004')
    // The stream was still judged (encrypted), on its 60 distinct packets.
    const streams = r.flows.flatMap((f) => ((f.protocols as {rtp?: {streams: Array<{packets: number; content: {verdict: string; sampledPackets: number}}>}} | undefined)?.rtp?.streams ?? []))
    expect(streams.map((s) => [s.packets, s.content.verdict])).toEqual([[120, 'encrypted']])
  })
})

/** The frame with every occurrence of IPv4 address `from` replaced by `to` (checksums are not checked). */
function swapAddress(bytes: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from.split('.').map(Number))
  const b = Buffer.from(to.split('.').map(Number))
  const out = Buffer.from(bytes)
  for (let i = out.indexOf(a); i >= 0; i = out.indexOf(a, i + 4)) b.copy(out, i)
  return out
}

describe('CA-GEO-006: call traffic through a proxy', () => {
  const PROXY = '10.0.0.8'
  /** A CONNECT to `host:443` through the proxy on 8080, granted, then a TLS ClientHello in the tunnel. */
  function proxied(host: string, sport: number, start: number): Frame[] {
    const c = {sport, dport: 8080}
    const s = {sport: 8080, dport: sport}
    const req = Buffer.from(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`)
    const resp = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n')
    const ch = tlsClientHello({sni: host, version: '1.3'})
    return [
      frame(start, CLIENT, PROXY, tcp({...c, seq: 100, flags: 'S'}), IPPROTO.TCP),
      frame(start + 1, PROXY, CLIENT, tcp({...s, seq: 900, ack: 101, flags: 'SA'}), IPPROTO.TCP),
      frame(start + 2, CLIENT, PROXY, tcp({...c, seq: 101, ack: 901, flags: 'A'}), IPPROTO.TCP),
      frame(start + 3, CLIENT, PROXY, tcp({...c, seq: 101, ack: 901, flags: 'PA'}, req), IPPROTO.TCP),
      frame(start + 30, PROXY, CLIENT, tcp({...s, seq: 901, ack: 101 + req.length, flags: 'PA'}, resp), IPPROTO.TCP),
      frame(start + 31, CLIENT, PROXY, tcp({...c, seq: 101 + req.length, ack: 901 + resp.length, flags: 'PA'}, ch), IPPROTO.TCP),
    ]
  }
  it('fires for the call behind a local proxy, naming what was asked of it', async () => {
    const r = await run([...proxied('kemlu-go-id.zoom.us', 50200, 0), ...proxied('log.zoom.us', 50201, 100)], {home: 'ID'})
    const f = r.findings.find((x) => x.ruleId === 'CA-GEO-006')
    expect(f?.endpoint).toBe(PROXY)
    expect(f?.flowIds).toEqual([1, 2])
    expect(f?.detail).toMatch(/^2 call flows of zoom went through the HTTP CONNECT proxy 10\.0\.0\.8:8080 \(an address of the local network\), asking it for "kemlu-go-id\.zoom\.us:443", "log\.zoom\.us:443"\./)
    // Cited at the CONNECT requests (frames 4 and 10, 3 ms into each connection).
    expect(f?.evidence.map((e) => [e.frame, e.time])).toEqual([
      [4, '2025-11-20T00:53:20.003000Z'],
      [10, '2025-11-20T00:53:20.103000Z'],
    ])
  })
  it('names a proxy abroad by its location, and its endpoint by hosts, not authorities', async () => {
    const r = await run(proxied('kemlu-go-id.zoom.us', 50200, 0).map((f) => ({...f, bytes: swapAddress(f.bytes, PROXY, ASHBURN)})), {home: 'ID'})
    expect(r.findings.find((x) => x.ruleId === 'CA-GEO-006')?.detail).toMatch(/proxy 52\.202\.62\.196:8080 \(located in US\)/)
    // The names the client asked for are the servers' behind the proxy, not the proxy's own.
    expect(r.endpoints.find((e) => e.ip === ASHBURN)?.names).toEqual([])
    expect(r.findings.find((x) => x.ruleId === 'CA-GEO-001')?.detail).toMatch(/^52\.202\.62\.196 is located in Ashburn/)
    expect(r.tenants.map((t) => t.names)).toEqual([['kemlu-go-id.zoom.us']])
    // CA-META-002 cites the packets that carried the name (the CONNECT, the ClientHello in the
    // tunnel), not the connection's SYN.
    const org = r.findings.find((x) => x.ruleId === 'CA-META-002')
    expect(org?.detail).toMatch(/, frames 4, 6\.$/)
    expect(org?.evidence.map((e) => [e.frame, e.time])).toEqual([[4, '2025-11-20T00:53:20.003000Z']])
  })
  it('names a server by the host of a Host header that carries a port', async () => {
    const c = {sport: 50300, dport: 8080}
    const get = Buffer.from('GET / HTTP/1.1\r\nHost: Kemlu-Go-Id.zoom.us:8080\r\n\r\n')
    const r = await run([
      frame(0, CLIENT, ASHBURN, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
      frame(200, ASHBURN, CLIENT, tcp({sport: 8080, dport: 50300, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
      frame(201, CLIENT, ASHBURN, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, get), IPPROTO.TCP),
    ], {home: 'ID'})
    expect(r.endpoints.find((e) => e.ip === ASHBURN)?.names).toEqual(['kemlu-go-id.zoom.us'])
  })
  it('stays quiet for the same call made directly, and for a proxied site that is not the call', async () => {
    expect(ids(await run(tlsSession(ASHBURN, 240, {sni: 'kemlu-go-id.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'ID'}))).not.toContain('CA-GEO-006')
    expect(ids(await run(proxied('www.example.org', 50200, 0), {home: 'ID'}))).not.toContain('CA-GEO-006')
  })
})

describe('CA-CRYPTO-003: certificates expired at the time of the call', () => {
  // LEAF_DER is valid 2023-03-01 .. 2023-06-01 (test/protocols/tls/test-certificates.ts).
  const certificateRecord = () => {
    const body = handshake(11, certificateBody([LEAF_DER, CA_DER]))
    const head = Buffer.from([22, 3, 3, 0, 0])
    head.writeUInt16BE(body.length, 3)
    return Buffer.concat([head, body])
  }
  const session = () => tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: Buffer.concat([serverHello(0xc02f), certificateRecord()])})
  it('fires for a call captured after the certificate expired', async () => {
    const r = await run(session(), {home: 'US'}, undefined, 1_700_000_000) // November 2023
    expect(r.findings.find((f) => f.ruleId === 'CA-CRYPTO-003')?.evidence[0]?.description).toMatch(/expired/)
  })
  it('stays quiet for a call captured while it was valid', async () => {
    expect(ids(await run(session(), {home: 'US'}, undefined, 1_681_516_800))).not.toContain('CA-CRYPTO-003') // April 2023
  })
})

describe('CA-META-008: cleartext HTTP secrets, meeting data or not', () => {
  /** One cleartext HTTP request to `server` on port 80. */
  function httpRequest(server: string, head: string, sport = 50600): Frame[] {
    const request = Buffer.from(`${head}\r\n\r\n`)
    const c = {sport, dport: 80}
    return [
      frame(0, CLIENT, server, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
      frame(200, server, CLIENT, tcp({sport: 80, dport: sport, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
      frame(201, CLIENT, server, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, request), IPPROTO.TCP),
    ]
  }
  const meta008 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-008')
  const ZOOM_WEB = '170.114.10.73'

  it('fires, low, on a cookie sent to a server of no conferencing app, and does not call it meeting data', async () => {
    const r = await run(httpRequest(ASHBURN, 'POST /api/v1/events HTTP/1.1\r\nHost: api.example.com\r\nCookie: session=abc123'), {home: 'US'})
    expect(r.flows.map((f) => f.app)).toEqual([null])
    const [f, ...rest] = meta008(r)
    expect(rest).toEqual([])
    expect(f?.severity).toBe('low')
    expect(f?.detail).toBe(`Cleartext HTTP to ${ASHBURN} carries cookies or credentials of a service that is not the call (no conferencing app was identified on the flow): anyone on the path can read them and may take over that session; they reveal nothing of the meeting (values shown redacted).`)
    expect(f?.evidence.map((e) => e.description)).toEqual(['POST "api.example.com/api/v1/events" carries a Cookie header'])
    expect(JSON.stringify(r)).not.toContain('abc123')
  })

  it("fires, high, on a cookie sent to the conferencing app's server: the call's session", async () => {
    const r = await run(httpRequest(ZOOM_WEB, 'GET /wc/home HTTP/1.1\r\nHost: us05web.zoom.us\r\nCookie: _zm_ssid=abc123'), {home: 'US'})
    expect(r.flows.map((f) => f.app)).toEqual(['zoom'])
    const [f] = meta008(r)
    expect(f?.severity).toBe('high')
    expect(f?.detail).toBe(`Cleartext HTTP to ${ZOOM_WEB}, a server of Zoom, carries the session's cookies or credentials: anyone on the path can read them and take over the session with Zoom (values shown redacted).`)
  })

  it('a self-hosted Jitsi Meet: its web client opening the XMPP transport for a room names the app and the room (masked), on any host', async () => {
    const r = await run(httpRequest(ASHBURN, 'GET /xmpp-websocket?room=crisiscell HTTP/1.1\r\nHost: meet.ministry.example\r\nUpgrade: websocket\r\nConnection: Upgrade'), {home: 'US'})
    expect(r.apps.map((a) => [a.app, a.confidence])).toEqual([['jitsi', 'high']])
    expect(r.apps[0]!.evidence.find((e) => e.kind === 'payload')).toMatchObject({value: 'request for Jitsi Meet room cr••••••ll', match: 'jitsi-room', frames: [3]})
    expect(r.flows[0]).toMatchObject({app: 'jitsi', role: 'control'})
    expect(meta008(r)[0]?.evidence[0]?.description).toBe('GET "meet.ministry.example/xmpp-websocket?room=cr••••••ll" carries Jitsi meeting link "cr••••••ll"')
    expect(JSON.stringify(r)).not.toContain('crisiscell')
    // A room parameter elsewhere, or a Jitsi room only in a Referer, names no app.
    const hotel = await run(httpRequest(ASHBURN, 'GET /booking?room=crisiscell HTTP/1.1\r\nHost: hotel.example'), {home: 'US'})
    expect(hotel.apps).toEqual([])
    const referred = await run(httpRequest(ASHBURN, 'GET /pixel.gif HTTP/1.1\r\nHost: tracker.example.com\r\nReferer: http://meet.ministry.example/http-bind?room=crisiscell'), {home: 'US'})
    expect(referred.apps).toEqual([])
  })

  it('fires, high, on a meeting link wherever it travels: in a Referer to a site of no conferencing app', async () => {
    const r = await run(httpRequest(ASHBURN, 'GET /pixel.gif HTTP/1.1\r\nHost: tracker.example.com\r\nReferer: http://zoom.us/j/81234567890?pwd=Xy7abc'), {home: 'US'})
    expect(r.flows.map((f) => f.app)).toEqual([null])
    const [f] = meta008(r)
    expect(f?.severity).toBe('high')
    expect(f?.detail).toBe(`Cleartext HTTP to ${ASHBURN} carries a meeting link: anyone on the path can read it and join the meeting (values shown redacted).`)
    expect(f?.evidence[0]?.description).toBe('GET "tracker.example.com/pixel.gif" carries Zoom meeting link "81•••••••90" with its passcode in its Referer, secret parameters pwd')
    expect(JSON.stringify(r)).not.toContain('Xy7abc')
  })

  it('fires, high, on a meeting link that comes back in a redirect from a link shortener', async () => {
    const head = 'GET /m3et HTTP/1.1\r\nHost: sho.rt'
    const request = httpRequest(ASHBURN, head, 50610)
    const ask = Buffer.byteLength(`${head}\r\n\r\n`)
    const response = Buffer.from('HTTP/1.1 302 Found\r\nLocation: https://zoom.us/j/81234567890?pwd=Xy7abc\r\nContent-Length: 0\r\n\r\n')
    const r = await run([...request, frame(400, ASHBURN, CLIENT, tcp({sport: 80, dport: 50610, seq: 8, ack: 2 + ask, flags: 'PA'}, response), IPPROTO.TCP)], {home: 'US'})
    const [f] = meta008(r)
    expect(f?.severity).toBe('high')
    expect(f?.evidence.map((e) => [e.frame, e.description])).toEqual([[4, 'response 302 to GET "sho.rt/m3et" carries the Zoom meeting link "81•••••••90" with its passcode in its Location "https://zoom.us/j/81•••••••90?pwd=***"']])
    expect(JSON.stringify(r)).not.toContain('Xy7abc')
  })
})

describe('CA-META-007 / CA-META-010: RTCP SDES items, personal or not', () => {
  type Item = {type: 'CNAME' | 'NAME' | 'EMAIL' | 'PHONE' | 'LOC' | 'TOOL' | 'NOTE' | 'PRIV'; text: string}
  const rtcp = (items: Item[]) => Array.from({length: 4}, (_, i) => frame(1000 * i, CLIENT, '149.137.41.57', udp({sport: 40001, dport: 40003}, rtcpSdes([{ssrc: 0x0a0b0c0d, items}])), IPPROTO.UDP))
  const of = (r: Report, rule: string) => r.findings.filter((f) => f.ruleId === rule)

  it("calls a PBX's banner, the client's TOOL and a random CNAME's host no personal data: an info finding worded as software and notes", async () => {
    const r = await run(rtcp([{type: 'CNAME', text: '11894297-4432a9f8@192.168.1.2'}, {type: 'TOOL', text: 'SIPPS'}, {type: 'NOTE', text: 'FreeSWITCH.org -- Come to ClueCon.com'}]), {home: 'SG'})
    expect(of(r, 'CA-META-007')).toEqual([])
    const [f, ...rest] = of(r, 'CA-META-010')
    expect(rest).toEqual([])
    expect(f?.severity).toBe('info')
    expect(f?.title).toBe('RTCP SDES items in clear name the software or carry notes')
    expect(f?.detail).toBe(`Unencrypted RTCP between ${CLIENT} and 149.137.41.57 carries source descriptions that name the software or carry notes: TOOL "SIPPS"; NOTE "FreeSWITCH.org -- Come to ClueCon.com". They tell an observer which client or server software took part; they name no one.`)
    expect(f?.detail).not.toMatch(/personal/)
  })

  it('fires, high, on NAME, and on a NOTE that holds an e-mail address or a phone number', async () => {
    const named = await run(rtcp([{type: 'CNAME', text: 'k3J9xQ2mZp'}, {type: 'NAME', text: 'Jane Doe'}, {type: 'TOOL', text: 'SIPPS'}]), {home: 'SG'})
    const [f] = of(named, 'CA-META-007')
    expect(f?.severity).toBe('high')
    expect(f?.detail).toBe(`Unencrypted RTCP between ${CLIENT} and 149.137.41.57 carries source descriptions that identify the participant: NAME "Jane Doe".`)
    // The TOOL item is reported apart, as software.
    expect(of(named, 'CA-META-010').map((x) => x.detail)).toEqual([expect.stringContaining('TOOL "SIPPS"')])
    for (const text of ['back at 3, mail jane.doe@ministry.example', 'call +62 21 384 8626']) {
      const note = await run(rtcp([{type: 'NOTE', text}]), {home: 'SG'})
      expect(of(note, 'CA-META-007').map((x) => x.severity), text).toEqual(['high'])
      expect(of(note, 'CA-META-010'), text).toEqual([])
    }
  })

  it('fires, medium, on a location and on a CNAME that carries a login name', async () => {
    for (const item of [{type: 'LOC', text: 'Jakarta, Gedung Pancasila'}, {type: 'CNAME', text: 'bsantoso@192.168.0.105'}] as Item[]) {
      const r = await run(rtcp([item]), {home: 'SG'})
      const [f] = of(r, 'CA-META-007')
      expect(f?.severity, item.text).toBe('medium')
      expect(f?.detail, item.text).toBe(`Unencrypted RTCP between ${CLIENT} and 149.137.41.57 carries source descriptions that describe the participant (a login name or a location): ${item.type} "${item.text}".`)
    }
  })
})

describe('metadata rules stay quiet when there is nothing to leak', () => {
  it('CA-META-008: cleartext HTTP without meeting links, secrets, cookies or credentials', async () => {
    const request = Buffer.from('GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: test\r\n\r\n')
    const c = {sport: 50600, dport: 80}
    const frames = [
      frame(0, CLIENT, ASHBURN, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
      frame(200, ASHBURN, CLIENT, tcp({sport: 80, dport: 50600, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
      frame(201, CLIENT, ASHBURN, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, request), IPPROTO.TCP),
    ]
    const r = await run(frames, {home: 'US'})
    expect(r.flows.some((f) => f.protocols?.['http'])).toBe(true)
    expect(ids(r)).not.toContain('CA-META-008')
  })

  it('CA-META-007: RTCP with only a random CNAME', async () => {
    const frames: Frame[] = []
    for (let i = 0; i < 6; i++) {
      frames.push(frame(1000 * i, CLIENT, '149.137.41.57', udp({sport: 40001, dport: 40003}, rtcpSdes([{ssrc: 0x0a0b0c0d, items: [{type: 'CNAME', text: 'k3J9xQ2mZp'}]}])), IPPROTO.UDP))
    }
    const r = await run(frames, {home: 'SG'})
    // The SDES item was read (so the rule looked at it) and judged harmless.
    expect(JSON.stringify(r.flows.map((f) => f.protocols?.['rtp'] ?? null))).toContain('k3J9xQ2mZp')
    expect(ids(r)).not.toContain('CA-META-007')
    expect(ids(r)).not.toContain('CA-META-010')
  })

  it('CA-META-004: STUN that reveals only the public address', async () => {
    const txid = Buffer.alloc(12, 7)
    const frames = [
      frame(0, CLIENT, '149.137.41.57', udp({sport: 41000, dport: 3478}, stunBindingRequest({txid})), IPPROTO.UDP),
      frame(20, '149.137.41.57', CLIENT, udp({sport: 3478, dport: 41000}, stunBindingSuccess({txid, mapped: {ip: '36.84.217.46', port: 41000}})), IPPROTO.UDP),
    ]
    const r = await run(frames, {home: 'SG'})
    expect(ids(r)).toContain('CA-META-005') // the public address is what STUN is for
    expect(ids(r)).not.toContain('CA-META-004')
  })
})

describe('CA-META-009: client certificate sent in clear', () => {
  const c = {sport: 50700, dport: 443}
  const sv = {sport: 443, dport: 50700}
  // CertificateRequest (RFC 5246 §7.4.4): types rsa_sign/ecdsa_sign, ecdsa_secp256r1_sha256, no CA names.
  const certificateRequest = handshake(13, Buffer.from([2, 1, 64, 0, 2, 0x04, 0x03, 0, 0]))

  /** A TLS 1.2 handshake where the server asks for a client certificate and the client answers
   * with `clientChain` (empty: it has none, RFC 5246 §7.4.6), then switches to encryption. */
  function mutualTls(clientChain: Buffer[]): Frame[] {
    const ch = tlsClientHello({sni: 'vpn.ministry.example', version: '1.2'})
    const serverFlight = Buffer.concat([serverHello(0xc02f), record(22, Buffer.concat([handshake(11, certificateBody([LEAF_DER, CA_DER])), certificateRequest, handshake(14, Buffer.alloc(0))]))])
    const clientFlight = Buffer.concat([
      record(22, Buffer.concat([handshake(11, certificateBody(clientChain)), handshake(16, Buffer.concat([Buffer.from([65]), Buffer.alloc(65, 4)]))])),
      record(20, Buffer.from([1])),
      record(22, Buffer.alloc(40, 0x5a)),
    ])
    return [
      frame(0, CLIENT, ASHBURN, tcp({...c, seq: 1000, flags: 'S'}), IPPROTO.TCP),
      frame(100, ASHBURN, CLIENT, tcp({...sv, seq: 9000, ack: 1001, flags: 'SA'}), IPPROTO.TCP),
      frame(100.1, CLIENT, ASHBURN, tcp({...c, seq: 1001, ack: 9001, flags: 'A'}), IPPROTO.TCP),
      frame(100.2, CLIENT, ASHBURN, tcp({...c, seq: 1001, ack: 9001, flags: 'PA'}, ch), IPPROTO.TCP),
      frame(200.3, ASHBURN, CLIENT, tcp({...sv, seq: 9001, ack: 1001 + ch.length, flags: 'PA'}, serverFlight), IPPROTO.TCP),
      frame(201, CLIENT, ASHBURN, tcp({...c, seq: 1001 + ch.length, ack: 9001 + serverFlight.length, flags: 'PA'}, clientFlight), IPPROTO.TCP),
    ]
  }

  const GOOGLE = '142.250.82.76'
  const u = {sport: 38152, dport: 19305}
  const back = {sport: 19305, dport: 38152}
  const hs = (fragments: Buffer[], seq: number) => dtlsRecord(22, Buffer.concat(fragments), {seq})
  /** A WebRTC DTLS 1.2 handshake after STUN: both sides present `clientCert`-style certificates. */
  function webrtcDtls(clientCert: Buffer): Frame[] {
    const txid = Buffer.alloc(12, 9)
    const clientHello = clientHelloBody({dtls: true, cipherSuites: [0xc02b, 0xc02f], extensions: [ext.useSrtp([0x0001, 0x0007]), ext.supportedGroups([0x001d])]})
    const hello = serverHelloBody({legacyVersion: 0xfefd, cipherSuite: 0xc02b, extensions: [ext.useSrtp([0x0007])]})
    return [
      frame(0, CLIENT, GOOGLE, udp(u, stunBindingRequest({txid})), IPPROTO.UDP),
      frame(30, GOOGLE, CLIENT, udp(back, stunBindingSuccess({txid, mapped: {ip: '203.0.113.7', port: 61045}})), IPPROTO.UDP),
      frame(31, CLIENT, GOOGLE, udp(u, hs(dtlsFragments(1, 0, clientHello), 0)), IPPROTO.UDP),
      frame(61, GOOGLE, CLIENT, udp(back, Buffer.concat([hs(dtlsFragments(2, 0, hello), 0), hs(dtlsFragments(11, 1, certificateBody([WEBRTC_DER])), 1), hs(dtlsFragments(14, 2, Buffer.alloc(0)), 2)])), IPPROTO.UDP),
      frame(62, CLIENT, GOOGLE, udp(u, Buffer.concat([hs(dtlsFragments(11, 1, certificateBody([clientCert])), 1), hs(dtlsFragments(16, 2, Buffer.alloc(65, 4)), 2), dtlsRecord(20, Buffer.from([1]), {seq: 3}), dtlsRecord(22, Buffer.alloc(40), {epoch: 1})])), IPPROTO.UDP),
      frame(92, GOOGLE, CLIENT, udp(back, Buffer.concat([dtlsRecord(20, Buffer.from([1]), {seq: 3}), dtlsRecord(22, Buffer.alloc(40), {epoch: 1})])), IPPROTO.UDP),
    ]
  }
  const meta009 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-009')

  it('fires, high, on a TLS 1.2 client certificate naming a person, with the subject in the evidence', async () => {
    const r = await run(mutualTls([CLIENT_PERSON_DER]), {home: 'US'})
    const found = meta009(r)
    // One finding: the client's certificate; the server's (*.meet.example) is not about the user.
    expect(found).toHaveLength(1)
    const f = found[0]!
    expect(f.severity).toBe('high')
    expect(f.endpoint).toBe(ASHBURN)
    expect(f.detail).toContain('The TLS client sent its certificate in clear to 52.202.62.196 (1 connection)')
    expect(f.detail).toContain('CN "Jane Doe", emailAddress "jane.doe@ministry.example", O "Example Ministry", OU "Delegation"')
    expect(f.detail).not.toContain('meet.example"')
    expect(f.evidence).toEqual([
      {description: 'TLS client certificate CN "Jane Doe" issued by "Jane Doe" sent in clear to 52.202.62.196:443', frame: 6, capture: 0, time: expect.stringMatching(/^2025-11-20T00:53:20\.201/), flowId: f.flowIds[0]},
    ])
  })

  it('fires at the default medium on a device certificate that names no person', async () => {
    const [f] = meta009(await run(mutualTls([CLIENT_DEVICE_DER]), {home: 'US'}))
    expect(f?.severity).toBe('medium')
    expect(f?.detail).toContain('CN "laptop-0042", O "Example Ministry", OU "Laptops"')
  })

  it('fires, high, on a device certificate whose subjectAltName names a person by e-mail', async () => {
    const [f] = meta009(await run(mutualTls([CLIENT_SAN_EMAIL_DER]), {home: 'US'}))
    expect(f?.severity).toBe('high')
    expect(f?.detail).toContain('CN "device-7731", O "Example Ministry". It carries the e-mail address "r.kusuma@ministry.example".')
  })

  it('stays quiet when the client answers the request without a certificate', async () => {
    const r = await run(mutualTls([]), {home: 'US'})
    // The handshake was read on both sides: the server's chain and the client's empty message.
    const tls = r.flows.map((f) => f.protocols?.['tls'] as {certificates?: Array<{sentBy: string; chain: unknown[]}>} | undefined).find(Boolean)
    expect(tls?.certificates?.map((m) => [m.sentBy, m.chain.length])).toEqual([['server', 2], ['client', 0]])
    expect(ids(r)).not.toContain('CA-META-009')
  })

  it('stays quiet on a client certificate node cannot parse (nothing it says can be shown)', async () => {
    const r = await run(mutualTls([Buffer.alloc(120, 0x30)]), {home: 'US'})
    const tls = r.flows.map((f) => f.protocols?.['tls'] as {certificates?: Array<{sentBy: string; chain: Array<{parsed: boolean}>}>} | undefined).find(Boolean)
    expect(tls?.certificates?.map((m) => [m.sentBy, m.chain[0]?.parsed])).toEqual([['server', true], ['client', false]])
    expect(ids(r)).not.toContain('CA-META-009')
  })

  it('stays quiet on a WebRTC DTLS certificate (a lone CN "WebRTC", made per session)', async () => {
    const r = await run(webrtcDtls(WEBRTC_DER), {home: 'US'})
    const dtls = r.flows.map((f) => f.protocols?.['dtls'] as {certificates?: Array<{sentBy: string; chain: Array<{subjectCN?: string}>}>} | undefined).find(Boolean)
    expect(dtls?.certificates?.map((m) => [m.sentBy, m.chain[0]?.subjectCN])).toEqual([['server', 'WebRTC'], ['client', 'WebRTC']])
    expect(ids(r)).not.toContain('CA-META-009')
  })

  it('fires on a DTLS client certificate that carries identifying fields', async () => {
    const [f, ...rest] = meta009(await run(webrtcDtls(CLIENT_DEVICE_DER), {home: 'US'}))
    expect(rest).toEqual([])
    expect(f?.detail).toContain(`The DTLS client sent its certificate in clear to ${GOOGLE}`)
    expect(f?.evidence[0]).toMatchObject({description: `DTLS client certificate CN "laptop-0042" issued by "laptop-0042" sent in clear to ${GOOGLE}:19305`, frame: 5})
  })
})

describe('CA-META-004: private addresses the caller sends to external servers', () => {
  const TURN = '206.247.118.34' // a public TURN server (Zoom's range)
  const c = {sport: 41000, dport: 3478}
  const s = {sport: 3478, dport: 41000}
  let tx = 0
  const txid = () => Buffer.alloc(12, ++tx)
  /** RFC 8489 §14.1 plain (not XOR-ed) IPv4 address attribute: OTHER-ADDRESS, RESPONSE-ORIGIN... */
  const plainAddress = (type: number, ip: string, port: number) => ({type, value: Buffer.concat([Buffer.from([0, 1, port >> 8, port & 0xff]), Buffer.from(ip.split('.').map(Number))])})
  const toServer = (ms: number, m: Buffer) => frame(ms, CLIENT, TURN, udp(c, m), IPPROTO.UDP)
  const toClient = (ms: number, m: Buffer) => frame(ms, TURN, CLIENT, udp(s, m), IPPROTO.UDP)
  const createPermission = (ms: number, peer: string, port = 50000) => {
    const t = txid()
    return toServer(ms, stunMessage({type: STUN_TYPE.CREATE_PERMISSION_REQUEST, txid: t, attrs: [turnXorPeerAddress(peer, port, t)], fingerprint: true}))
  }
  const dataIndication = (ms: number, peer: string, port = 50000) => {
    const t = txid()
    return toClient(ms, stunMessage({type: STUN_TYPE.DATA_INDICATION, txid: t, attrs: [turnXorPeerAddress(peer, port, t), turnData(Buffer.alloc(8, 1))], fingerprint: true}))
  }
  /** An allocation whose server names private addresses of its own: a relayed address inside its
   * network (as Google's TURN gives), an OTHER-ADDRESS and a RESPONSE-ORIGIN. */
  const allocation = (): Frame[] => {
    const t = txid()
    return [
      toServer(0, stunMessage({type: STUN_TYPE.ALLOCATE_REQUEST, txid: t, attrs: [turnRequestedTransport(17)], fingerprint: true})),
      toClient(20, stunMessage({
        type: STUN_TYPE.ALLOCATE_SUCCESS,
        txid: t,
        attrs: [turnXorRelayedAddress('10.13.0.62', 15530, t), stunXorMappedAddress('36.84.217.46', 41000, t), plainAddress(0x802c, '10.13.0.9', 3479), plainAddress(0x802b, '10.13.0.8', 3478)],
        fingerprint: true,
      })),
    ]
  }
  const meta004 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-004')
  const stunFacts = (r: Report) => r.flows.map((f) => f.protocols?.['stun'] as {peerAddresses: Array<{ip: string; sentBy: string}>; relayedAddresses: Array<{ip: string}>; serverAddresses: Array<{ip: string; attribute: string}>} | undefined).find(Boolean)

  it('stays quiet on addresses the server sends about itself or a peer, on what it named first, and on loopback', async () => {
    // The server's relayed address, OTHER-ADDRESS and RESPONSE-ORIGIN; a peer first named by the
    // server (Data indication), then in the caller's CreatePermission; a loopback peer.
    const r = await run([...allocation(), dataIndication(40, '10.13.0.50'), createPermission(41, '10.13.0.50'), createPermission(60, '127.0.0.1')], {home: 'ID'})
    const stun = stunFacts(r)
    // The rule had all of them to look at.
    expect(stun?.relayedAddresses.map((a) => a.ip)).toEqual(['10.13.0.62'])
    expect(stun?.serverAddresses.map((a) => `${a.attribute} ${a.ip}`).sort()).toEqual(['OTHER-ADDRESS 10.13.0.9', 'RESPONSE-ORIGIN 10.13.0.8'])
    expect(stun?.peerAddresses.map((a) => `${a.sentBy} ${a.ip}`).sort()).toEqual(['client 10.13.0.50', 'client 127.0.0.1', 'server 10.13.0.50'])
    expect(ids(r)).not.toContain('CA-META-004')
  })

  it("fires, medium, when the caller sends its own LAN address to the server, naming it the caller's", async () => {
    const r = await run([...allocation(), createPermission(40, CLIENT, 41002)], {home: 'ID'})
    expect(r.vantage.privateAddresses).toContain(CLIENT)
    const [f, ...rest] = meta004(r)
    expect(rest).toEqual([])
    expect(f?.severity).toBe('medium')
    expect(f?.detail).toBe(`The caller's side sent a private address of its own network, ${CLIENT}, to the external server ${TURN} in STUN/TURN attributes, in clear: that server and anyone on the path learn how the caller's network is addressed.`)
    expect(f?.evidence.map((e) => [e.frame, e.description])).toEqual([[3, `XOR-PEER-ADDRESS ${CLIENT}:41002 (rfc1918; the caller's own address) in a CreatePermission Request sent by the caller's side to ${TURN}`]])
    // Also when the server echoes it afterwards (a Data indication from that peer address).
    expect(meta004(await run([...allocation(), createPermission(40, CLIENT, 41002), dataIndication(60, CLIENT, 41002)], {home: 'ID'}))[0]?.severity).toBe('medium')
  })

  it("fires, low, when the private addresses the caller passes on are its peers', and says they are theirs", async () => {
    const r = await run([...allocation(), createPermission(40, '192.168.7.20'), createPermission(41, '10.36.43.120')], {home: 'ID'})
    const [f, ...rest] = meta004(r)
    expect(rest).toEqual([])
    expect(f?.severity).toBe('low')
    expect(f?.detail).toBe(`The caller's side sent its peers' private addresses (their ICE candidates, as the peer of TURN requests or checks relayed to them), 10.36.43.120, 192.168.7.20, to the external server ${TURN}: they describe the peers' networks, not the caller's.`)
    expect(f?.detail).not.toContain('own network')
    expect(f?.evidence.map((e) => e.description)).toEqual([
      `XOR-PEER-ADDRESS 192.168.7.20:50000 (rfc1918; a peer's address) in a CreatePermission Request sent by the caller's side to ${TURN}`,
      `XOR-PEER-ADDRESS 10.36.43.120:50000 (rfc1918; a peer's address) in a CreatePermission Request sent by the caller's side to ${TURN}`,
    ])
  })
})

describe('CA-META-017: WebRTC signalling over a ws:// WebSocket', () => {
  const GATEWAY = '212.242.33.41'
  const exchange = (messages: unknown[], o: {compress?: boolean} = {}): Frame[] => {
    const deflate = wsDeflater()
    const frames = messages.map((m) => {
      const text = Buffer.from(JSON.stringify(m))
      return wsFrame(o.compress ? deflate(text) : text, {mask: Buffer.from([1, 2, 3, 4]), rsv: o.compress ? 4 : 0})
    })
    return webSocketFrames(GATEWAY, {client: 51000, server: 8188}, 'janus-protocol', frames, o.compress ? 'permessage-deflate' : undefined)
  }
  const offer = {janus: 'message', jsep: {type: 'offer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=candidate:1 1 udp 2122260223 192.168.0.105 50101 typ host\r\n'}}

  it('fires on session descriptions sent in clear, naming the devices\' addresses (medium), high when a room PIN went with them', async () => {
    const r = await run(exchange([offer]), {home: 'DK'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-017')
    expect(f).toMatchObject({severity: 'medium', endpoint: GATEWAY, flowIds: [1]})
    expect(f!.detail).toContain(`WebRTC signalling went in clear over an unencrypted WebSocket (ws://, subprotocol "janus-protocol") between ${CLIENT}:51000 and ${GATEWAY}:8188: 1 session description.`)
    expect(f!.detail).toContain('The ICE candidates give the devices\' own addresses: "192.168.0.105 (private)".')
    expect(r.flows[0]).toMatchObject({role: 'control', roleReason: 'WebRTC signalling over an unencrypted WebSocket (ws://): session descriptions in clear'})
    const pinned = await run(exchange([{janus: 'message', body: {request: 'join', room: 4711, pin: '2468'}}, offer]), {home: 'DK'})
    const p = pinned.findings.find((x) => x.ruleId === 'CA-META-017')!
    expect(p.severity).toBe('high')
    expect(p.detail).toContain('Secrets were sent in clear (their values are not shown): "pin (by the client)"')
    expect(JSON.stringify(pinned)).not.toContain('2468')
  })

  it('reads signalling compressed with permessage-deflate (RFC 7692) and says compression hid nothing', async () => {
    const r = await run(exchange([{janus: 'message', body: {request: 'join', room: 4711, pin: '2468'}}, offer], {compress: true}), {home: 'DK'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-017')!
    expect(f.severity).toBe('high')
    expect(f.detail).toContain('1 session description. 2 of its messages were compressed (permessage-deflate, RFC 7692), which hides nothing: they were inflated and read.')
    expect(f.detail).toContain('"192.168.0.105 (private)"')
    expect(r.flows[0]).toMatchObject({role: 'control'})
  })

  it('stays quiet on a WebSocket that carries no session description', async () => {
    const r = await run(exchange([{janus: 'keepalive', transaction: 'x'}]), {home: 'DK'})
    expect(ids(r)).not.toContain('CA-META-017')
    expect(r.flows[0]!.role).not.toBe('control')
  })
})

describe('CA-META-018: XMPP (Jabber) in clear', () => {
  const SERVER = '212.242.33.42'
  const c = {sport: 51222, dport: 5222}
  const s = {sport: 5222, dport: 51222}
  const xmpp = (toServer: string[], toClient: string[]): Frame[] => {
    const frames: Frame[] = [frame(0, CLIENT, SERVER, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP), frame(30, SERVER, CLIENT, tcp({...s, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP)]
    let a = 2
    let b = 8
    for (let i = 0; i < Math.max(toServer.length, toClient.length); i++) {
      const up = Buffer.from(toServer[i] ?? '', 'utf8')
      const down = Buffer.from(toClient[i] ?? '', 'utf8')
      if (up.length) frames.push(frame(40 + 20 * i, CLIENT, SERVER, tcp({...c, seq: a, ack: b, flags: 'PA'}, up), IPPROTO.TCP))
      a += up.length
      if (down.length) frames.push(frame(50 + 20 * i, SERVER, CLIENT, tcp({...s, seq: b, ack: a, flags: 'PA'}, down), IPPROTO.TCP))
      b += down.length
    }
    return frames
  }
  const head = "<stream:stream to='acme-ministry.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"

  it('fires high when the password went in clear (SASL PLAIN), naming the user and the bound address, quoted', async () => {
    const plain = Buffer.from('\0alice\0secret-pw').toString('base64')
    const r = await run(xmpp([head, `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`, "<iq type='set' id='1'><bind/></iq>"], ["<stream:stream from='acme-ministry.example' version='1.0'>", "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", "<iq type='result' id='1'><bind><jid>alice@acme-ministry.example/\u001b[2Jpc</jid></bind></iq>"]), {home: 'DK'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-018')
    expect(f).toMatchObject({severity: 'high', endpoint: SERVER})
    expect(f!.detail).toContain('The client signed in with SASL PLAIN for "alice": the password itself went in clear (it is not shown here).')
    expect(f!.detail).toContain('The server bound the address "alice@acme-ministry.example/\\u001b[2Jpc".')
    expect(JSON.stringify(r)).not.toContain('secret-pw')
    // Chat and presence alone are no call: the flow is not call signalling.
    expect(r.flows[0]!.role).not.toBe('control')
    const jingle = "<iq type='set' id='j1'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate'><content name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'><candidate component='1' ip='192.168.0.105' port='50102' protocol='udp' type='host'/></transport></content></jingle></iq>"
    const call = await run(xmpp([head, jingle], ["<stream:stream from='acme-ministry.example' version='1.0'>"]), {home: 'DK'})
    expect(call.flows[0]).toMatchObject({role: 'control', roleReason: 'XMPP (Jabber) in clear carrying Jingle call set-up'})
    expect(call.findings.find((x) => x.ruleId === 'CA-META-018')?.detail).toContain('Its Jingle call offers list ICE candidates: "192.168.0.105".')
  })

  it('over a ws:// WebSocket (RFC 7395, a web client): says so, and a Jingle session-initiate is a call set up (CA-CALL-001)', async () => {
    const mask = Buffer.from([1, 2, 3, 4])
    const messages = [
      '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="acme-ministry.example" version="1.0"/>',
      `<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${Buffer.from('\0alice\0secret-pw').toString('base64')}</auth>`,
      '<iq type="set" id="j1"><jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="s1"><content name="audio"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1"><candidate component="1" ip="192.168.0.105" port="50102" protocol="udp" type="host"/></transport></content></jingle></iq>',
    ].map((m) => wsFrame(Buffer.from(m), {mask}))
    const frames = webSocketFrames(SERVER, {client: 51280, server: 5280}, 'xmpp', messages)
    const r = await run(frames, {home: 'DK'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-018')!
    expect(f.severity).toBe('high')
    expect(f.detail).toContain(`XMPP (Jabber) went in clear between ${CLIENT}:51280 and ${SERVER}:5280 (server domain "acme-ministry.example"), over an unencrypted WebSocket (ws://): 0 message, 0 presence and 1 iq stanzas.`)
    expect(r.flows[0]).toMatchObject({role: 'control'})
    expect(r.findings.find((x) => x.ruleId === 'CA-CALL-001')?.detail).toContain('A call was set up (Jingle session-initiate over XMPP in frame 7), but its media is not in the capture')
  })

  it('over BOSH on plain HTTP (XEP-0206): says so', async () => {
    const body = `<body rid='1' sid='s' xmlns='http://jabber.org/protocol/httpbind'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0alice\0secret-pw').toString('base64')}</auth></body>`
    const post = `POST /http-bind HTTP/1.1\r\nHost: chat\r\nContent-Length: ${body.length}\r\n\r\n${body}`
    const r = await run(xmpp([post], []), {home: 'DK'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-018')!
    expect(f.severity).toBe('high')
    expect(f.detail).toContain(`XMPP (Jabber) went in clear between ${CLIENT}:51222 and ${SERVER}:5222, over BOSH on plain HTTP (http://): 0 message, 0 presence and 0 iq stanzas.`)
    expect(JSON.stringify(r)).not.toContain('secret-pw')
  })

  it('is medium without a sign-in, and says nothing when the stream turned to TLS first', async () => {
    const r = await run(xmpp([head, "<presence/>"], ["<stream:stream from='acme-ministry.example' version='1.0'>"]), {home: 'DK'})
    expect(r.findings.find((x) => x.ruleId === 'CA-META-018')?.severity).toBe('medium')
    const tls = await run(xmpp([head, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", "<presence/>"], ["<stream:stream from='acme-ministry.example' version='1.0'>", "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"]), {home: 'DK'})
    expect(ids(tls)).not.toContain('CA-META-018')
  })
})

describe('CA-META-016: H.323 call signalling in clear', () => {
  const ROOM = '212.242.33.40'
  const c = {sport: 50123, dport: 1720}
  const s = {sport: 1720, dport: 50123}
  const device = {vendor: {country: 181, manufacturer: 4660, product: 'Room Kit Pro', version: 'ce11.9'}}
  const signalling = (first: Buffer, answer?: Buffer): Frame[] => [
    frame(0, CLIENT, ROOM, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
    frame(30, ROOM, CLIENT, tcp({...s, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
    frame(31, CLIENT, ROOM, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, first), IPPROTO.TCP),
    ...(answer ? [frame(61, ROOM, CLIENT, tcp({...s, seq: 8, ack: 2 + first.length, flags: 'PA'}, answer), IPPROTO.TCP)] : []),
  ]

  it('a SETUP names the parties and the devices (high); without media, CA-CALL-001 says a call was set up', async () => {
    const setup = tpkt(q931(Q931.SETUP, {display: 'Jurgen Mueller', calling: '4930123', uuie: h225Setup({source: [{h323Id: 'j.mueller'}], destination: [{dialledDigits: '2098'}], sourceInfo: device})}))
    const connect = tpkt(q931(Q931.CONNECT, {fromDestination: true, display: 'Boardroom', uuie: h225Answer('connect', {vendor: {country: 0, manufacturer: 0, product: '310i', version: 'R'}})}))
    const r = await run(signalling(setup, connect), {home: 'DK'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-016')
    expect(f).toMatchObject({severity: 'high', endpoint: ROOM, flowIds: [1]})
    expect(f!.detail).toBe(
      `Unencrypted H.323 call signalling between ${CLIENT}:50123 and ${ROOM}:1720 (2 Q.931 messages) sets up a call. It names the parties: "display name Jurgen Mueller", "calling number 4930123", "caller h323-ID j.mueller", "called dialledDigits 2098" and 1 more. ` +
        'It names the devices: "Room Kit Pro ce11.9 (terminal; T.35 country 181, manufacturer 4660)", "310i R (terminal; T.35 country 0, manufacturer 0)". Anyone on the path reads who calls whom, when, and with what equipment.',
    )
    expect(f!.evidence.map((e) => e.frame)).toEqual([3, 4])
    expect(r.flows[0]).toMatchObject({role: 'control', roleReason: 'H.323 call signalling (Q.931/H.225.0) in clear: call set-up'})
    expect(r.findings.find((x) => x.ruleId === 'CA-CALL-001')?.detail).toContain('A call was set up (H.323 SETUP in frame 3), but its media is not in the capture')
  })

  it('RAS with a gatekeeper: a registration names the device and its aliases (medium), an admission request who calls whom (high)', async () => {
    const gk = (payload: Buffer, ms: number) => frame(ms, CLIENT, ROOM, udp({sport: 1719, dport: 1719}, payload), IPPROTO.UDP)
    const rrq = rasRegistrationRequest({aliases: [{h323Id: 'boardroom@acme-ministry.example'}], terminal: {kinds: ['terminal']}, vendor: {country: 130, manufacturer: 256, product: 'Tandberg', version: 'TC7.3.6'}})
    const registered = await run([gk(rrq, 0)], {home: 'DK'})
    const f = registered.findings.find((x) => x.ruleId === 'CA-META-016')
    expect(f?.severity).toBe('medium')
    expect(f?.detail).toBe(
      `Unencrypted H.323 RAS (registration with a gatekeeper and admission of calls) between ${CLIENT}:1719 and ${ROOM}:1719 (1 RAS message). It names the parties: "caller h323-ID boardroom@acme-ministry.example". ` +
        'It names the devices: "Tandberg TC7.3.6 (terminal; T.35 country 130, manufacturer 256)". Anyone on the path reads who calls whom, when, and with what equipment.',
    )
    expect(registered.flows[0]).toMatchObject({role: 'control', roleReason: 'H.323 RAS in clear: registration with a gatekeeper and admission of calls'})
    const admitted = await run([gk(rrq, 0), gk(rasAdmissionRequest({source: [{dialledDigits: '2098'}], destination: [{h323Id: 'j.mueller'}]}), 100)], {home: 'DK'})
    expect(admitted.findings.find((x) => x.ruleId === 'CA-META-016')).toMatchObject({severity: 'high', detail: expect.stringContaining('(2 RAS messages) admits a call. It names the parties: "caller h323-ID boardroom@acme-ministry.example", "caller dialledDigits 2098", "called h323-ID j.mueller".')})
    expect(admitted.findings.find((x) => x.ruleId === 'CA-CALL-001')?.detail).toContain('A call was set up (an H.323 gatekeeper admission request in frame 2)')
  })

  it('a message that is no SETUP is medium; a TPKT connection that is neither Q.931 nor H.245 says nothing', async () => {
    const facility = tpkt(q931(Q931.FACILITY, {display: 'Jurgen Mueller'}))
    expect(await run(signalling(facility), {home: 'DK'}).then((r) => r.findings.find((x) => x.ruleId === 'CA-META-016')?.severity)).toBe('medium')
    // An X.224 Connection Request in TPKT (RDP's first packet).
    const x224 = tpkt(Buffer.from('0ee000000000000100080003000000', 'hex'))
    expect(ids(await run(signalling(x224), {home: 'DK'}))).not.toContain('CA-META-016')
  })

  it('the call\'s H.245 connection: where its media goes (medium), the keys pressed (CA-META-019), role control', async () => {
    const h245 = Buffer.concat([
      tpkt(h245TerminalCapabilitySet(1)),
      tpkt(h245OpenLogicalChannelAck(1, {sessionId: 1, media: {ip: '192.168.0.105', port: 5004}, control: {ip: '192.168.0.105', port: 5005}})),
      tpkt(h245UserInputSignal('5')),
      tpkt(h245UserInputSignal('#')),
    ])
    const r = await run(signalling(h245), {home: 'DK'})
    const f = r.findings.find((x) => x.ruleId === 'CA-META-016')
    expect(f).toMatchObject({severity: 'medium', endpoint: ROOM, flowIds: [1]})
    expect(f!.detail).toBe(
      `Unencrypted H.245 media control of an H.323 call between ${CLIENT}:50123 and ${ROOM}:1720 (4 messages). It says where each side receives the call's media: "192.168.0.105:5004 (RTP)", "192.168.0.105:5005 (RTCP)". ` +
        "Anyone on the path learns the call's capabilities and channels, and where to find its media.",
    )
    expect(f!.evidence.map((e) => [e.frame, e.description])).toEqual([[3, `H.245 openLogicalChannelAck sent by ${CLIENT}:50123: media to 192.168.0.105:5004, RTCP to 192.168.0.105:5005`]])
    const keys = r.findings.find((x) => x.ruleId === 'CA-META-019')
    expect(keys?.severity).toBe('high')
    expect(keys?.detail).toMatch(/^2 DTMF key indications went in clear in H\.245 userInput messages \(signal\) of an H\.323 call between /)
    expect(r.flows[0]).toMatchObject({role: 'control', roleReason: 'H.245 in clear: the media control of an H.323 call (capabilities, channels and where their media goes)'})
    // Tunnelled in the call signalling instead (a FACILITY with an empty body), the same keys.
    const setup = tpkt(q931(Q931.SETUP, {uuie: h225Setup({source: [{h323Id: 'j.mueller'}]})}))
    const tunnelled = await run(signalling(setup, tpkt(q931(Q931.FACILITY, {fromDestination: true, uuie: h225TunnelledH245([h245UserInputSignal('5')])}))), {home: 'DK'})
    expect(tunnelled.findings.find((x) => x.ruleId === 'CA-META-019')?.detail).toMatch(new RegExp(`^1 DTMF key indication went in clear in H\\.245 userInput messages \\(signal\\) tunnelled in the H\\.323 call signalling between ${CLIENT}:50123 and ${ROOM}:1720: `))
    // Captured after the call's SETUP: its H.245 still shows that a call was set up.
    expect(r.findings.find((x) => x.ruleId === 'CA-CALL-001')?.detail).toContain('A call was set up (an H.245 channel opened (openLogicalChannelAck) in frame 3), but its media is not in the capture')
  })
})

describe('CA-META-011 / CA-CRYPTO-005: SIP in clear, with SRTP keys in its SDP or not', () => {
  const PROXY = '212.242.33.35' // a SIP provider's proxy, public
  const sip = (body?: string): Frame[] => [
    frame(0, CLIENT, PROXY, udp({sport: 5060, dport: 5060}, Buffer.from(invite(body ? {body} : {}), 'latin1')), IPPROTO.UDP),
    frame(40, PROXY, CLIENT, udp({sport: 5060, dport: 5060}, Buffer.from(ok(), 'latin1')), IPPROTO.UDP),
  ]

  it('an INVITE in clear names both parties (high); SDES keys in its SDP are keys in clear (high)', async () => {
    const r = await run(sip(SDP_SDES), {home: 'DK'})
    const parties = r.findings.find((f) => f.ruleId === 'CA-META-011')
    expect(parties).toMatchObject({severity: 'high', endpoint: PROXY, flowIds: [1]})
    expect(parties!.detail).toContain('names the parties of a call: "Jane Doe <sip:jane.doe@sip.example.net>", "<sip:+4930123456@sip.example.net>"')
    expect(parties!.detail).toContain('It names the software: "Example Phone 4.2 (build 17)", "Example PBX 9"')
    expect(parties!.evidence[0]).toMatchObject({frame: 1, description: 'SIP INVITE "sip:+4930123456@sip.example.net" from "Jane Doe <sip:jane.doe@sip.example.net>" to "<sip:+4930123456@sip.example.net>"'})
    const keys = r.findings.find((f) => f.ruleId === 'CA-CRYPTO-005')
    expect(keys).toMatchObject({severity: 'high', endpoint: PROXY})
    expect(keys!.detail).toContain('2 a=crypto lines ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32") in 1 message')
    expect(keys!.evidence).toEqual([expect.objectContaining({frame: 1, description: `SDP with 2 a=crypto lines in SIP INVITE "sip:+4930123456@sip.example.net" sent by ${CLIENT}:5060`})])
    expect(JSON.stringify(r)).not.toContain('WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz')
    expect(r.flows[0]).toMatchObject({role: 'control', roleReason: 'SIP signalling (RFC 3261) in clear: registration and call set-up'})
    expect(r.findings.find((f) => f.ruleId === 'CA-CALL-001')?.detail).toContain('A call was set up (SIP INVITE in frame 1), but its media is not in the capture')
  })

  it('the domain a SIP request is for names the service and its tenant: a Webex meeting dialled by SIP', async () => {
    const dial = Buffer.from(invite().replaceAll('sip:+4930123456@sip.example.net', 'sip:25712345678@acme-ministry.webex.com'), 'latin1')
    const r = await run([frame(0, CLIENT, '170.72.0.10', udp({sport: 5060, dport: 5060}, dial), IPPROTO.UDP)], {home: 'DK'})
    expect(r.apps.map((a) => a.app)).toEqual(['webex'])
    expect(r.apps[0]!.evidence.find((e) => e.kind === 'name')).toMatchObject({value: 'acme-ministry.webex.com', via: ['sip'], frames: [1]})
    expect(r.tenants.map((t) => [t.app, t.org])).toContainEqual(['webex', 'acme-ministry'])
    expect(ids(r)).toContain('CA-META-002')
  })

  it('SIP over a ws:// WebSocket (a browser softphone) is SIP in clear, and its WebRTC offer lists the devices\' addresses', async () => {
    const c = {sport: 51670, dport: 8088}
    const s = {sport: 8088, dport: 51670}
    const get = Buffer.from(wsRequest('sip'), 'latin1')
    const answer = Buffer.from(wsAnswer(), 'latin1')
    const offer = wsFrame(Buffer.from(wsInvite(), 'latin1'), {mask: Buffer.from([1, 2, 3, 4])})
    const r = await run(
      [
        frame(0, CLIENT, PROXY, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
        frame(30, PROXY, CLIENT, tcp({...s, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
        frame(31, CLIENT, PROXY, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, get), IPPROTO.TCP),
        frame(61, PROXY, CLIENT, tcp({...s, seq: 8, ack: 2 + get.length, flags: 'PA'}, answer), IPPROTO.TCP),
        frame(62, CLIENT, PROXY, tcp({...c, seq: 2 + get.length, ack: 8 + answer.length, flags: 'PA'}, offer), IPPROTO.TCP),
        frame(92, PROXY, CLIENT, tcp({...s, seq: 8 + answer.length, ack: 2 + get.length + offer.length, flags: 'PA'}, wsFrame(Buffer.from(wsOk('INVITE', 7125), 'latin1'))), IPPROTO.TCP),
      ],
      {home: 'DK'},
    )
    const parties = r.findings.find((f) => f.ruleId === 'CA-META-011')
    expect(parties).toMatchObject({severity: 'high', endpoint: PROXY})
    expect(parties!.detail).toContain(`Unencrypted SIP over WebSocket (ws://) between ${CLIENT}:51670 and ${PROXY}:8088 (2 messages) names the parties of a call: "Alice Wong <sip:alice.wong@pbx.example.org>"`)
    expect(parties!.detail).toContain('Its SDP lists ICE candidates, the devices\' own addresses among them: "192.168.1.20 (private)", "fd00::2 (private)", "6f2b6c1e-6c1d-4a8e-9f0a-1b2c3d4e5f60.local", "203.0.113.7".')
    expect(parties!.evidence[0]).toMatchObject({frame: 5})
    expect(r.flows[0]).toMatchObject({role: 'control', roleReason: 'SIP signalling (RFC 3261) in clear: registration and call set-up'})
    // The same with the browser's permessage-deflate agreed and used (RFC 7692).
    const packed = wsFrame(wsDeflater()(Buffer.from(wsInvite(), 'latin1')), {mask: Buffer.from([1, 2, 3, 4]), rsv: 4})
    const zipped = await run(webSocketFrames(PROXY, {client: 51670, server: 8088}, 'sip', [packed], 'permessage-deflate; client_max_window_bits=15'), {home: 'DK'})
    const zippedParties = zipped.findings.find((f) => f.ruleId === 'CA-META-011')!
    expect(zippedParties.severity).toBe('high')
    expect(zippedParties.detail).toContain(`Unencrypted SIP over WebSocket (ws://, its messages compressed with permessage-deflate, which hides nothing) between ${CLIENT}:51670 and ${PROXY}:8088 (1 message) names the parties of a call`)
  })

  it('without SDES keys no key finding; a registration alone is medium; SIP over TLS says nothing', async () => {
    const plain = await run(sip(), {home: 'DK'})
    expect(ids(plain)).toContain('CA-META-011')
    expect(ids(plain)).not.toContain('CA-CRYPTO-005')
    const register = Buffer.from(invite().replace('INVITE sip:+4930123456@sip.example.net', 'REGISTER sip:sip.example.net').replace('CSeq: 314159 INVITE', 'CSeq: 1 REGISTER'), 'latin1')
    const registered = await run([frame(0, CLIENT, PROXY, udp({sport: 5060, dport: 5060}, register), IPPROTO.UDP)], {home: 'DK'})
    expect(registered.findings.find((f) => f.ruleId === 'CA-META-011')).toMatchObject({severity: 'medium'})
    expect(registered.findings.find((f) => f.ruleId === 'CA-META-011')!.detail).toContain('names the user')
    // SIP over TLS is TLS: its handshake is read, nothing of what it carries.
    const overTls = await run(tlsSession(PROXY, 20, {sni: 'sip.example.net', serverHello: serverHello(0xc02f)}), {home: 'DK'})
    expect(ids(overTls).filter((id) => id === 'CA-META-011' || id === 'CA-CRYPTO-005')).toEqual([])
  })
})

