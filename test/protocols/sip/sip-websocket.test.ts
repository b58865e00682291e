import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {type SipFacts, sipAnalyzer} from '../../../src/protocols/sip/sip-analyzer.js'
import {parseSdp} from '../../../src/protocols/sip/sdp.js'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {CaptureKit, type End, factsOn} from '../rtp/capture-kit.js'
import {SDP_WEBRTC, wsInvite, wsOk, wsRegister} from '../../support/sip-builders.js'
import {wsAnswer, wsDeflater, wsFrame, wsRequest} from '../../support/websocket-builders.js'
import {tcpExchange, type Turn} from '../../support/tcp-exchange.js'

const browser: End = {ip: '192.168.1.20', port: 51670}
const pbx: End = {ip: '198.51.100.5', port: 8088}
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d])

/** A browser softphone's WebSocket to its PBX, turn by turn: the handshake, then SIP messages one
 * per WebSocket message (the browser's masked, §5.3), then the browser's close. */
function turns(o: {status?: number; protocol?: string; deflate?: boolean; compress?: 'context' | 'alone'; corrupt?: boolean; fragmentInvite?: boolean; eager?: boolean} = {}): Turn[] {
  // compress: permessage-deflate agreed (RFC 7692), each side's messages compressed, going on
  // from its messages before ('context') or each on its own ('alone'); corrupt: the REGISTER's
  // compressed bytes damaged.
  const takeover = o.compress !== 'alone'
  const clientDeflate = wsDeflater({contextTakeover: takeover})
  const serverDeflate = wsDeflater({contextTakeover: takeover})
  let corrupt = o.corrupt ?? false
  const compressed = (deflate: (m: Buffer) => Buffer, m: Buffer) => {
    const c = Buffer.from(deflate(m))
    if (corrupt) ((c[0] = 0xff), (c[1] = 0xff), (corrupt = false))
    return c
  }
  const client = (s: string) => (o.compress ? wsFrame(compressed(clientDeflate, Buffer.from(s, 'latin1')), {mask: MASK, rsv: 4}) : wsFrame(Buffer.from(s, 'latin1'), {mask: MASK, rsv: o.deflate ? 4 : 0}))
  const server = (s: string) => (o.compress ? wsFrame(serverDeflate(Buffer.from(s, 'latin1')), {rsv: 4}) : wsFrame(Buffer.from(s, 'latin1')))
  // Compressed in the order sent: the REGISTER before the INVITE.
  const register = client(wsRegister())
  const invite = Buffer.from(wsInvite(), 'latin1')
  const inviteFrames = o.fragmentInvite
    ? Buffer.concat([wsFrame(invite.subarray(0, 300), {mask: MASK, fin: false}), wsFrame(Buffer.from('ping'), {opcode: 9, mask: MASK}), wsFrame(invite.subarray(300), {mask: MASK, opcode: 0})])
    : client(wsInvite())
  const request = Buffer.from(wsRequest(o.protocol ?? 'sip'), 'latin1')
  const extensions = o.compress === 'alone' ? 'permessage-deflate; server_no_context_takeover; client_no_context_takeover' : o.compress ? 'permessage-deflate' : undefined
  // eager: the REGISTER sent with the handshake, before the server switched.
  return [
    [true, o.eager ? Buffer.concat([request, register]) : request],
    [false, Buffer.from(wsAnswer(o.status ?? 101, 'sip', extensions), 'latin1')],
    ...(o.eager ? [] : [[true, register] as Turn]),
    [false, server(wsOk('REGISTER', 1))],
    [true, inviteFrames],
    [false, server(wsOk('INVITE', 7125))],
    [true, wsFrame(Buffer.from([0x03, 0xe8]), {opcode: 8, mask: MASK})],
  ]
}

/** The connection in a capture: the opening handshake's request in one segment (a flow is
 * recognised by its first payload), then each turn in segments of `sizes`. */
