import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../../src/analysis/analyze.js'
import {type EvidenceOf, type FlowInfo, payloadPacketOf} from '../../../src/protocols/analyzer.js'
import {TRANSPORT_CONFIRM, type WireGuardFacts, wireGuardType, wireguardAnalyzer} from '../../../src/protocols/wireguard/wireguard-analyzer.js'
import {corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {tempDir} from '../../helpers/temp-dir.js'
import {cookieReply, wgData, wgInitiation, wgResponse, wgTransport} from '../../support/vpn-builders.js'
import {analyze, type Endpoints, factsOf, pcapOf, reverse, udpFrame} from '../tls/capture-kit.js'

const filler = (n: number, seed: number) => Buffer.from(Array.from({length: n}, (_, i) => ((i * 151 + seed * 37) % 251) + 3))

const WG: Endpoints = {src: '10.0.0.2', sport: 41234, dst: '203.0.113.9', dport: 51820}

describe('WireGuard message shapes (whitepaper §5.4)', () => {
  it('knows each type by its exact size and reserved zeros', () => {
    expect([wgInitiation(), wgResponse(), cookieReply(), wgTransport(0), wgTransport(1280)].map(wireGuardType)).toEqual([1, 2, 3, 4, 4])
    expect(wireGuardType(wgInitiation().subarray(0, 147))).toBe(0)
    expect(wireGuardType(Buffer.concat([wgResponse(), Buffer.alloc(1)]))).toBe(0)
    const reserved = wgInitiation()
    reserved[2] = 1
    expect(wireGuardType(reserved)).toBe(0)
    // Transport: 16-byte header plus a multiple of 16 (tag included), at least the bare tag.
    expect(wireGuardType(wgTransport(0).subarray(0, 31))).toBe(0)
    expect(wireGuardType(Buffer.concat([wgTransport(16), Buffer.alloc(8)]))).toBe(0)
    expect(wireGuardType(Buffer.concat([Buffer.from([5, 0, 0, 0]), filler(144, 1)]))).toBe(0)
  })
})

describe('WireGuard analyzer on a generated capture', () => {
  it('reports the first initiation and counts a handshake then transport data', async () => {
    const frames = [
      udpFrame(WG, wgInitiation()),
      udpFrame(reverse(WG), wgResponse()),
      udpFrame(WG, wgTransport(0)),
      udpFrame(WG, wgTransport(96)),
      udpFrame(reverse(WG), wgTransport(1280)),
    ]
    const [facts] = factsOf<WireGuardFacts>(await analyze(frames, [wireguardAnalyzer]), 'wireguard')
    expect(facts).toEqual({
      initiation: {frame: 1, capture: 0, time: expect.any(String)},
      evidence: {frame: 1, capture: 0, time: expect.any(String)},
      initiations: 1,
      responses: 1,
      cookieReplies: 0,
      transportPackets: 3,
    })
    expect(wireguardAnalyzer.describe(facts!)[0]).toContain('WireGuard handshake initiation (frame 1)')
  })

  it('claims nothing on other UDP that starts like a handshake message', async () => {
    // A 148-byte datagram that does not start with type 1 and three zeros.
    const other = [udpFrame(WG, Buffer.concat([Buffer.from([1, 0, 1, 0]), filler(144, 9)])), udpFrame(reverse(WG), wgResponse().subarray(0, 91))]
    expect(factsOf(await analyze(other, [wireguardAnalyzer]), 'wireguard')).toEqual([])
  })
})

/** Receiver indexes as the two peers picked them (§5.4.2): the client sends to the server's. */
const TO_SERVER = 0x79497615
const TO_CLIENT = 0x1c1048b0
/** A mid-tunnel conversation (§5.4.6): the client's counters from C0 = 1000, the server's from 15. */
const C0 = 1000
const midTunnel = (n: number) =>
  Array.from({length: n}, (_, i) =>
    i % 3 === 1 ? udpFrame(reverse(WG), wgData(TO_CLIENT, 15 + Math.floor(i / 3), 16 * (i % 5))) : udpFrame(WG, wgData(TO_SERVER, C0 + i, 16 * ((i * 7) % 9))),
  )
const wgFacts = async (frames: Buffer[]) => factsOf<WireGuardFacts>(await analyze(frames, [wireguardAnalyzer]), 'wireguard')

describe('WireGuard transport data without a handshake (whitepaper §5.4.6)', () => {
  it(`claims a flow after ${TRANSPORT_CONFIRM} consistent data messages, and not before`, async () => {
    expect(TRANSPORT_CONFIRM).toBe(4)
    expect(await wgFacts(midTunnel(TRANSPORT_CONFIRM - 1))).toEqual([])
    const facts = await wgFacts(midTunnel(TRANSPORT_CONFIRM))
    expect(facts).toEqual([
      {
        initiation: null,
        evidence: {frame: 1, capture: 0, time: expect.any(String)},
        initiations: 0,
        responses: 0,
        cookieReplies: 0,
        transportPackets: 4,
        transportOnly: true,
        receiverIndexes: {toServer: '0x79497615', toClient: '0x1c1048b0'},
      },
    ])
    // Key order is part of the output: the handshake keys first, then the two transport keys.
    expect(Object.keys(facts[0]!)).toEqual(['initiation', 'evidence', 'initiations', 'responses', 'cookieReplies', 'transportPackets', 'transportOnly', 'receiverIndexes'])
    expect(wireguardAnalyzer.describe(facts[0]!)[0]).toBe('WireGuard transport data only, no handshake read (from frame 1): 4 transport packet(s) read, receiver index 0x79497615 to server, 0x1c1048b0 to client')
    // After confirming it counts on (to its packet budget), as on a flow with a handshake.
    expect((await wgFacts(midTunnel(12)))[0]?.transportPackets).toBe(12)
    // Once claimed, datagrams of another shape no longer send it away.
    const withOthers = [...midTunnel(4), ...[1, 2, 3, 4, 5].map((k) => udpFrame(WG, filler(40 + k, k))), udpFrame(WG, wgData(TO_SERVER, C0 + 20))]
    expect((await wgFacts(withOthers))[0]?.transportPackets).toBe(5)
  })

  it('claims one direction alone, keepalives included, and tolerates small reordering', async () => {
    const oneWay = [5, 7, 6, 8, 9].map((c, i) => udpFrame(WG, wgData(0x001aca02, c, i === 0 ? 0 : 48)))
    const [facts] = await wgFacts(oneWay)
    expect(facts?.receiverIndexes).toEqual({toServer: '0x001aca02', toClient: null})
    expect(facts?.transportPackets).toBe(5)
  })

  it('judges the transport data of a peer whose handshake is not the standard size', async () => {
    // A first message with the common header (§5.4: type 1, three zeros) but not 148 bytes wakes
    // the analyzer; the handshake is not counted, the transport data after it is.
    const frames = [udpFrame(WG, Buffer.concat([Buffer.from([1, 0, 0, 0]), filler(200, 6)])), ...[0, 1, 2, 3].map((c) => udpFrame(WG, wgData(0x001aca02, c)))]
    const [facts] = await wgFacts(frames)
    expect(facts).toMatchObject({initiation: null, evidence: {frame: 2}, initiations: 0, transportPackets: 4, transportOnly: true})
  })

  it('a handshake in the flow keeps the handshake shape, without the transport keys', async () => {
    const frames = [...midTunnel(6), udpFrame(WG, wgInitiation()), udpFrame(reverse(WG), wgResponse())]
    const [facts] = await wgFacts(frames)
    expect(facts).toEqual({initiation: {frame: 7, capture: 0, time: expect.any(String)}, evidence: {frame: 7, capture: 0, time: expect.any(String)}, initiations: 1, responses: 1, cookieReplies: 0, transportPackets: 6})
  })

  // Each breaks one rule in an otherwise good run of eight messages: none may be claimed.
  const broken: Array<[string, (frames: Buffer[]) => void]> = [
    ['a receiver index that changes', (f) => (f[3] = udpFrame(WG, wgData(TO_SERVER + 1, C0 + 3, 32)))],
    ['a repeated counter', (f) => (f[3] = udpFrame(WG, wgData(TO_SERVER, C0 + 2, 32)))],
    ['a counter far behind (not reordering)', (f) => (f[3] = udpFrame(WG, wgData(TO_SERVER, C0 - 100, 32)))],
    ['a counter leaping ahead', (f) => (f[3] = udpFrame(WG, wgData(TO_SERVER, C0 + 100_000, 32)))],
    ['both directions on one receiver index', (f) => f.splice(0, f.length, ...f.map((_, i) => (i % 2 ? udpFrame(reverse(WG), wgData(TO_SERVER, 40 + i)) : udpFrame(WG, wgData(TO_SERVER, 20 + i)))))],
    ['non-zero reserved bytes', (f) => {
      const d = wgData(TO_SERVER, C0 + 3, 32)
      d[2] = 1
      f[3] = udpFrame(WG, d)
    }],
    ['a length that is not 16 + 16n', (f) => (f[3] = udpFrame(WG, Buffer.concat([wgData(TO_SERVER, C0 + 3, 32), Buffer.alloc(4)])))],
    ['a message of another shape among them', (f) => (f[3] = udpFrame(WG, filler(60, 2)))],
  ]
  it.each(broken)('does not claim a flow with %s', async (_, breakIt) => {
    const frames = midTunnel(8)
    expect(await wgFacts(frames)).toHaveLength(1) // the unbroken run is claimed
    breakIt(frames)
    expect(await wgFacts(frames)).toEqual([])
  })

  it('never throws on mutated or truncated messages', () => {
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const flow: FlowInfo = {id: 1, transport: 'udp', client: {ip: '10.0.0.2', port: 41234}, server: {ip: '203.0.113.9', port: 51820}}
    const evidenceOf: EvidenceOf = (p) => ({frame: p.frame, capture: 0, time: 'T'})
    const bases = [wgData(TO_SERVER, 1), wgData(TO_CLIENT, 2, 0), wgInitiation(), wgResponse(), cookieReply()]
    let claimed = 0
    for (let round = 0; round < 400; round++) {
      const s = wireguardAnalyzer.start(flow, evidenceOf)
      for (let i = 0; i < 12; i++) {
        let d: Buffer = Buffer.from(bases[rand(bases.length)]!)
        if (i % 3 === 0) d = wgData(TO_SERVER, round * 100 + i, 16 * rand(4)) // some good ones among them
        else {
          for (let k = rand(4); k > 0; k--) d[rand(d.length)] = rand(256)
          if (rand(3) === 0) d = d.subarray(0, rand(d.length + 1))
          if (rand(4) === 0) d[0] = 4
        }
        const packet = payloadPacketOf(d, {frame: i + 1, capture: 0, sec: 0, nsec: 0, toServer: rand(2) === 0})
        wireguardAnalyzer.probe(flow, packet)
        if (!wireguardAnalyzer.feed(s, packet)) break
      }
      const facts = wireguardAnalyzer.finish(s)
      if (facts) {
        claimed++
        wireguardAnalyzer.describe(facts)
      }
    }
    expect(claimed).toBeLessThan(400)
    for (let n = 0; n <= 48; n++) {
      const d = Buffer.alloc(n)
      if (n > 0) d[0] = 4
      const s = wireguardAnalyzer.start(flow, evidenceOf)
      const packet = payloadPacketOf(d, {frame: 1, capture: 0, sec: 0, nsec: 0})
      expect(() => wireguardAnalyzer.probe(flow, packet)).not.toThrow()
      expect(() => wireguardAnalyzer.feed(s, packet)).not.toThrow()
      expect(wireguardAnalyzer.finish(s)).toBeUndefined()
    }
  })

  it('gives the flow the `vpn` role, "WireGuard (transport data only)", through the whole pipeline', async () => {
    const dir = tempDir('callaudit-wg-')
    const path = join(dir, 'capture.pcap')
    writeFileSync(path, pcapOf(midTunnel(6)))
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.flows.map((f) => [f.role, f.roleReason])).toEqual([['vpn', 'WireGuard (transport data only) to 203.0.113.9:51820']])
  })
})

