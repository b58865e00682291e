import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {type PacketPlace, payloadPacketOf} from '../../../src/protocols/analyzer.js'
import {ControlStream, MAX_WAITING} from '../../../src/protocols/openvpn/control-stream.js'
import {looksLikeOpenVpnReset, type OpenVpnFacts, openvpnAnalyzer} from '../../../src/protocols/openvpn/openvpn-analyzer.js'
import {guessHmacLength, HMAC_LENGTHS, looksLikeTlsCrypt, OP, parseControlPacket} from '../../../src/protocols/openvpn/openvpn-packet.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {counting, pseudoRandom} from '../dns/capture-support.js'
import {analyze, type Endpoints, factsOf, T0, tcpConversation, udpFrame, reverse} from '../tls/capture-kit.js'
import {CA_DER, LEAF_DER} from '../tls/test-certificates.js'
import {certificateBody, clientHelloBody, ext, handshake, record, records, serverHelloBody} from '../tls/tls-builders.js'

// ---------------------------------------------------------------------------------------------
// OpenVPN packets as OpenVPN writes them (ssl_pkt.h; Wireshark's packet-openvpn.c)
// ---------------------------------------------------------------------------------------------

const CLIENT_SID = Buffer.from('1a2b3c4d5e6f7081', 'hex')
const SERVER_SID = Buffer.from('99887766554433ee', 'hex')

const u8 = (n: number) => Buffer.from([n & 0xff])
const u16 = (n: number) => Buffer.from([(n >>> 8) & 0xff, n & 0xff])
const u32 = (n: number) => Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff])

/** HMAC-looking bytes (never zero, so Wireshark's check_for_valid_hmac holds). */
function hmacBytes(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({length}, (_, i) => ((i * 73 + seed * 31) % 255) + 1))
}

interface Packet {
  op: number
  sid: Buffer
  key?: number
  hmac?: number
  replay?: number
  acks?: number[]
  remote?: Buffer
  msg?: number
  payload?: Buffer
}

let hmacSeed = 1
function ovpn(p: Packet): Buffer {
  const parts = [u8((p.op << 3) | (p.key ?? 0)), p.sid]
  if (p.hmac) parts.push(hmacBytes(p.hmac, hmacSeed++), u32(p.replay ?? 1), u32(T0))
  const acks = p.acks ?? []
  parts.push(u8(acks.length), ...acks.map(u32))
  if (acks.length > 0) parts.push(p.remote ?? Buffer.alloc(8))
  if (p.op !== OP.ACK_V1) parts.push(u32(p.msg ?? 0))
  if (p.payload) parts.push(p.payload)
  return Buffer.concat(parts)
}

/** TCP framing: each packet after its 16-bit length. */
const framed = (packet: Buffer) => Buffer.concat([u16(packet.length), packet])

/** Cut into pieces of `size` bytes (OpenVPN 2.x sends the TLS stream in 100-byte control packets
 * when the link MTU is small; here it also tests reassembly across many packets). */
function pieces(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size))
  return out
}

const CLIENT_HELLO = record(22, handshake(1, clientHelloBody({extensions: [ext.sni('vpn.example.org'), ext.supportedGroups([0x001d])]})), 0x0301)
const SERVER_HELLO = handshake(2, serverHelloBody({cipherSuite: 0xc030}))
const CERTIFICATE = handshake(11, certificateBody([LEAF_DER, CA_DER]))
const SERVER_FLIGHT = records(22, Buffer.concat([SERVER_HELLO, CERTIFICATE, handshake(14, Buffer.alloc(0))]), 16384)
/** Offset, in the server's TLS stream, of the last byte of the Certificate message. */
const CERT_END = 5 + SERVER_HELLO.length + CERTIFICATE.length - 1

interface Conversation {
  /** Each OpenVPN packet, from whom, and its message id when it carries TLS. */
  packets: Array<{toServer: boolean; bytes: Buffer; tlsPiece?: number}>
  clientPieces: Buffer[]
  serverPieces: Buffer[]
}

/** A handshake: both resets, an ack, the ClientHello and the server's flight in `size`-byte
 * P_CONTROL_V1 packets (message ids from 1), optionally with a tls-auth HMAC. */