function capture(kit: CaptureKit, exchange: Turn[], sizes: number[]): void {
  tcpExchange(kit, browser, pbx, exchange, sizes, {firstWhole: true})
}

async function sipFacts(o: Parameters<typeof turns>[0] = {}, sizes = [1460]): Promise<SipFacts | undefined> {
  const kit = new CaptureKit()
  capture(kit, turns(o), sizes)
  return factsOn<SipFacts>(await kit.analyze([sipAnalyzer]), 'sip', browser, pbx)
}

describe('SIP over WebSocket (RFC 7118)', () => {
  it('reads each WebSocket message as a SIP message, both ways, after the handshake', async () => {
    const facts = (await sipFacts())!
    expect(facts).toMatchObject({transport: 'ws', messages: 4, counts: [{name: 'REGISTER', count: 1}, {name: '200 REGISTER', count: 1}, {name: 'INVITE', count: 1}, {name: '200 INVITE', count: 1}], truncated: false})
    expect(facts.unreadMessages).toBeUndefined()
    const invite = facts.kept.find((m) => m.method === 'INVITE' && m.requestUri)!
    expect(invite).toMatchObject({sentBy: 'client', from: '"Alice Wong" <sip:alice.wong@pbx.example.org>;tag=pa2g1fcke9', software: 'JsSIP 3.13.8', sdp: {fingerprint: true, cryptoLines: 0}})
    expect(facts.kept.find((m) => m.status === 200)).toMatchObject({sentBy: 'server', software: 'kamailio (5.6.3 (x86_64/linux))'})
    const lines = sipAnalyzer.describe(facts)
    expect(lines[0]).toBe('SIP over WebSocket: 4 messages (REGISTER ×1, 200 REGISTER ×1, INVITE ×1, 200 INVITE ×1)')
    expect(lines.some((l) => l.startsWith('SDP ICE candidates host udp 192.168.1.20:47134, host udp [fd00::2]:47920, host udp 6f2b6c1e'))).toBe(true)
  })

  it('gives the same facts however the segments fall, one byte at a time included', async () => {
    const strip = (f: SipFacts | undefined) => ({...f, kept: f?.kept.map((m) => ({...m, evidence: undefined}))})
    for (const fragmentInvite of [false, true]) {
      const whole = await sipFacts({fragmentInvite})
      expect(whole?.messages).toBe(4)
      for (const sizes of [[1], [7, 300], [2, 1, 1000]]) expect(strip(await sipFacts({fragmentInvite}, sizes)), `segments ${sizes}`).toEqual(strip(whole))
    }
  })

  it('joins a fragmented message (a ping between its frames)', async () => {
    const facts = (await sipFacts({fragmentInvite: true}))!
    expect(facts.messages).toBe(4)
    expect(facts.kept.find((m) => m.method === 'INVITE' && m.requestUri)?.sdp?.candidates).toHaveLength(4)
  })

  it('reads what a client sent before the switch once the server has switched, in the frame that switched', async () => {
    const facts = (await sipFacts({eager: true}))!
    expect(facts.counts.map((c) => c.name)).toEqual(['REGISTER', '200 REGISTER', 'INVITE', '200 INVITE'])
    // Frames 1-3 are the TCP handshake, 4 the request with the REGISTER, 5 the server's 101.
    expect(facts.kept[0]).toMatchObject({method: 'REGISTER', evidence: {frame: 5}})
  })

  it('reads nothing when the server refuses the upgrade, or the client asks for another subprotocol', async () => {
    expect(await sipFacts({status: 404})).toBeUndefined()
    expect(await sipFacts({status: 404, eager: true})).toBeUndefined()
    expect(await sipFacts({protocol: 'xmpp'})).toBeUndefined()
  })

  it('counts messages marked compressed (RSV1) as not read when the server agreed to no compression', async () => {
    const facts = (await sipFacts({deflate: true}))!
    expect(facts.messages).toBe(2) // the server's answers, uncompressed
    expect(facts.unreadMessages).toBe(2)
    expect(sipAnalyzer.describe(facts)).toContain('2 WebSocket messages not read (compressed, or not SIP)')
  })

  it('inflates messages compressed with the permessage-deflate the server agreed to (RFC 7692), and reads them as SIP', async () => {
    const plain = (await sipFacts())!
    const strip = (f: SipFacts | undefined) => JSON.stringify({...f, inflatedMessages: undefined, kept: f?.kept.map((m) => ({...m, evidence: m.evidence.frame}))})
    for (const compress of ['context', 'alone'] as const) {
      const facts = (await sipFacts({compress}))!
      expect(facts.inflatedMessages, compress).toBe(4)
      expect(facts.unreadMessages, compress).toBeUndefined()
      expect(strip(facts), compress).toBe(strip(plain))
      expect(sipAnalyzer.describe(facts), compress).toContain('4 WebSocket messages compressed (permessage-deflate), inflated and read')
      // However the segments fall (the frames then differ).
      const noFrames = (f: SipFacts | undefined) => JSON.stringify({...f, kept: f?.kept.map((m) => ({...m, evidence: undefined}))})
      for (const sizes of [[1], [7, 300]]) expect(noFrames(await sipFacts({compress}, sizes)), `${compress} ${sizes}`).toBe(noFrames(facts))
    }
  })

  it('after a message that will not inflate, reads no more of that side when its messages refer back, only that one when each stands alone', async () => {
    const context = (await sipFacts({compress: 'context', corrupt: true}))!
    // The REGISTER is damaged, and the INVITE after it refers back into it; the server's two
    // answers are read.
    expect(context.counts.map((c) => c.name)).toEqual(['200 REGISTER', '200 INVITE'])
    expect(context.unreadMessages).toBe(2)
    const alone = (await sipFacts({compress: 'alone', corrupt: true}))!
    expect(alone.counts.map((c) => c.name)).toEqual(['200 REGISTER', 'INVITE', '200 INVITE'])
    expect(alone.unreadMessages).toBe(1)
  })
})

