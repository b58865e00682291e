import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {type WebSocketFacts, webSocketAnalyzer} from '../../../src/protocols/websocket/ws-analyzer.js'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {CaptureKit, type End, factsOn} from '../rtp/capture-kit.js'
import {SDP_WEBRTC} from '../../support/sip-builders.js'
import {wsAnswer, wsDeflater, wsFrame, wsRequest} from '../../support/websocket-builders.js'
import {tcpExchange, type Turn} from '../../support/tcp-exchange.js'

const browser: End = {ip: '192.168.1.20', port: 51000}
const gateway: End = {ip: '198.51.100.8', port: 8188}
const MASK = Buffer.from([9, 8, 7, 6])

/** A Janus-style session (JSON over the "janus-protocol" subprotocol): a room join with its PIN,
 * the browser's offer, a trickled candidate, the gateway's answer, a binary and a compressed message. */
function session(o: {protocol?: string; compress?: boolean} = {}): Turn[] {
  // compress: the gateway agrees to permessage-deflate (RFC 7692) and every text message goes
  // compressed, each side's going on from its messages before.
  const clientDeflate = wsDeflater()
  const serverDeflate = wsDeflater()
  const text = (value: unknown) => Buffer.from(JSON.stringify(value))
  const client = (value: unknown) => (o.compress ? wsFrame(clientDeflate(text(value)), {mask: MASK, rsv: 4}) : wsFrame(text(value), {mask: MASK}))
  const server = (value: unknown) => (o.compress ? wsFrame(serverDeflate(text(value)), {rsv: 4}) : wsFrame(text(value)))
  const protocol = o.protocol ?? 'janus-protocol'
  return [
    [true, Buffer.from(wsRequest(protocol))],
    [false, Buffer.from(wsAnswer(101, protocol, o.compress ? 'permessage-deflate; client_max_window_bits=15' : undefined))],
    [true, client({janus: 'message', body: {request: 'join', room: 4711, ptype: 'publisher', display: 'Alice Wong', pin: '2468'}, transaction: 'a1'})],
    [false, server({janus: 'event', plugindata: {data: {videoroom: 'joined', room: 4711}}})],
    [true, client({janus: 'message', body: {request: 'configure', audio: true}, jsep: {type: 'offer', sdp: SDP_WEBRTC}})],
    [true, client({janus: 'trickle', candidate: {candidate: 'candidate:1 1 udp 2122260223 10.8.0.6 50101 typ host generation 0', sdpMid: '0'}})],
    [false, server({janus: 'event', jsep: {type: 'answer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=candidate:2 1 udp 2015363327 198.51.100.8 20000 typ host\r\n'}})],
    [false, wsFrame(Buffer.from([1, 2, 3]), {opcode: 2})],
    // Marked compressed though no compression was agreed: not read.
    ...(o.compress ? [] : [[true, wsFrame(Buffer.from([0xf2, 0x48]), {mask: MASK, rsv: 4})] as Turn]),
    [true, client('not an object')],
  ]
}

function capture(kit: CaptureKit, turns: Turn[], size: number): void {
  tcpExchange(kit, browser, gateway, turns, [size], {firstWhole: true})
}

async function facts(size = 1460, o: {protocol?: string; compress?: boolean} = {}): Promise<WebSocketFacts | undefined> {
  const kit = new CaptureKit()
  capture(kit, session(o), size)
  return factsOn<WebSocketFacts>(await kit.analyze([webSocketAnalyzer]), 'websocket', browser, gateway)
}

