import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {renderHtml} from '../../src/report/html/render-html.js'
import {renderMarkdown} from '../../src/report/markdown.js'
import type {Report} from '../../src/report/report-model.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, dnsQuery, ethernet, ipv4, rtp, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'
import {espPacket, ikeMessage, wgInitiation, wgResponse, wgTransport} from '../support/vpn-builders.js'

/**
 * The `vpn` role on generated captures, through the whole pipeline: OpenVPN, ESP, IKE and
 * WireGuard flows are tunnels; DNS and call media next to them keep their roles; CA-GEO-001
 * judges a tunnel to a country outside --home.
 */

const CLIENT = '192.168.0.105'
const ASHBURN = '52.202.62.196' // embedded database: Ashburn, US
const ZOOM_SG = '149.137.41.57' // a Zoom media server (SG)
const BASE = 1_763_600_000

const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

/**
 * OpenVPN control packets (openvpn/src/openvpn/ssl_pkt.h, Wireshark's packet-openvpn.c): opcode
 * << 3 | key id, 8-byte session id, with --tls-auth an HMAC (20 bytes: SHA1) then packet id and
 * time (4 + 4), the ack array (count, ids, remote session id when acking), and the message id.
 */
function openvpnPacket(op: number, sid: string, o: {acks?: number[]; remote?: string; msg?: number} = {}): Buffer {
  const hmac = Buffer.from(Array.from({length: 20}, (_, i) => ((i * 73 + op * 31) % 255) + 1))
  const acks = o.acks ?? []
  const parts = [Buffer.from([op << 3]), Buffer.from(sid, 'hex'), hmac, u32(1), u32(BASE), Buffer.from([acks.length]), ...acks.map(u32)]
  if (acks.length) parts.push(Buffer.from(o.remote!, 'hex'))
  parts.push(u32(o.msg ?? 0))
  return Buffer.concat(parts)
}
const HARD_RESET_CLIENT_V2 = 7
const HARD_RESET_SERVER_V2 = 8
const CLIENT_SID = '1a2b3c4d5e6f7081'
const SERVER_SID = '99887766554433ee'

const frames: Array<{ms: number; bytes: Buffer}> = []
const ip = (ms: number, src: string, dst: string, proto: number, l4: Buffer) => frames.push({ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, l4))})
const udpAt = (ms: number, src: string, sport: number, dst: string, dport: number, payload: Buffer) => ip(ms, src, dst, IPPROTO.UDP, udp({sport, dport}, payload))

// OpenVPN over UDP 1194 with tls-auth: the two hard resets.
udpAt(0, CLIENT, 50123, ASHBURN, 1194, openvpnPacket(HARD_RESET_CLIENT_V2, CLIENT_SID))
udpAt(30, ASHBURN, 1194, CLIENT, 50123, openvpnPacket(HARD_RESET_SERVER_V2, SERVER_SID, {acks: [0], remote: CLIENT_SID}))
// ESP straight over IP (protocol 50, RFC 4303).
for (let i = 1; i <= 3; i++) ip(40 + i, CLIENT, '198.51.100.20', 50, espPacket(0xc0ffee01, i))
// IKEv2 IKE_SA_INIT on UDP 500 (RFC 7296).
udpAt(50, CLIENT, 500, '198.51.100.21', 500, ikeMessage())
udpAt(80, '198.51.100.21', 500, CLIENT, 500, ikeMessage({responder: true}))
// WireGuard on 51820: handshake, then transport data.
udpAt(90, CLIENT, 41234, '198.51.100.22', 51820, wgInitiation())
udpAt(120, '198.51.100.22', 51820, CLIENT, 41234, wgResponse())
udpAt(121, CLIENT, 41234, '198.51.100.22', 51820, wgTransport(96))
// DNS and Zoom media (RTP to a Zoom server on 8801) next to the tunnels.
udpAt(130, CLIENT, 53000, '8.8.8.8', 53, dnsQuery({id: 7, name: 'zoom.us'}))
for (let i = 0; i < 60; i++) {
  udpAt(200 + i * 20, CLIENT, 60000, ZOOM_SG, 8801, rtp({pt: 111, seq: 100 + i, timestamp: 960 * i, ssrc: 0x1234}, Buffer.alloc(80, 1)))
  udpAt(205 + i * 20, ZOOM_SG, 8801, CLIENT, 60000, rtp({pt: 111, seq: 500 + i, timestamp: 960 * i, ssrc: 0x5678}, Buffer.alloc(80, 2)))
}