describe.skipIf(!HAVE_CORPUS)('WireGuard mid-tunnel on the corpus (nDPI labels these flows WireGuard)', () => {
  const run = async (name: string) => {
    const {report} = await analyzeCaptures({paths: [corpusPath(name)], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    return report.flows.filter((f) => f.protocols?.wireguard).map((f) => ({server: `${f.server.ip}:${f.server.port}`, role: f.role, reason: f.roleReason, facts: f.protocols!.wireguard as WireGuardFacts}))
  }

  it('recognises the Mullvad flow on UDP 5060 from its transport data alone', async () => {
    const flows = await run('mullvad_wireguard.pcap')
    expect(flows.map((f) => [f.server, f.role, f.reason])).toEqual([['198.54.131.98:5060', 'vpn', 'WireGuard (transport data only) to 198.54.131.98:5060']])
    expect(flows[0]!.facts).toMatchObject({initiation: null, evidence: {frame: 1}, transportPackets: 10, transportOnly: true, receiverIndexes: {toServer: '0x79497615', toClient: '0x1c1048b0'}})
  })

  it('recognises the second wireguard.pcap flow, and keeps the first on its handshake', async () => {
    const flows = await run('wireguard.pcap')
    expect(flows.map((f) => [f.server, f.reason])).toEqual([
      ['10.9.0.2:51820', 'WireGuard (4 handshake messages) to 10.9.0.2:51820'],
      ['139.162.192.157:51820', 'WireGuard (transport data only) to 139.162.192.157:51820'],
    ])
    expect(flows[0]!.facts.transportOnly).toBeUndefined()
  })

  it.each(['sip.pcap', 'rtp.pcapng', 'quic.pcap', 'dtls.pcap', 'stun.pcap', 'zoom.pcap'])('claims nothing in %s', async (name) => {
    expect(await run(name)).toEqual([])
  })
})