describe('WebRTC signalling over a ws:// WebSocket', () => {
  it('reads the session descriptions, trickled candidates and secret members of its JSON messages, never the secrets\' values', async () => {
    const f = (await facts())!
    expect(f).toMatchObject({requestedProtocols: ['janus-protocol'], protocol: 'janus-protocol', messages: {toServer: 5, toClient: 3}, unread: 2, truncated: false})
    expect(f.sdps.map((s) => [s.sentBy, s.type, s.sdp.candidates.length, s.sdp.fingerprint])).toEqual([['client', 'offer', 4, true], ['server', 'answer', 1, false]])
    expect(f.candidates).toEqual([expect.objectContaining({address: '10.8.0.6', port: 50101, transport: 'udp', type: 'host', sentBy: 'client'})])
    expect(f.secrets.map((s) => [s.name, s.sentBy])).toEqual([['pin', 'client']])
    expect(JSON.stringify(f)).not.toContain('2468')
    const lines = webSocketAnalyzer.describe(f)
    expect(lines[0]).toBe('WebSocket in clear (janus-protocol): 5 messages to the server, 3 back, 2 binary or compressed (not read)')
    expect(lines).toContain('ICE candidates trickled: host udp 10.8.0.6:50101 (client)')
  })

  it('gives the same facts however the segments fall', async () => {
    const strip = (f: WebSocketFacts | undefined) => JSON.stringify(f, (k, v) => (k === 'evidence' ? undefined : v))
    const whole = strip(await facts())
    for (const size of [1, 5, 333]) expect(strip(await facts(size)), `segments of ${size}`).toBe(whole)
  })

  it('inflates messages compressed with the permessage-deflate the gateway agreed to (RFC 7692) and reads them the same', async () => {
    const plain = (await facts())!
    const f = (await facts(1460, {compress: true}))!
    expect(f).toMatchObject({compression: 'permessage-deflate', inflated: 6, unread: 1, messages: {toServer: 4, toClient: 3}})
    expect(plain).toMatchObject({compression: null, inflated: 0, unread: 2})
    const same = (x: WebSocketFacts) => JSON.stringify([x.sdps.map((s) => [s.sentBy, s.type, s.sdp]), x.candidates.map((c) => [c.address, c.port, c.sentBy]), x.secrets.map((s) => [s.name, s.sentBy])])
    expect(same(f)).toBe(same(plain))
    expect(webSocketAnalyzer.describe(f)[0]).toBe('WebSocket in clear (janus-protocol): 4 messages to the server, 3 back, 6 compressed (permessage-deflate, inflated and read), 1 binary or compressed (not read)')
    const strip = (x: WebSocketFacts | undefined) => JSON.stringify(x, (k, v) => (k === 'evidence' ? undefined : v))
    for (const size of [1, 5, 333]) expect(strip(await facts(size, {compress: true})), `segments of ${size}`).toBe(strip(f))
  })

  it('leaves SIP over WebSocket to the SIP analyzer', async () => {
    expect(await facts(1460, {protocol: 'sip'})).toBeUndefined()
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('WebSocket messages agree with tshark (second opinion)', () => {
  it('text, binary and compressed messages each way', async () => {
    const kit = new CaptureKit()
    capture(kit, session(), 200)
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-ws-'))
    try {
      const path = join(dir, 'ws.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      const count = (filter: string) => execFileSync('tshark', ['-r', path, '-d', 'tcp.port==8188,http', '-Y', filter], {encoding: 'utf8'}).trim().split('\n').filter(Boolean).length
      const f = factsOn<WebSocketFacts>(await kit.analyze(ALL_ANALYZERS), 'websocket', browser, gateway)!
      expect(f.messages.toServer).toBe(count('websocket && tcp.dstport == 8188 && websocket.fin == 1 && websocket.opcode < 8'))
      expect(f.messages.toClient).toBe(count('websocket && tcp.srcport == 8188 && websocket.fin == 1 && websocket.opcode < 8'))
      expect(f.unread).toBe(count('websocket && (websocket.opcode == 2 || websocket.rsv == 4)'))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('compressed messages: tshark inflates them too, and finds the session descriptions where we do', async () => {
    const kit = new CaptureKit()
    capture(kit, session({compress: true}), 200)
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-ws-'))
    try {
      const path = join(dir, 'ws.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      const texts = (port: 'dstport' | 'srcport') =>
        execFileSync('tshark', ['-r', path, '-d', 'tcp.port==8188,http', '-Y', `websocket.opcode == 1 && tcp.${port} == 8188`, '-T', 'fields', '-e', 'text'], {encoding: 'utf8'}).trim().split('\n').filter(Boolean)
      const f = factsOn<WebSocketFacts>(await kit.analyze(ALL_ANALYZERS), 'websocket', browser, gateway)!
      const toServer = texts('dstport')
      const toClient = texts('srcport')
      expect(toServer.length + toClient.length).toBe(f.inflated)
      expect(toServer.filter((t) => t.includes('"sdp"')).length).toBe(f.sdps.filter((s) => s.sentBy === 'client').length)
      expect(toClient.filter((t) => t.includes('"sdp"')).length).toBe(f.sdps.filter((s) => s.sentBy === 'server').length)
      expect(toServer.some((t) => t.includes('10.8.0.6 50101'))).toBe(true)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