async function run(policy: Record<string, string>): Promise<Report> {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  for (const f of [...frames].sort((a, b) => a.ms - b.ms)) w.add({sec: BASE + Math.floor(f.ms / 1000), nsec: (f.ms % 1000) * 1_000_000}, f.bytes)
  const path = join(tempDir('callaudit-vpn-'), 'capture.pcap')
  writeFileSync(path, w.toBuffer())
  const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
  return report
}

describe('vpn role on a generated capture', () => {
  it('tunnels get `vpn` with the protocol and server; DNS and media keep their roles', async () => {
    const r = await run({})
    const byServer = new Map(r.flows.map((f) => [`${f.proto} ${f.server.ip}:${f.server.port}`, {role: f.role, reason: f.roleReason}]))
    expect(byServer.get(`udp ${ASHBURN}:1194`)).toEqual({role: 'vpn', reason: `OpenVPN (tls-auth) to ${ASHBURN}:1194`})
    expect(byServer.get('esp 198.51.100.20:0')).toEqual({role: 'vpn', reason: 'IPsec ESP to 198.51.100.20'})
    expect(byServer.get('udp 198.51.100.21:500')).toEqual({role: 'vpn', reason: 'IPsec IKEv2 to 198.51.100.21:500'})
    expect(byServer.get('udp 198.51.100.22:51820')).toEqual({role: 'vpn', reason: 'WireGuard (2 handshake messages) to 198.51.100.22:51820'})
    expect(byServer.get('udp 8.8.8.8:53')?.role).toBe('dns')
    expect(byServer.get(`udp ${ZOOM_SG}:8801`)?.role).toBe('media')
    expect(r.flows.filter((f) => f.role === 'vpn')).toHaveLength(4)
  })

  it('CA-GEO-001 judges a tunnel to a country outside --home, at high severity', async () => {
    const r = await run({home: 'ID'})
    const geo = r.findings.filter((f) => f.ruleId === 'CA-GEO-001' && f.endpoint === ASHBURN)
    expect(geo).toHaveLength(1)
    expect(geo[0]!.severity).toBe('high')
    expect(geo[0]!.detail).toContain('carried vpn traffic')
    // At home, the tunnel is not a finding.
    const home = await run({home: 'US'})
    expect(home.findings.filter((f) => f.ruleId === 'CA-GEO-001' && f.endpoint === ASHBURN)).toEqual([])
  })

  it('the terminal, Markdown and HTML reports name the tunnels up front, with where they end', async () => {
    const report = await run({})
    const ends = `198.51.100.22, 198.51.100.20, 198.51.100.21, ${ASHBURN} (US)`
    expect(renderMarkdown(report)).toContain(`- Tunnels: ${ends}: VPN traffic; what it carried is hidden from this capture.`)
    expect(renderHtml(report)).toContain(`<dt>VPN tunnels</dt><dd>${ends}: VPN traffic; what it carried is hidden from this capture</dd>`)
    // A call without a tunnel says nothing of the kind.
    const demo = (await analyzeCaptures({paths: [join(import.meta.dirname, '../../fixtures/demo-call.pcapng')], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})).report
    expect(renderAnalyzeTable(demo)).not.toMatch(/^Tunnels/m)
    expect(renderMarkdown(demo)).not.toContain('- Tunnels:')
    const text = renderAnalyzeTable(report)
    const line = text.split('\n').find((l) => l.startsWith('Tunnels'))
    expect(line).toBeDefined()
    // The four tunnel ends, each with its country when the database has one (Ashburn: US).
    for (const ip of [`${ASHBURN} (US)`, '198.51.100.20', '198.51.100.21', '198.51.100.22']) expect(text).toContain(ip)
    expect(text).toMatch(/VPN traffic;\s+what\s+it\s+carried\s+is\s+hidden\s+from\s+this\s+capture/)
  })
})
