import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {type XmppFacts, xmppAnalyzer} from '../../../src/protocols/xmpp/xmpp-analyzer.js'
import {webSocketAnalyzer} from '../../../src/protocols/websocket/ws-analyzer.js'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {CaptureKit, type End, factsOn} from '../rtp/capture-kit.js'
import {tcpExchange, type Turn} from '../../support/tcp-exchange.js'
import {wsAnswer, wsDeflater, wsFrame, wsRequest} from '../../support/websocket-builders.js'

const browser: End = {ip: '192.168.1.20', port: 51280}
const server: End = {ip: '198.51.100.9', port: 5280}
const MASK = Buffer.from([0x11, 0x22, 0x33, 0x44])
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

/**
 * A web client (Strophe, Converse.js, Jitsi Meet) on XMPP over a ws:// WebSocket (RFC 7395): the
 * handshake for the `xmpp` subprotocol, the stream opened with <open/> (§3.3.2), SASL PLAIN, the
 * stream opened again, a resource bound, a room joined (XEP-0045) and a Jingle call offered
 * (XEP-0166, XEP-0176); each element a WebSocket message of its own (§3.3.3), the client's masked.
 */
function session(o: {compress?: boolean; protocol?: string} = {}): Turn[] {
  const clientDeflate = wsDeflater()
  const serverDeflate = wsDeflater()
  const c = (text: string): Turn => {
    const b = Buffer.from(text, 'utf8')
    return [true, o.compress ? wsFrame(clientDeflate(b), {mask: MASK, rsv: 4}) : wsFrame(b, {mask: MASK})]
  }
  const s = (text: string): Turn => {
    const b = Buffer.from(text, 'utf8')
    return [false, o.compress ? wsFrame(serverDeflate(b), {rsv: 4}) : wsFrame(b)]
  }
  const open = '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="acme-ministry.example" version="1.0"/>'
  const serverOpen = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='acme-ministry.example' id='s1' version='1.0'/>"
  const protocol = o.protocol ?? 'xmpp'
  return [
    [true, Buffer.from(wsRequest(protocol, 'chat.acme-ministry.example'))],
    [false, Buffer.from(wsAnswer(101, protocol, o.compress ? 'permessage-deflate' : undefined))],
    c(open),
    s(serverOpen),
    s("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"),
    c(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${b64('\0jürgen.müller\0Sup3r-Secret')}</auth>`),
    s("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
    c(open),
    s(serverOpen),
    c('<iq type="set" id="b1" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>laptop</resource></bind></iq>'),
    s("<iq type='result' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>j&#xFC;rgen.m&#252;ller@acme-ministry.example/laptop</jid></bind></iq>"),
    c('<presence to="crisis-cell@conference.acme-ministry.example/Jurgen" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc"/></presence>'),
    c('<iq type="set" id="j1" to="bob@acme-ministry.example/phone" xmlns="jabber:client"><jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="a73sjjvkla37jfea"><content name="audio"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1"><candidate component="1" foundation="1" generation="0" id="c1" ip="10.8.0.6" network="0" port="50102" priority="2122260223" protocol="udp" type="host"/></transport></content></jingle></iq>'),
    s("<iq type='set' id='j2' from='bob@acme-ministry.example/phone' xmlns='jabber:client'><jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='a73sjjvkla37jfea'/></iq>"),
    c('<message to="bob@acme-ministry.example" type="chat" xmlns="jabber:client"><body>call me</body></message>'),
    c('<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>'),
  ]
}

function capture(kit: CaptureKit, turns: Turn[], size: number): void {
  tcpExchange(kit, browser, server, turns, [size], {firstWhole: true})
}

async function facts(size = 1460, o: Parameters<typeof session>[0] = {}): Promise<XmppFacts | undefined> {
  const kit = new CaptureKit()
  capture(kit, session(o), size)
  return factsOn<XmppFacts>(await kit.analyze([xmppAnalyzer]), 'xmpp', browser, server)
}

describe('XMPP over a ws:// WebSocket (RFC 7395)', () => {
  it('reads the open element, SASL, the bound JID, rooms, Jingle actions and candidates from its messages', async () => {
    const f = (await facts())!
    expect(f).toMatchObject({
      transport: 'ws',
      domain: 'acme-ministry.example',
      starttls: false,
      sasl: {mechanism: 'PLAIN', user: 'jürgen.müller', passwordInClear: true},
      authenticated: true,
      jid: {value: 'jürgen.müller@acme-ministry.example/laptop'},
      stanzas: {message: 1, presence: 1, iq: 4},
      occupants: [{jid: 'crisis-cell@conference.acme-ministry.example/Jurgen'}],
      candidates: [{address: '10.8.0.6', port: 50102, transport: 'udp', type: 'host', sentBy: 'client'}],
    })
    expect(f.jingle.map((j) => [j.action, j.sid, j.sentBy])).toEqual([
      ['session-initiate', 'a73sjjvkla37jfea', 'client'],
      ['session-accept', 'a73sjjvkla37jfea', 'server'],
    ])
    expect(JSON.stringify(f)).not.toContain('Sup3r')
    const lines = xmppAnalyzer.describe(f)
    expect(lines[0]).toBe('XMPP over WebSocket to acme-ministry.example in clear: 1 message, 1 presence, 4 iq stanzas')
    expect(lines).toContain(`Jingle call set up (session-initiate a73sjjvkla37jfea, frame ${f.jingle[0]!.evidence.frame}); actions: session-initiate, session-accept`)
  })

  it('gives the same facts however the segments fall, and when the messages are compressed (permessage-deflate)', async () => {
    const strip = (f: XmppFacts | undefined) => JSON.stringify(f, (k, v) => (k === 'evidence' ? undefined : v))
    const whole = strip(await facts())
    for (const size of [1, 9, 333]) expect(strip(await facts(size)), `segments of ${size}`).toBe(whole)
    for (const size of [1460, 5]) expect(strip(await facts(size, {compress: true})), `compressed, segments of ${size}`).toBe(whole)
  })

  it('is the XMPP analyzer\'s, not the WebRTC signalling one\'s; another subprotocol is not XMPP', async () => {
    const kit = new CaptureKit()
    capture(kit, session(), 1460)
    const all = await kit.analyze(ALL_ANALYZERS)
    expect(factsOn(all, 'websocket', browser, server)).toBeUndefined()
    expect(factsOn<XmppFacts>(all, 'xmpp', browser, server)?.transport).toBe('ws')
    expect(await facts(1460, {protocol: 'chat'})).toBeUndefined()
    const other = new CaptureKit()
    capture(other, session({protocol: 'chat'}), 1460)
    expect(factsOn(await other.analyze([webSocketAnalyzer]), 'websocket', browser, server)).toBeDefined()
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('XMPP over WebSocket agrees with tshark (second opinion)', () => {
  it('the stanzas each way are those of the message texts tshark reads', async () => {
    const kit = new CaptureKit()
    capture(kit, session(), 200)
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-xws-'))
    try {
      const path = join(dir, 'xws.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      const out = execFileSync('tshark', ['-r', path, '-d', 'tcp.port==5280,http', '-Y', 'websocket.opcode == 1', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=\u0001', '-e', 'websocket.payload.text'], {encoding: 'utf8'})
      const texts = out.split('\n').flatMap((l) => l.split('\u0001')).filter(Boolean)
      const f = factsOn<XmppFacts>(await kit.analyze(ALL_ANALYZERS), 'xmpp', browser, server)!
      const count = (name: string) => texts.reduce((n, t) => n + [...t.matchAll(new RegExp(`<${name}[\\s>/]`, 'g'))].length, 0)
      expect(texts.length).toBe(14)
      expect(f.stanzas).toEqual({message: count('message'), presence: count('presence'), iq: count('iq')})
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