function conversation(hmac: number, size = 100): Conversation {
  const clientPieces = pieces(CLIENT_HELLO, size)
  const serverPieces = pieces(SERVER_FLIGHT, size)
  const packets: Conversation['packets'] = [
    {toServer: true, bytes: ovpn({op: OP.HARD_RESET_CLIENT_V2, sid: CLIENT_SID, hmac, replay: 1, msg: 0})},
    {toServer: false, bytes: ovpn({op: OP.HARD_RESET_SERVER_V2, sid: SERVER_SID, hmac, replay: 1, acks: [0], remote: CLIENT_SID, msg: 0})},
    {toServer: true, bytes: ovpn({op: OP.ACK_V1, sid: CLIENT_SID, hmac, replay: 2, acks: [0], remote: SERVER_SID})},
  ]
  clientPieces.forEach((payload, i) => packets.push({toServer: true, tlsPiece: i, bytes: ovpn({op: OP.CONTROL_V1, sid: CLIENT_SID, hmac, replay: 3 + i, msg: 1 + i, payload})}))
  serverPieces.forEach((payload, i) =>
    packets.push({toServer: false, tlsPiece: i, bytes: ovpn({op: OP.CONTROL_V1, sid: SERVER_SID, hmac, replay: 2 + i, acks: i === 0 ? [1] : [], remote: CLIENT_SID, msg: 1 + i, payload})}),
  )
  return {packets, clientPieces, serverPieces}
}

const vpnUdp: Endpoints = {src: '10.1.2.3', sport: 50123, dst: '198.51.100.7', dport: 1194}

function udpFrames(e: Endpoints, packets: Array<{toServer: boolean; bytes: Buffer}>): Buffer[] {
  return packets.map((p) => udpFrame(p.toServer ? e : reverse(e), p.bytes))
}

// ---------------------------------------------------------------------------------------------

