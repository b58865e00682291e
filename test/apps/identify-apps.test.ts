import {describe, expect, it} from 'vitest'
import {type FlowEvidence, MAX_FRAMES, identifyApps} from '../../src/apps/index.js'
import {remoteEndpoint} from '../../src/apps/identify-apps.js'
import {SUSTAINED, flow, tlsFlow} from './flow-builder.js'

const claimed = (flows: FlowEvidence[]) => identifyApps(flows).apps.map((a) => `${a.app}:${a.confidence}`)

describe('confidence rules', () => {
  it('claims an app from a name with high confidence, with the name, source and frame as evidence', () => {
    const id = identifyApps([tlsFlow(1, 'zoomfr84zc.zoom.us', '198.51.100.9')])
    expect(id.apps).toHaveLength(1)
    const zoom = id.apps[0]!
    expect(zoom).toMatchObject({app: 'zoom', displayName: 'Zoom', confidence: 'high', flowIds: [1]})
    expect(zoom.evidence).toEqual([
      expect.objectContaining({kind: 'name', value: 'zoomfr84zc.zoom.us', match: 'zoom.us', via: ['sni'], confidence: 'high', claims: true, flowIds: [1], frames: [13]}),
    ])
    expect(zoom.evidence[0]!.source).toMatch(/^https:\/\/support\.zoom\.com\//)
    expect(id.flows).toEqual([{flowId: 1, app: 'zoom', confidence: 'high', via: 'evidence', reason: 'sni zoomfr84zc.zoom.us matches zoom.us'}])
  })

  it('claims from a published range with medium confidence', () => {
    expect(claimed([flow(1, {proto: 'tcp', tls: true, server: {ip: '52.113.194.132', port: 443}})])).toEqual(['teams:medium'])
    expect(claimed([flow(1, {proto: 'tcp', server: {ip: '91.108.8.1', port: 533}})])).toEqual(['telegram:medium'])
  })

  it('never claims an app from a port alone on a flow without call protocols', () => {
    // PFCP runs on UDP 8805, inside Zoom's 8801-8810: a port number is not Zoom.
    const pfcp = flow(1, {server: {port: 8805}, ...SUSTAINED})
    const id = identifyApps([pfcp])
    expect(id.apps).toEqual([])
    expect(id.flows).toEqual([])
    expect(id.unclaimed).toEqual([expect.objectContaining({app: 'zoom', evidence: [expect.objectContaining({kind: 'port', value: 'udp/8805', confidence: 'low', claims: false})]})])
  })

  it('lets a port claim (low) when the flow itself carries call protocols', () => {
    expect(claimed([flow(1, {server: {port: 8801}, rtpStreams: 2})])).toEqual(['zoom:low'])
    expect(claimed([flow(1, {server: {port: 8801}, stunPresent: true})])).toEqual(['zoom:low'])
    expect(claimed([flow(1, {server: {port: 9000}, dtls: true})])).toEqual(['webex:low'])
  })

  it('does not let a low match claim when another app has better evidence on the same flow', () => {
    // UDP 3480 is in Teams' and FaceTime's lists; the server is in Teams' range.
    const f = flow(1, {server: {ip: '52.114.252.21', port: 3480}, stunPresent: true, relay: true})
    const id = identifyApps([f])
    expect(id.apps.map((a) => a.app)).toEqual(['teams'])
    expect(id.unclaimed.map((a) => a.app)).toEqual(['facetime'])
  })

  it('names neither app when a port on a call flow is in two apps\' lists', () => {
    const id = identifyApps([flow(1, {server: {port: 3480}, stunPresent: true, rtpStreams: 1})])
    expect(id.apps).toEqual([])
    expect(id.unclaimed.map((a) => a.app)).toEqual(['teams', 'facetime'])
  })

  it("keeps supporting-only entries from claiming: Google's public STUN port is not Meet", () => {
    const stun = flow(1, {server: {ip: '74.125.128.127', port: 19302}, stunPresent: true})
    expect(claimed([stun])).toEqual([])
    // ...but once Meet is claimed (its media range), the same flow is attributed to it.
    const id = identifyApps([stun, flow(2, {server: {ip: '142.250.82.76', port: 19305}, stunPresent: true})])
    expect(id.apps.map((a) => `${a.app}:${a.confidence}`)).toEqual(['google-meet:medium'])
    expect(id.flows.map((a) => [a.flowId, a.app, a.confidence])).toEqual([
      [1, 'google-meet', 'low'],
      [2, 'google-meet', 'medium'],
    ])
  })

  it('ignores generic STUN/TURN ports even on STUN flows', () => {
    expect(claimed([flow(1, {server: {port: 3478}, stunPresent: true})])).toEqual([])
    expect(claimed([flow(1, {server: {port: 5004}, rtpStreams: 1})])).toEqual([])
  })

  it('never claims FaceTime from Apple push names or Apple addresses on ordinary flows', () => {
    const flows = [
      flow(1, {proto: 'tcp', tls: true, server: {ip: '17.57.144.116', port: 5223}, names: [{name: '1-courier.push.apple.com', source: 'dns', frame: 5}]}),
      flow(2, {proto: 'tcp', tls: true, server: {ip: '17.248.176.75', port: 443}}),
    ]
    const id = identifyApps(flows)
    expect(id.apps).toEqual([])
    expect(id.unclaimed.map((a) => a.app)).toEqual(['facetime'])
  })

  it('counts certificate names and names only asked in DNS as medium', () => {
    expect(claimed([flow(1, {dtls: true, names: [{name: '*.discord.gg', source: 'cert', frame: 3}]})])).toEqual(['discord:medium'])
    expect(claimed([flow(1, {isDns: true, server: {ip: '192.168.1.1', port: 53}, names: [{name: 'teams.microsoft.com', source: 'dns-query', frame: 3}]})])).toEqual(['teams:medium'])
  })

  it('claims Teams from Microsoft STUN attributes and Webex from its STUN SOFTWARE, but not from Coturn', () => {
    expect(claimed([flow(1, {server: {ip: '10.0.0.9', port: 42000}, stunPresent: true, stunAttributes: [0x8028, 0x8070]})])).toEqual(['teams:high'])
    expect(claimed([flow(1, {stunPresent: true, stunSoftware: [{software: 'Cisco-Spark/1.0', frame: 4}]})])).toEqual(['webex:medium'])
    expect(claimed([flow(1, {stunPresent: true, relay: true, stunSoftware: [{software: "Coturn-4.5.0.5 'dan Eider'", frame: 4}]})])).toEqual([])
  })

  it('keeps the app confidence at the best claiming evidence and lists all evidence in a fixed order', () => {
    const flows = [
      flow(1, {server: {ip: '162.255.37.14', port: 8801}, stunPresent: true}),
      tlsFlow(2, 'us05web.zoom.us'),
      flow(3, {proto: 'tcp', tls: true, server: {ip: '198.51.100.20', port: 443}, names: [{name: 'zoom.us', source: 'dns', frame: 7}]}),
    ]
    const zoom = identifyApps(flows).apps[0]!
    expect(zoom.confidence).toBe('high')
    expect(zoom.evidence.map((e) => `${e.kind} ${e.value} ${e.confidence}`)).toEqual([
      'name us05web.zoom.us high',
      'name zoom.us high',
      'range 162.255.37.14 medium',
      'port udp/8801 low',
    ])
    expect(zoom.flowIds).toEqual([1, 2, 3])
  })
})

describe('flow attribution', () => {
  it('gives a UDP flow without evidence the app of another flow on the same local socket', () => {
    const flows = [
      flow(1, {client: {port: 50016}, server: {ip: '52.114.250.141', port: 3478}, stunPresent: true, relay: true}),
      // ICE check to a peer from the same socket: no evidence of its own.
      flow(2, {client: {port: 50016}, server: {ip: '93.71.110.205', port: 16332}, stunPresent: true}),
      // Another socket: stays unattributed.
      flow(3, {client: {port: 50099}, server: {ip: '93.71.110.205', port: 16333}, stunPresent: true}),
    ]
    const id = identifyApps(flows)
    expect(id.flows.map((a) => [a.flowId, a.app, a.via])).toEqual([
      [1, 'teams', 'evidence'],
      [2, 'teams', 'shared-socket'],
    ])
    expect(id.flows[1]!.reason).toBe('shares local socket 192.168.1.23:50016 with flow 1')
    expect(id.flows[1]!.confidence).toBe('medium')
  })

  it('never associates DNS flows through the resolver address', () => {
    const flows = [
      flow(1, {isDns: true, client: {port: 1111}, server: {ip: '192.168.1.1', port: 53}, names: [{name: 'zoom.us', source: 'dns-query', frame: 1}]}),
      flow(2, {isDns: true, client: {port: 2222}, server: {ip: '192.168.1.1', port: 53}, names: [{name: 'example.org', source: 'dns-query', frame: 2}]}),
    ]
    expect(identifyApps(flows).flows.map((a) => a.flowId)).toEqual([1])
  })

  it('attributes flows only to claimed apps, by their best evidence', () => {
    const flows = [
      tlsFlow(1, 'teams.microsoft.com', '52.113.194.132'),
      // Port 3480 (Teams and FaceTime) with a Teams address: Teams.
      flow(2, {server: {ip: '52.114.252.21', port: 3480}, ...SUSTAINED}),
      // Apple address on a quiet flow: FaceTime is not claimed, so nothing.
      flow(3, {proto: 'tcp', server: {ip: '17.1.2.3', port: 443}}),
    ]
    const id = identifyApps(flows)
    expect(id.flows.map((a) => [a.flowId, a.app, a.confidence])).toEqual([
      [1, 'teams', 'high'],
      [2, 'teams', 'medium'],
    ])
  })
})

describe('generic WebRTC', () => {
  const webrtcFlow = (id: number, port = 40000 + id) =>
    flow(id, {client: {port}, server: {ip: '198.51.100.50', port: 52000 + id}, stunPresent: true, dtls: true, rtpStreams: 2, ...SUSTAINED})

  it('claims WebRTC for STUN + DTLS + RTP on a flow no named app claims', () => {
    const id = identifyApps([webrtcFlow(1)])
    expect(id.apps).toEqual([
      expect.objectContaining({app: 'webrtc', confidence: 'medium', flowIds: [1], evidence: [expect.objectContaining({kind: 'protocols', value: 'STUN+DTLS+RTP'})]}),
    ])
    expect(id.flows).toEqual([expect.objectContaining({flowId: 1, app: 'webrtc', via: 'protocols'})])
  })

  it('needs all three: STUN and RTP without DTLS, or DTLS alone, are not WebRTC', () => {
    expect(claimed([flow(1, {stunPresent: true, rtpStreams: 1, ...SUSTAINED})])).toEqual([])
    expect(claimed([flow(1, {dtls: true, rtpStreams: 1})])).toEqual([])
  })

  it('gives a WebRTC flow to the named app that shares its socket, and then claims no WebRTC', () => {
    const flows = [
      flow(1, {client: {port: 38152}, server: {ip: '142.250.82.76', port: 19305}, stunPresent: true}),
      webrtcFlow(2, 38152),
    ]
    const id = identifyApps(flows)
    expect(id.apps.map((a) => a.app)).toEqual(['google-meet'])
    expect(id.flows.map((a) => [a.flowId, a.app, a.via])).toEqual([
      [1, 'google-meet', 'evidence'],
      [2, 'google-meet', 'shared-socket'],
    ])
  })

  it('attaches STUN-only flows on a WebRTC socket to WebRTC', () => {
    const id = identifyApps([webrtcFlow(1, 41000), flow(2, {client: {port: 41000}, server: {ip: '198.51.100.60', port: 19302}, stunPresent: true})])
    expect(id.flows.map((a) => [a.flowId, a.app, a.via])).toEqual([
      [1, 'webrtc', 'protocols'],
      [2, 'webrtc', 'shared-socket'],
    ])
  })
})

describe('tenants', () => {
  it('reports the organisation a vanity name reveals, with its flows and frames', () => {
    const flows = [tlsFlow(1, 'ministry.zoom.us'), tlsFlow(2, 'us05web.zoom.us'), flow(3, {isDns: true, names: [{name: 'Ministry.zoom.us', source: 'dns-query', frame: 2}]})]
    const id = identifyApps(flows)
    expect(id.tenants).toEqual([
      expect.objectContaining({app: 'zoom', org: 'ministry', names: ['ministry.zoom.us'], suffix: 'zoom.us', flowIds: [1, 3], frames: [2, 13]}),
    ])
  })
})

describe('determinism and limits', () => {
  it('gives the same output whatever the input order', () => {
    const flows = [
      tlsFlow(1, 'teams.microsoft.com', '52.113.194.132'),
      tlsFlow(2, 'zoom.us'),
      flow(3, {server: {ip: '52.114.250.141', port: 3478}, stunPresent: true, relay: true}),
      flow(4, {proto: 'tcp', server: {ip: '91.108.8.1', port: 443}}),
      flow(5, {server: {port: 8805}}),
      tlsFlow(6, 'acme.webex.com'),
    ]
    const a = JSON.stringify(identifyApps(flows))
    const b = JSON.stringify(identifyApps([...flows].reverse()))
    const c = JSON.stringify(identifyApps([flows[3]!, flows[0]!, flows[5]!, flows[2]!, flows[4]!, flows[1]!]))
    expect(b).toBe(a)
    expect(c).toBe(a)
    expect(identifyApps(flows).apps.map((x) => `${x.app}:${x.confidence}`)).toEqual(['zoom:high', 'teams:high', 'webex:medium', 'telegram:medium'])
  })

  it(`cites at most ${MAX_FRAMES} frames per evidence item`, () => {
    const flows = Array.from({length: 50}, (_, i) => tlsFlow(i + 1, 'zoom.us'))
    const e = identifyApps(flows).apps[0]!.evidence[0]!
    expect(e.flowIds).toHaveLength(50)
    expect(e.frames).toHaveLength(MAX_FRAMES)
    expect(e.frames[0]).toBe(13)
  })

  it('handles no flows and flows with no evidence', () => {
    expect(identifyApps([])).toEqual({signaturesVersion: expect.any(String), apps: [], unclaimed: [], tenants: [], flows: []})
    expect(identifyApps([flow(1), flow(2, {proto: 'icmp', server: {port: 0}})]).apps).toEqual([])
  })
})

describe('remoteEndpoint: the far end of a flow', () => {
  it('is the flow\'s client when STUN shows its server is the STUN client (the server spoke first), unless that makes a private address the far end of a public one', () => {
    const turn = {ip: '157.240.196.62', port: 40000}
    const host = {ip: '80.180.162.48', port: 50000}
    expect(remoteEndpoint(flow(1, {client: turn, server: host}))).toEqual(host)
    expect(remoteEndpoint(flow(2, {client: turn, server: host, stunPresent: true, stunRolesReversed: true}))).toEqual(turn)
    // A LAN host that only answered a public peer's checks is still the capture host's end.
    const lan = {ip: '192.168.1.23', port: 50003}
    expect(remoteEndpoint(flow(3, {client: lan, server: turn, stunPresent: true, stunRolesReversed: true}))).toEqual(turn)
  })

  it('keys the shared local socket on the flow\'s server when STUN reversed the roles', () => {
    const host = {ip: '80.180.162.48', port: 50000}
    const zoom = flow(1, {client: host, server: {ip: '198.51.100.9', port: 8801}, rtpStreams: 1, stunPresent: true, names: [{name: 'zoomfr84zc.zoom.us', source: 'sni', frame: 3}]})
    const turn = flow(2, {client: {ip: '157.240.196.62', port: 40000}, server: host, stunPresent: true, stunRolesReversed: true})
    const id = identifyApps([zoom, turn])
    expect(id.flows.find((a) => a.flowId === 2)).toMatchObject({app: 'zoom', via: 'shared-socket'})
  })
})
