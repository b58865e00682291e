import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {tempDir} from '../helpers/temp-dir.js'
import {type Endpoints, pcapOf, reverse, tcpFrame} from '../protocols/tls/capture-kit.js'
import {tlsClientHello} from '../support/packet-builder.js'
import {type FlowEvidence, type Role, ROLE_DESCRIPTIONS, assignRoles, identifyApps, roleOfFlow} from '../../src/apps/index.js'
import {SUSTAINED, flow, tlsFlow} from './flow-builder.js'

function roles(flows: FlowEvidence[]): Array<[number, Role, string, string | null]> {
  return assignRoles(flows, identifyApps(flows)).map((r) => [r.flowId, r.role, r.reason, r.app])
}

const one = (f: FlowEvidence, app: string | null = null) => roleOfFlow(f, app)

describe('roles', () => {
  it('lists every role once, in precedence order, with a description', () => {
    expect(ROLE_DESCRIPTIONS.map((r) => r.role)).toEqual(['lan', 'dns', 'vpn', 'relay', 'media', 'telemetry', 'control', 'web', 'other'])
    for (const r of ROLE_DESCRIPTIONS) expect(r.description.length).toBeGreaterThan(30)
  })

  it('lan: discovery protocols and multicast/broadcast destinations, before anything else', () => {
    expect(one(flow(1, {isLanDiscovery: true, isDns: true, server: {ip: '224.0.0.251', port: 5353}})).role).toBe('lan')
    expect(one(flow(1, {server: {ip: '255.255.255.255', port: 17500}}))).toEqual({role: 'lan', reason: 'multicast/broadcast destination 255.255.255.255'})
    expect(one(flow(1, {server: {ip: 'ff02::fb', port: 5353}})).role).toBe('lan')
    // Announcements to a subnet's broadcast address, told by their port between local addresses;
    // the same port to a public server is not LAN traffic.
    const local = {ip: '192.168.1.20', port: 17500}
    expect(one(flow(1, {client: local, server: {ip: '192.168.1.255', port: 17500}}))).toEqual({role: 'lan', reason: 'Dropbox LAN sync discovery (UDP 17500) between local addresses'})
    expect(one(flow(1, {client: {ip: '10.0.0.5', port: 138}, server: {ip: '10.0.0.255', port: 138}})).role).toBe('lan')
    expect(one(flow(1, {client: local, server: {ip: '203.0.113.9', port: 17500}})).role).not.toBe('lan')
    expect(one(flow(1, {proto: 'tcp', client: local, server: {ip: '192.168.1.255', port: 17500}})).role).not.toBe('lan')
  })

  it('remembered reasons are per server and port, never another flow\'s', () => {
    // DNS and unrecognised flows take their reason from a memo keyed by address/protocol and port.
    for (let round = 0; round < 2; round++) {
      expect(one(flow(1, {isDns: true, server: {ip: '192.168.1.1', port: 53}})).reason).toBe('DNS to 192.168.1.1:53')
      expect(one(flow(2, {isDns: true, server: {ip: '192.168.1.1', port: 5353}})).reason).toBe('DNS to 192.168.1.1:5353')
      expect(one(flow(3, {isDns: true, server: {ip: '9.9.9.9', port: 53}})).reason).toBe('DNS to 9.9.9.9:53')
      expect(one(flow(4, {proto: 'tcp', server: {ip: '203.0.113.9', port: 4444}}))).toEqual({role: 'other', reason: 'tcp port 4444: no recognised protocol or app'})
      expect(one(flow(5, {proto: 'udp', server: {ip: '203.0.113.9', port: 4444}}))).toEqual({role: 'other', reason: 'udp port 4444: no recognised protocol or app'})
      expect(one(flow(6, {proto: 'icmp', server: {ip: '203.0.113.9', port: 0}}))).toEqual({role: 'other', reason: 'icmp: no recognised protocol or app'})
    }
  })

  it('dns: DNS flows, even when the names asked belong to an app', () => {
    const f = flow(1, {isDns: true, server: {ip: '192.168.1.1', port: 53}, names: [{name: 'zoom.us', source: 'dns-query', frame: 1}]})
    expect(roles([f])).toEqual([[1, 'dns', 'DNS to 192.168.1.1:53', 'zoom']])
  })

  it('dns: encrypted DNS to a resolver (DoT, DoQ, DoH by name or by a public resolver\'s address)', () => {
    expect(one(flow(1, {proto: 'tcp', tls: true, server: {ip: '8.8.8.8', port: 853}}))).toEqual({role: 'dns', reason: 'DNS over TLS (RFC 7858) to 8.8.8.8:853'})
    expect(one(flow(2, {proto: 'udp', quic: true, server: {ip: '94.140.14.14', port: 853}}))).toEqual({role: 'dns', reason: 'DNS over QUIC (RFC 9250) to 94.140.14.14:853'})
    expect(one(tlsFlow(3, 'mozilla.cloudflare-dns.com', '104.16.249.249'))).toEqual({role: 'dns', reason: 'DNS over HTTPS (RFC 8484) to mozilla.cloudflare-dns.com (104.16.249.249:443)'})
    expect(one(tlsFlow(4, 'abc123.dns.nextdns.io')).role).toBe('dns')
    expect(one(tlsFlow(5, 'doh.ffmuc.net')).role).toBe('dns')
    expect(one(tlsFlow(6, 'fi.doh.dns.snopyta.org')).role).toBe('dns')
    expect(one(flow(7, {proto: 'tcp', tls: true, server: {ip: '1.1.1.1', port: 443}}))).toEqual({role: 'dns', reason: 'DNS over HTTPS (RFC 8484) to the public resolver 1.1.1.1:443'})
    // Not encrypted DNS: Cloudflare's DNS dashboard, a name that merely contains "doh", plain
    // HTTP to a resolver's address, a named web site on a resolver-like address.
    expect(one(tlsFlow(8, 'dns.cloudflare.com')).role).toBe('web')
    expect(one(tlsFlow(9, 'dohmain.example.com')).role).toBe('web')
    expect(one(flow(10, {proto: 'tcp', http: true, server: {ip: '1.1.1.1', port: 80}})).role).toBe('web')
    expect(one(tlsFlow(11, 'www.example.com', '1.1.1.1')).role).toBe('web')
  })

  it('vpn: ESP/AH by protocol, OpenVPN/IKE/WireGuard from the analyzers, after LAN and DNS, before relay and media', () => {
    expect(one(flow(1, {proto: 'esp', client: {ip: '10.0.0.2', port: 0}, server: {ip: '85.134.13.165', port: 0}}))).toEqual({role: 'vpn', reason: 'IPsec ESP to 85.134.13.165'})
    expect(one(flow(1, {proto: 'ah', server: {ip: '85.134.13.165', port: 0}}))).toEqual({role: 'vpn', reason: 'IPsec AH to 85.134.13.165'})
    const openvpn = {label: 'OpenVPN (tls-auth)', frame: 3}
    expect(one(flow(1, {server: {ip: '85.134.13.165', port: 1194}, vpn: openvpn}))).toEqual({role: 'vpn', reason: 'OpenVPN (tls-auth) to 85.134.13.165:1194'})
    // The tunnel's server is the flow's client (orientation guessed the other way round).
    const reversed = flow(1, {client: {ip: '85.134.13.165', port: 1194}, server: {ip: '10.8.0.2', port: 40000}, vpn: {...openvpn, server: {ip: '85.134.13.165', port: 1194}}})
    expect(one(reversed).reason).toBe('OpenVPN (tls-auth) to 85.134.13.165:1194')
    // The tunnel wins over media-like evidence (sustained UDP to an app, STUN, RTP look-alikes)...
    expect(one(flow(1, {...SUSTAINED, stunPresent: true, rtpStreams: 1, vpn: {label: 'WireGuard (2 handshake messages)', frame: 1}}), 'zoom').role).toBe('vpn')
    // ...but not over DNS and LAN discovery; a flow without tunnel evidence is unaffected.
    expect(one(flow(1, {isDns: true, server: {ip: '8.8.8.8', port: 53}, vpn: openvpn})).role).toBe('dns')
    expect(one(flow(1, {isLanDiscovery: true, vpn: openvpn})).role).toBe('lan')
    expect(one(flow(1, {server: {ip: '85.134.13.165', port: 1194}})).role).toBe('other')
  })

  it('relay: TURN allocations and relayed data, before media', () => {
    expect(one(flow(1, {stunPresent: true, relay: true}))).toEqual({role: 'relay', reason: 'TURN allocation/relayed data'})
    expect(one(flow(1, {stunPresent: true, relay: true, rtpStreams: 1})).reason).toBe('TURN allocation/relayed data, carrying media')
    expect(one(flow(1, {stunPresent: true, relay: true, stunSoftware: [{software: "Coturn-4.5.0.5 'dan Eider'", frame: 3}]})).reason).toBe(
      'TURN allocation/relayed data (server SOFTWARE "Coturn-4.5.0.5 \'dan Eider\'")',
    )
  })

  it('relay: media to a known relay host, but not a web page whose name starts with "turn"', () => {
    const media = flow(1, {rtpStreams: 1, names: [{name: 'turn.l.google.com', source: 'dns', frame: 2}]})
    expect(one(media)).toEqual({role: 'relay', reason: 'media/STUN to relay host turn.l.google.com (turn*.**)'})
    expect(one(tlsFlow(2, 'turnitin.com')).role).toBe('web')
    expect(one(tlsFlow(3, 'euaz.tr.teams.microsoft.com', '52.114.250.123'), 'teams').role).toBe('control')
  })

  it('relay: TURN over TLS, by the turns port, by ALPN "stun.turn", or to a relay host sustained both ways', () => {
    const tls = (id: number, o: Parameters<typeof flow>[1]) => flow(id, {proto: 'tcp', tls: true, ...o})
    // Chrome through a TURN server on 5349: no ALPN, the server's own name.
    expect(one(tls(1, {server: {ip: '198.51.100.20', port: 5349}, names: [{name: 'meet.test.example', source: 'sni', frame: 14}]}))).toEqual({
      role: 'relay',
      reason: 'TLS to port 5349 (turns, RFC 8656 §3.1): TURN over TLS, the call relayed inside',
    })
    expect(one(tls(2, {alpn: ['stun.turn'], server: {ip: '198.51.100.20', port: 443}})).reason).toBe('TLS with ALPN "stun.turn" (RFC 7443): TURN over TLS, the call relayed inside')
    // Teams' transport relay over 443: a long connection both ways is the relayed call...
    const teamsRelay = {server: {ip: '52.114.250.123', port: 443}, names: [{name: 'euaz.tr.teams.microsoft.com', source: 'sni' as const, frame: 13}]}
    expect(one(tls(3, {...teamsRelay, packets: {toServer: 2400, toClient: 2600}, durationSeconds: 95}), 'teams')).toEqual({
      role: 'relay',
      reason: 'TLS to relay host euaz.tr.teams.microsoft.com (*.tr.teams.microsoft.com), sustained both ways (2400/2600 packets): TURN over TLS, the call relayed inside',
    })
    // ...a short one is not (nor a plain web connection to 443, however long).
    expect(one(tls(4, {...teamsRelay, packets: {toServer: 12, toClient: 9}, durationSeconds: 0.4}), 'teams').role).toBe('control')
    expect(one(tls(5, {server: {ip: '198.51.100.7', port: 443}, names: [{name: 'www.example.com', source: 'sni', frame: 3}], packets: {toServer: 2400, toClient: 2600}, durationSeconds: 95})).role).toBe('web')
    // turn*.** fits turnitin.com: a long session there is no relay; turn3.voip.signal.org is.
    const long = {packets: {toServer: 2400, toClient: 2600}, durationSeconds: 95}
    expect(one(tls(6, {server: {ip: '198.51.100.8', port: 443}, names: [{name: 'turnitin.com', source: 'sni', frame: 3}], ...long})).role).toBe('web')
    expect(one(tls(7, {server: {ip: '198.51.100.9', port: 443}, names: [{name: 'turn3.voip.signal.org', source: 'sni', frame: 3}], ...long})).role).toBe('relay')
  })

  it('control: SIP in clear, and SIP over TLS on 5061; TLS on other ports stays web', () => {
    expect(one(flow(1, {sip: true, server: {ip: '212.242.33.35', port: 5060}}))).toEqual({role: 'control', reason: 'SIP signalling (RFC 3261) in clear: registration and call set-up'})
    const tls = (port: number) => flow(2, {proto: 'tcp', tls: true, server: {ip: '212.242.33.35', port}})
    expect(one(tls(5061))).toEqual({role: 'control', reason: 'TLS to port 5061: SIP over TLS (sips:, RFC 3261 §26.2), call signalling'})
    expect(one(tls(443)).role).toBe('web')
  })

  it('media: RTP, Zoom media, DTLS after STUN, STUN-established or app-bound sustained UDP', () => {
    expect(one(flow(1, {rtpStreams: 2}))).toEqual({role: 'media', reason: 'RTP/SRTP, 2 streams'})
    expect(one(flow(1, {zoomMedia: {audio: 10, video: 0, screenShare: 4, rtcp: 2}}))).toEqual({role: 'media', reason: 'Zoom media (audio, screen share)'})
    expect(one(flow(1, {stunPresent: true, dtls: true}))).toEqual({role: 'media', reason: 'DTLS-SRTP after STUN (WebRTC media)'})
    expect(one(flow(1, {stunPresent: true, ...SUSTAINED})).reason).toBe('sustained UDP both ways after STUN (300/300 packets)')
    expect(one(flow(1, {server: {port: 8801}, ...SUSTAINED}), 'zoom').reason).toBe('sustained UDP both ways to Zoom server (300/300 packets)')
    expect(one(flow(1, {server: {ip: '109.94.160.99', port: 8801}, names: [{name: 'zoomfrn99mmr.zoom.us', source: 'dns', frame: 1}]}), 'zoom')).toEqual({
      role: 'media',
      reason: 'UDP to Zoom server zoomfrn99mmr.zoom.us:8801 (2/2 packets, too few to call sustained)',
    })
  })

  it('media: RTCP on a port of its own, the reports of the call\'s RTP; it is a sign of a call for app evidence too', () => {
    expect(one(flow(1, {proto: 'udp', rtcpOnly: 5, server: {ip: '217.12.247.98', port: 31601}}))).toEqual({role: 'media', reason: 'RTCP only (5 datagrams): the reports of an RTP session whose media is on another flow'})
    expect(one(flow(1, {proto: 'udp', rtcpOnly: 1, server: {ip: '217.12.247.98', port: 31601}})).reason).toContain('(1 datagram)')
    expect(one(flow(1, {proto: 'udp', server: {ip: '217.12.247.98', port: 31601}})).role).toBe('other')
  })

  it('media needs an app or STUN for plain sustained UDP: an unknown stream stays other', () => {
    expect(one(flow(1, {server: {port: 27015}, ...SUSTAINED}))).toEqual({role: 'other', reason: 'udp port 27015: no recognised protocol or app'})
  })

  it('telemetry: logging and analytics hosts, before control even for the app own hosts', () => {
    const flows = [tlsFlow(1, 'log.zoom.us', '52.202.62.238'), tlsFlow(2, 'zoom.us'), tlsFlow(3, 'mobile.pipe.aria.microsoft.com', '52.114.77.33'), tlsFlow(4, 'www.google-analytics.com')]
    expect(roles(flows)).toEqual([
      [1, 'telemetry', 'telemetry/logging host log.zoom.us (log.zoom.us)', 'zoom'],
      [2, 'control', 'TLS to Zoom server zoom.us', 'zoom'],
      [3, 'telemetry', 'telemetry/logging host mobile.pipe.aria.microsoft.com (*.aria.microsoft.com)', 'teams'],
      [4, 'telemetry', 'telemetry/logging host www.google-analytics.com (*.google-analytics.com)', null],
    ])
  })

  it('control: TLS/QUIC/HTTP/TCP to an identified app, and STUN-only exchanges', () => {
    expect(one(tlsFlow(1, 'zoomfr84zc.zoom.us'), 'zoom')).toEqual({role: 'control', reason: 'TLS to Zoom server zoomfr84zc.zoom.us'})
    expect(one(flow(1, {quic: true, server: {ip: '142.250.82.1', port: 443}}), 'google-meet')).toEqual({role: 'control', reason: 'QUIC to Google Meet server 142.250.82.1'})
    expect(one(flow(1, {proto: 'tcp', http: true, server: {port: 80}, names: [{name: 'zoom.us', source: 'http-host', frame: 4}]}), 'zoom').reason).toBe('HTTP to Zoom server zoom.us')
    expect(one(flow(1, {proto: 'tcp', server: {ip: '91.108.8.1', port: 533}}), 'telegram').reason).toBe('TCP to Telegram server 91.108.8.1:533')
    expect(one(flow(1, {stunPresent: true})).role).toBe('control')
  })

  it('web: other HTTPS, QUIC and HTTP', () => {
    expect(one(tlsFlow(1, 'www.example.org'))).toEqual({role: 'web', reason: 'TLS to www.example.org (web/content)'})
    expect(one(flow(1, {quic: true, server: {port: 443}}))).toEqual({role: 'web', reason: 'QUIC (web/content)'})
    expect(one(flow(1, {proto: 'tcp', server: {port: 443}}))).toEqual({role: 'web', reason: 'TCP port 443 (web/content)'})
  })

  it('other: everything else', () => {
    expect(one(flow(1, {proto: 'icmp', server: {port: 0}}))).toEqual({role: 'other', reason: 'icmp: no recognised protocol or app'})
    expect(one(flow(1, {proto: 'tcp', server: {port: 993}})).role).toBe('other')
  })

  it('gives one role per flow, in flow-id order', () => {
    const flows = [tlsFlow(3, 'zoom.us'), flow(1, {isDns: true}), flow(2, {rtpStreams: 1})]
    expect(roles(flows).map(([id, role]) => [id, role])).toEqual([
      [1, 'dns'],
      [2, 'media'],
      [3, 'control'],
    ])
  })
})

describe('TURN over TLS through the whole pipeline', () => {
  it('takes the ALPN a ClientHello offers into the evidence: "stun.turn" on 443 is a relay', async () => {
    const c: Endpoints = {src: '192.168.1.20', sport: 50300, dst: '198.51.100.20', dport: 443}
    const frames = [
      tcpFrame(c, {seq: 99, flags: 'S'}),
      tcpFrame(reverse(c), {seq: 499, ack: 100, flags: 'SA'}),
      tcpFrame(c, {seq: 100, flags: 'PA'}, tlsClientHello({sni: 'relay.example.org', alpn: ['stun.turn']})),
    ]
    const path = join(tempDir('callaudit-turns-'), 'turns.pcap')
    writeFileSync(path, pcapOf(frames))
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.flows.map((f) => [f.role, f.roleReason])).toEqual([['relay', 'TLS with ALPN "stun.turn" (RFC 7443): TURN over TLS, the call relayed inside']])
  })
})