describe('ICE candidates in SDP (RFC 8839 §5.1)', () => {
  it('keeps each address, port, transport and type once, and skips lines that do not follow the grammar', () => {
    expect(parseSdp(SDP_WEBRTC)!.candidates).toEqual([
      {address: '192.168.1.20', port: 47134, transport: 'udp', type: 'host'},
      {address: 'fd00::2', port: 47920, transport: 'udp', type: 'host'},
      {address: '6f2b6c1e-6c1d-4a8e-9f0a-1b2c3d4e5f60.local', port: 50000, transport: 'udp', type: 'host'},
      {address: '203.0.113.7', port: 47134, transport: 'udp', type: 'srflx'},
    ])
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('SIP over WebSocket agrees with tshark (second opinion)', () => {
  it('the same SIP messages, in the same frames', async () => {
    const kit = new CaptureKit()
    capture(kit, turns({fragmentInvite: true}), [200, 90])
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-sipws-'))
    try {
      const path = join(dir, 'sip-ws.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      // tshark hands the "sip" subprotocol's messages to its SIP dissector (as it did on a real
      // JsSIP-to-Kamailio call); the port is not one it knows for WebSocket, so it is named.
      const out = execFileSync('tshark', ['-r', path, '-d', 'tcp.port==8088,http', '-Y', 'sip', '-T', 'fields', '-e', 'frame.number', '-e', 'sip.CSeq.method', '-e', 'sip.Status-Code'], {encoding: 'utf8'})
      const theirs = out.trim().split('\n').map((l) => l.split('\t'))
      const ours = factsOn<SipFacts>(await kit.analyze(ALL_ANALYZERS), 'sip', browser, pbx)!
      expect(ours.kept.map((m) => [m.evidence.frame, m.method, m.status ?? ''])).toEqual(theirs.map((r) => [Number(r[0]), r[1], r[2] === '' ? '' : Number(r[2])]))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