describe('OpenVPN packets on raw bytes', () => {
  it('reads each field with the right HMAC length and refuses the layout with a wrong one', () => {
    const reset = ovpn({op: OP.HARD_RESET_CLIENT_V2, sid: CLIENT_SID, msg: 0})
    expect(reset.length).toBe(14)
    expect(parseControlPacket(reset, 0)).toEqual({opcode: 7, keyId: 0, hmacLength: 0, ackCount: 0, remoteSessionAt: -1, messageId: 0, payloadAt: 14})
    for (const h of HMAC_LENGTHS) expect(parseControlPacket(reset, h), `hmac ${h}`).toBeUndefined()
    const withAck = ovpn({op: OP.CONTROL_V1, sid: SERVER_SID, key: 2, hmac: 32, acks: [4, 5], remote: CLIENT_SID, msg: 9, payload: Buffer.from([0x16, 3, 3])})
    expect(parseControlPacket(withAck, 32)).toEqual({opcode: 4, keyId: 2, hmacLength: 32, ackCount: 2, remoteSessionAt: 1 + 8 + 40 + 1 + 8, messageId: 9, payloadAt: withAck.length - 3})
    expect(parseControlPacket(withAck, 20)).toBeUndefined()
    expect(parseControlPacket(withAck, 0)).toBeUndefined()
    // An ACK has no payload; a reset's payload is early-negotiation TLVs filling it exactly.
    expect(parseControlPacket(Buffer.concat([ovpn({op: OP.ACK_V1, sid: CLIENT_SID, acks: [0], remote: SERVER_SID}), u8(0)]), 0)).toBeUndefined()
    const tlv = Buffer.from([0, 1, 0, 2, 0, 1])
    expect(parseControlPacket(ovpn({op: OP.HARD_RESET_SERVER_V2, sid: SERVER_SID, acks: [0], remote: CLIENT_SID, payload: tlv}), 0)).toMatchObject({payloadAt: 26})
    expect(parseControlPacket(ovpn({op: OP.HARD_RESET_SERVER_V2, sid: SERVER_SID, acks: [0], remote: CLIENT_SID, payload: tlv.subarray(0, 5)}), 0)).toBeUndefined()
    // More acks than reliable.h allows, data opcodes and tls-crypt-v2 opcodes are not control layouts.
    expect(parseControlPacket(ovpn({op: OP.ACK_V1, sid: CLIENT_SID, acks: [1, 2, 3, 4, 5, 6, 7, 8, 9], remote: SERVER_SID}), 0)).toBeUndefined()
    expect(parseControlPacket(ovpn({op: OP.DATA_V1, sid: CLIENT_SID}), 0)).toBeUndefined()
    expect(parseControlPacket(ovpn({op: OP.HARD_RESET_CLIENT_V3, sid: CLIENT_SID}), 0)).toBeUndefined()
  })

  it('guesses the HMAC length from the layout, the echoed session id, or a TLS record', () => {
    for (const h of [0, ...HMAC_LENGTHS]) {
      const reset = ovpn({op: OP.HARD_RESET_CLIENT_V2, sid: CLIENT_SID, hmac: h, msg: 0})
      expect(guessHmacLength(reset), `reset hmac ${h}`).toMatchObject({hmacLength: h, certainty: 'layout'})
      const answer = ovpn({op: OP.HARD_RESET_SERVER_V2, sid: SERVER_SID, hmac: h, acks: [0], remote: CLIENT_SID, msg: 0})
      expect(guessHmacLength(answer, CLIENT_SID), `answer hmac ${h}`).toMatchObject({hmacLength: h, certainty: 'session-echo'})
      const hello = ovpn({op: OP.CONTROL_V1, sid: CLIENT_SID, hmac: h, msg: 1, payload: CLIENT_HELLO.subarray(0, 100)})
      expect(guessHmacLength(hello), `hello hmac ${h}`).toMatchObject({hmacLength: h, certainty: 'tls-record'})
    }
    // Wireshark's rule: a non-zero byte after the session id followed by random-looking bytes is
    // an HMAC, not an ack count.
    const fake = Buffer.concat([u8(OP.ACK_V1 << 3), CLIENT_SID, Buffer.from([1, 0x55, 0x66, 0x77]), CLIENT_SID])
    expect(parseControlPacket(fake, 0)).toBeUndefined()
    expect(guessHmacLength(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'))).toBeUndefined()
  })

  it('returns nothing for a packet cut anywhere before its payload, and never throws', () => {
    for (const h of [0, 20, 64]) {
      const reset = ovpn({op: OP.HARD_RESET_SERVER_V2, sid: SERVER_SID, hmac: h, acks: [0], remote: CLIENT_SID, msg: 0})
      for (let cut = 0; cut < reset.length; cut++) expect(parseControlPacket(reset.subarray(0, cut), h), `hmac ${h} cut ${cut}`).toBeUndefined()
      const control = ovpn({op: OP.CONTROL_V1, sid: CLIENT_SID, hmac: h, acks: [3], remote: SERVER_SID, msg: 4, payload: CLIENT_HELLO.subarray(0, 50)})
      const payloadAt = control.length - 50
      for (let cut = 0; cut <= control.length; cut++) {
        const header = parseControlPacket(control.subarray(0, cut), h)
        if (cut <= payloadAt) expect(header, `cut ${cut}`).toBeUndefined()
        else expect(header, `cut ${cut}`).toMatchObject({messageId: 4, payloadAt})
      }
    }
  })

  it('tells tls-crypt from tls-auth, and tls-crypt-v2 by its opcodes', () => {
    const tag = Buffer.alloc(32, 0xff)
    const crypt = Buffer.concat([u8(OP.HARD_RESET_CLIENT_V2 << 3), CLIENT_SID, u32(1), u32(T0), tag, Buffer.alloc(5, 0xff)])
    expect(guessHmacLength(crypt)).toBeUndefined()
    expect(looksLikeTlsCrypt(crypt, T0)).toBe(true)
    expect(looksLikeTlsCrypt(crypt, T0 + 400 * 86400)).toBe(false) // the net time is not near the capture's
    expect(looksLikeTlsCrypt(Buffer.concat([crypt.subarray(0, 9), u32(0x7fffffff), crypt.subarray(13)]), T0)).toBe(false)
    const v3 = Buffer.concat([u8(OP.HARD_RESET_CLIENT_V3 << 3), CLIENT_SID, u32(0x0f000001), u32(T0), tag, Buffer.alloc(300, 0x42)])
    expect(looksLikeTlsCrypt(v3, T0)).toBe(true)
    expect(looksLikeTlsCrypt(v3.subarray(0, 200), T0)).toBe(false) // too short for a wrapped client key
  })

  it('keeps control payloads in message id order, takes retransmissions once, and stalls on a loss', () => {
    const got: string[] = []
    const stream = new ControlStream()
    stream.reset(0)
    const deliver = (p: Uint8Array) => got.push(Buffer.from(p).toString())
    for (const [id, text] of [[2, 'b'], [1, 'a'], [1, 'a'], [4, 'd'], [3, 'c'], [2, 'b'], [5, 'e']] as const) stream.accept(id, Buffer.from(text), deliver)
    expect(got.join('')).toBe('abcde')
    expect(stream.retransmissions).toBe(2)
    expect(stream.stalled).toBe(false)
    const lossy = new ControlStream()
    lossy.reset(0)
    const none: string[] = []
    for (let id = 2; id <= MAX_WAITING + 2; id++) lossy.accept(id, Buffer.from('x'), (p) => none.push(Buffer.from(p).toString()))
    expect(lossy.stalled).toBe(true)
    lossy.accept(1, Buffer.from('late'), (p) => none.push(Buffer.from(p).toString()))
    expect(none).toEqual([])
  })

  it('never throws on mutated or random bytes', () => {
    const next = pseudoRandom(1194)
    const random = () => next() / 2 ** 32
    const seeds = [...conversation(20).packets, ...conversation(0).packets].map((p) => p.bytes)
    for (let i = 0; i < 5000; i++) {
      const seed = Buffer.from(seeds[i % seeds.length]!)
      const data = i % 5 === 0 ? Buffer.from(Array.from({length: Math.floor(random() * 80)}, () => Math.floor(random() * 256))) : seed.subarray(0, Math.floor(random() * (seed.length + 1)))
      for (let k = 0; k < 3 && data.length > 0; k++) data[Math.floor(random() * data.length)] = Math.floor(random() * 256)
      expect(() => {
        for (const h of [0, ...HMAC_LENGTHS]) parseControlPacket(data, h)
        guessHmacLength(data, CLIENT_SID)
        looksLikeTlsCrypt(data, T0)
        looksLikeOpenVpnReset(data, T0)
      }, data.toString('hex')).not.toThrow()
    }
  })
})

// ---------------------------------------------------------------------------------------------

/** Feed packets straight to the analyzer (no capture), as the dispatcher would. */
function feedDirect(transport: 'udp' | 'tcp', packets: Array<{toServer: boolean; data: Uint8Array}>): OpenVpnFacts | undefined {
  const flow = {id: 1, transport, client: {ip: '10.0.0.1', port: 40000}, server: {ip: '10.0.0.2', port: 1194}}
  const evidenceOf = (p: PacketPlace) => ({frame: p.frame, capture: 0, time: 'T'})
  const state = openvpnAnalyzer.start(flow, evidenceOf)
  const seq = {client: 1000, server: 5000}
  let frame = 0
  for (const p of packets) {
    const at = p.toServer ? seq.client : seq.server
    const packet = payloadPacketOf(p.data, {frame: ++frame, capture: 0, sec: T0, nsec: 0, toServer: p.toServer, seq: at})
    if (p.toServer) seq.client += p.data.length
    else seq.server += p.data.length
    if (!openvpnAnalyzer.feed(state, packet)) break
  }
  const facts = openvpnAnalyzer.finish(state)
  if (facts) openvpnAnalyzer.describe(facts)
  return facts
}

describe('the OpenVPN analyzer', () => {
  it('reads the TLS handshake inside a tls-auth control channel over UDP, reordered and with retransmissions', async () => {
    const conv = conversation(20)
    const client = conv.packets.filter((p) => p.toServer)
    const server = conv.packets.filter((p) => !p.toServer)
    // Wire order: client reset, server reset, client ack, ClientHello pieces; then the server's
    // pieces with 2 and 3 swapped and piece 1 sent again after piece 4.
    const flight = server.slice(1)
    const wire = [client[0]!, server[0]!, ...client.slice(1), flight[0]!, flight[2]!, flight[1]!, flight[3]!, flight[0]!, ...flight.slice(4)]
    const flows = await analyze(udpFrames(vpnUdp, wire), [openvpnAnalyzer])
    const [facts] = factsOf<OpenVpnFacts>(flows, 'openvpn')
    expect(facts).toMatchObject({
      transport: 'udp',
      evidence: {frame: 1},
      controlWrap: 'tls-auth',
      tlsAuth: {hmacBytes: 20, guessedFrom: 'layout', evidence: {frame: 1}},
      clientSession: {id: '1a2b3c4d5e6f7081', evidence: {frame: 1}},
      serverSession: {id: '99887766554433ee', evidence: {frame: 2}},
      retransmissions: 1,
      controlStreamGap: false,
    })
    const tls = facts!.tls!
    // The ClientHello completes with its last piece; the Certificate with the piece holding its
    // last byte, once every piece before it arrived (the frame that filled the swap's gap).
    const frameOf = (p: (typeof wire)[number]) => wire.indexOf(p) + 1
    expect(tls.clientHello).toMatchObject({sni: 'vpn.example.org', evidence: {frame: frameOf(client.at(-1)!)}})
    expect(tls.serverHello).toMatchObject({cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'})
    const certPiece = Math.floor(CERT_END / 100)
    const certFrame = Math.max(...flight.slice(0, certPiece + 1).map(frameOf))
    expect(tls.certificates).toHaveLength(1)
    expect(tls.certificates![0]).toMatchObject({sentBy: 'server', evidence: {frame: certFrame}})
    expect(tls.certificates![0]!.chain.map((c) => c.subjectCN)).toEqual(['*.meet.example', 'Callaudit Test Root CA'])
    const lines = openvpnAnalyzer.describe(facts!)
    expect(lines[0]).toBe('UDP, tls-auth HMAC 20 bytes, client session 1a2b3c4d5e6f7081, server session 99887766554433ee (frame 1)')
    expect(lines.some((l) => l.startsWith('TLS ClientHello SNI vpn.example.org'))).toBe(true)
    expect(lines.some((l) => l.startsWith('TLS certificate CN=*.meet.example issuer CN=Callaudit Test Root CA') && l.endsWith(`(frame ${certFrame})`))).toBe(true)
  })

  it('reads OpenVPN over TCP without HMAC, packets split across and packed into segments', async () => {
    const conv = conversation(0, 120)
    const clientStream = Buffer.concat(conv.packets.filter((p) => p.toServer).map((p) => framed(p.bytes)))
    const serverStream = Buffer.concat(conv.packets.filter((p) => !p.toServer).map((p) => framed(p.bytes)))
    // The client's reset alone, the server's reset alone, then both streams in 37/53-byte cuts.
    const resetLength = 2 + conv.packets[0]!.bytes.length
    const serverResetLength = 2 + conv.packets[1]!.bytes.length
    const segments = [
      {toServer: true, data: clientStream.subarray(0, resetLength)},
      {toServer: false, data: serverStream.subarray(0, serverResetLength)},
      ...pieces(clientStream.subarray(resetLength), 37).map((data) => ({toServer: true, data})),
      ...pieces(serverStream.subarray(serverResetLength), 53).map((data) => ({toServer: false, data})),
    ]
    const flows = await analyze(tcpConversation({src: '10.9.8.7', sport: 39772, dst: '10.251.71.30', dport: 1194}, segments), [openvpnAnalyzer])
    const [facts] = factsOf<OpenVpnFacts>(flows, 'openvpn')
    expect(facts).toMatchObject({transport: 'tcp', controlWrap: 'none', tlsAuth: null, clientSession: {id: '1a2b3c4d5e6f7081'}, serverSession: {id: '99887766554433ee'}})
    // The Certificate completes in the segment holding the end of the OpenVPN packet that holds
    // its last byte (3 handshake frames come first).
    const serverPackets = conv.packets.filter((p) => !p.toServer)
    let end = 0
    for (const p of serverPackets) {
      end += 2 + p.bytes.length
      if (p.tlsPiece === Math.floor(CERT_END / 120)) break
    }
    const segmentIndex = segments.findIndex((s, i) => {
      if (s.toServer) return false
      const before = segments.slice(0, i).filter((x) => !x.toServer).reduce((n, x) => n + x.data.length, 0)
      return before < end && end <= before + s.data.length
    })
    expect(facts!.tls!.certificates![0]).toMatchObject({evidence: {frame: 3 + segmentIndex + 1}})
    expect(facts!.tls!.clientHello?.sni).toBe('vpn.example.org')
    expect(openvpnAnalyzer.describe(facts!)[0]).toMatch(/^TCP, no tls-auth, client session 1a2b3c4d5e6f7081, server session 99887766554433ee \(frame 4\)$/)
  })

  it('finds OpenVPN on another port only from a well-formed hard reset', async () => {
    const on443: Endpoints = {...vpnUdp, dport: 443}
    const conv = conversation(64)
    const [facts] = factsOf<OpenVpnFacts>(await analyze(udpFrames(on443, conv.packets), [openvpnAnalyzer]), 'openvpn')
    expect(facts).toMatchObject({controlWrap: 'tls-auth', tlsAuth: {hmacBytes: 64}, tls: {clientHello: {sni: 'vpn.example.org'}}})
    // Look-alikes: an opcode byte then noise, a 14-byte reset whose message id is not 0 (a hard
    // reset is the first packet of its direction), a TCP segment whose length prefix is not its
    // length.
    const noise = Buffer.concat([u8(0x38), hmacBytes(40, 3)])
    const almost = Buffer.concat([u8(0x38), CLIENT_SID, Buffer.from([0, 0, 0, 0, 7])])
    const lookAlikes = await analyze(
      [udpFrame(on443, noise), udpFrame(on443, noise), udpFrame({...on443, sport: 50124}, almost), udpFrame({...on443, sport: 50124}, almost)],
      [openvpnAnalyzer],
    )
    expect(factsOf(lookAlikes, 'openvpn')).toEqual([])
    const reset = framed(conv.packets[0]!.bytes)
    const tcpGood = await analyze(tcpConversation({...on443, dport: 443}, [{toServer: true, data: reset}]), [openvpnAnalyzer])
    expect(factsOf<OpenVpnFacts>(tcpGood, 'openvpn')).toMatchObject([{transport: 'tcp', tlsAuth: {hmacBytes: 64}}])
    const tcpBad = await analyze(tcpConversation({...on443, dport: 443}, [{toServer: true, data: Buffer.concat([reset, u8(0)])}]), [openvpnAnalyzer])
    expect(factsOf(tcpBad, 'openvpn')).toEqual([])
  })

  it('says when the control channel is encrypted (tls-crypt), and reads nothing from it', async () => {
    const tag = Buffer.alloc(32, 0xff)
    const wrap = (op: number, sid: Buffer, id: number, rest: Buffer) => Buffer.concat([u8(op << 3), sid, u32(id), u32(T0), tag, rest])
    const frames = udpFrames(vpnUdp, [
      {toServer: true, bytes: wrap(OP.HARD_RESET_CLIENT_V2, CLIENT_SID, 1, Buffer.alloc(5, 0xff))},
      {toServer: false, bytes: wrap(OP.HARD_RESET_SERVER_V2, SERVER_SID, 1, Buffer.alloc(17, 0xfe))},
      {toServer: true, bytes: wrap(OP.CONTROL_V1, CLIENT_SID, 2, Buffer.alloc(300, 0xfd))},
    ])
    const [facts] = factsOf<OpenVpnFacts>(await analyze(frames, [openvpnAnalyzer]), 'openvpn')
    expect(facts).toMatchObject({controlWrap: 'tls-crypt', tlsAuth: null, tls: null, clientSession: {id: '1a2b3c4d5e6f7081'}, serverSession: {id: '99887766554433ee'}})
    expect(openvpnAnalyzer.describe(facts!)[0]).toContain('tls-crypt suspected: control channel encrypted, TLS not readable')
    const v3 = udpFrames(vpnUdp, [{toServer: true, bytes: wrap(OP.HARD_RESET_CLIENT_V3, CLIENT_SID, 0x0f000001, Buffer.alloc(320, 0x42))}])
    expect(factsOf<OpenVpnFacts>(await analyze(v3, [openvpnAnalyzer]), 'openvpn')).toMatchObject([{controlWrap: 'tls-crypt-v2', tls: null}])
  })

  it('reports nothing on port 1194 when the bytes are not OpenVPN', async () => {
    const frames = udpFrames(vpnUdp, [
      {toServer: true, bytes: Buffer.concat([u8(0x20), hmacBytes(60, 9)])},
      {toServer: false, bytes: Buffer.concat([u8(0x28), hmacBytes(60, 10)])},
      {toServer: true, bytes: Buffer.concat([u8(0x20), hmacBytes(60, 11)])},
      {toServer: true, bytes: Buffer.concat([u8(0x20), hmacBytes(60, 12)])},
    ])
    expect(factsOf(await analyze(frames, [openvpnAnalyzer]), 'openvpn')).toEqual([])
  })

  it('never throws on mutated conversations, UDP or TCP', () => {
    const next = pseudoRandom(4096)
    const random = () => next() / 2 ** 32
    const base = [conversation(20, 100), conversation(0, 64), conversation(32, 200)]
    let read = 0
    for (let i = 0; i < 1500; i++) {
      const conv = base[i % base.length]!
      const tcp = i % 2 === 1
      const packets = conv.packets.map((p) => {
        const bytes = Buffer.from(tcp ? framed(p.bytes) : p.bytes)
        if (random() < 0.3 && bytes.length > 0) for (let k = 0; k < 1 + Math.floor(random() * 4); k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
        return {toServer: p.toServer, data: random() < 0.1 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes}
      })
      if (random() < 0.3) packets.reverse()
      let facts: OpenVpnFacts | undefined
      expect(() => {
        facts = feedDirect(tcp ? 'tcp' : 'udp', packets)
      }).not.toThrow()
      if (facts) {
        read++
        expect(() => JSON.stringify(facts)).not.toThrow()
      }
    }
    // Most mutated conversations are still read (the mutation hits a few bytes).
    expect(read).toBeGreaterThan(500)
  })
})

// ---------------------------------------------------------------------------------------------

/** Every flow of the corpus with OpenVPN facts, checked against tshark / nDPI by hand. */
const CORPUS_OPENVPN = [
  '443-opvn.pcap tcp 192.168.1.84:52973>192.12.192.103:1194 tls-auth 20',
  'openvpn-tlscrypt.pcap udp ::1:56256>::1:1194 tls-crypt-v2 -',
  'openvpn.pcap tcp 10.181.235.122:39772>10.251.71.30:1194 none -',
  'openvpn.pcap tcp 127.0.0.1:36138>127.0.0.1:443 tls-crypt -',
  'openvpn.pcap tcp 192.168.1.77:60140>46.101.231.218:443 tls-auth 20',
  'openvpn.pcap udp 10.0.2.15:60201>69.197.143.179:443 none -',
  'openvpn.pcap udp 192.168.12.156:37383>217.138.197.43:1234 tls-auth 64',
  'openvpn.pcap udp 192.168.12.156:41133>107.161.86.131:443 tls-auth 64',
  'openvpn.pcap udp 192.168.43.12:41507>139.59.151.137:13680 tls-auth 20',
  'openvpn.pcap udp 192.168.43.18:13680>139.59.151.137:13680 tls-auth 20',
  'openvpn.pcap udp 192.168.75.18:60201>166.161.181.18:443 none -',
  'openvpn.pcap udp 3.111.166.78:51146>85.134.13.165:1194 none -',
  'openvpn_nohmac.pcapng udp 3.111.166.78:51146>85.134.13.165:1194 none -',
  'openvpn_nohmac_tcp.pcapng tcp 10.181.235.122:39772>10.251.71.30:1194 none -',
]

describe.skipIf(!HAVE_CORPUS)('OpenVPN over the corpus', () => {
  it('finds exactly the OpenVPN flows, nowhere else, and their certificates', async () => {
    const errors: string[] = []
    let current = ''
    const analyzer = counting(openvpnAnalyzer, errors, () => current)
    const found: string[] = []
    const chains = new Map<string, string[][]>()
    for (const name of corpusFiles()) {
      current = name
      const collection = await collectFlows([corpusPath(name)], {analyzers: [analyzer]})
      for (const flow of flowRecords(collection)) {
        const facts = flow.protocols?.openvpn as OpenVpnFacts | undefined
        if (!facts) continue
        openvpnAnalyzer.describe(facts)
        const key = `${name} ${flow.proto} ${flow.client.ip}:${flow.client.port}>${flow.server.ip}:${flow.server.port}`
        found.push(`${key} ${facts.controlWrap} ${facts.tlsAuth?.hmacBytes ?? '-'}`)
        chains.set(key, (facts.tls?.certificates ?? []).map((m) => m.chain.map((c) => c.subjectCN ?? '?')))
      }
    }
    expect(errors).toEqual([])
    expect(found.sort()).toEqual([...CORPUS_OPENVPN].sort())
    // tshark (-d tcp.port==1194,openvpn) shows these chains in frames 67 and 115.
    expect(chains.get('openvpn_nohmac_tcp.pcapng tcp 10.181.235.122:39772>10.251.71.30:1194')).toEqual([
      ['PRO3', 'PRO3'],
      ['PRO3-Client', 'PRO3'],
    ])
  }, 120_000)
})
