import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {type XmppFacts, xmppAnalyzer} from '../../../src/protocols/xmpp/xmpp-analyzer.js'
import {isBoshRequest, readBoshMessages} from '../../../src/protocols/xmpp/bosh.js'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {payloadPacketOf} from '../../../src/protocols/analyzer.js'
import {CaptureKit, type End, factsOn} from '../rtp/capture-kit.js'
import {tcpExchange, type Turn} from '../../support/tcp-exchange.js'

const browser: End = {ip: '192.168.1.20', port: 51281}
const server: End = {ip: '198.51.100.9', port: 5280}
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const HTTPBIND = "xmlns='http://jabber.org/protocol/httpbind'"

const post = (body: string, path = '/http-bind') => `POST ${path} HTTP/1.1\r\nHost: chat.acme-ministry.example:5280\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
const PREFLIGHT = 'OPTIONS /http-bind HTTP/1.1\r\nHost: chat.acme-ministry.example:5280\r\nOrigin: http://meet.acme-ministry.example\r\nAccess-Control-Request-Method: POST\r\n\r\n'
const PREFLIGHT_OK = 'HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Methods: GET, POST, OPTIONS\r\nContent-Length: 0\r\n\r\n'

/**
 * A web client on XMPP over BOSH (XEP-0124, XEP-0206) on plain HTTP, as Strophe talks to Prosody:
 * the browser's CORS preflight, the session request to the domain, SASL PLAIN, the stream
 * restarted, a resource bound, a room joined and a Jingle call offered, each in the body of a
 * POST and its answer.
 */
function session(): Turn[] {
  const t = (toServer: boolean, text: string): Turn => [toServer, Buffer.from(text, 'utf8')]
  return [
    t(true, PREFLIGHT),
    t(false, PREFLIGHT_OK),
    t(true, post(`<body rid='1' to='acme-ministry.example' xml:lang='en' wait='60' hold='1' ver='1.6' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh' ${HTTPBIND}/>`)),
    t(false, ok(`<body sid='2f8e' wait='60' requests='2' hold='1' from='acme-ministry.example' ${HTTPBIND}><stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features></body>`)),
    t(true, post(`<body rid='2' sid='2f8e' ${HTTPBIND}><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${b64('\0jürgen.müller\0Sup3r-Secret')}</auth></body>`)),
    t(false, ok(`<body ${HTTPBIND}><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></body>`)),
    t(true, post(`<body rid='3' sid='2f8e' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh' to='acme-ministry.example' ${HTTPBIND}/>`)),
    t(false, ok(`<body ${HTTPBIND}/>`)),
    t(true, post(`<body rid='4' sid='2f8e' ${HTTPBIND}><iq type='set' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>laptop</resource></bind></iq></body>`)),
    t(false, ok(`<body ${HTTPBIND}><iq type='result' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>j&#xFC;rgen.m&#252;ller@acme-ministry.example/laptop</jid></bind></iq></body>`)),
    t(true, post(`<body rid='5' sid='2f8e' ${HTTPBIND}><presence to='crisis-cell@conference.acme-ministry.example/Jurgen' xmlns='jabber:client'/><iq type='set' id='j1' to='bob@acme-ministry.example/phone' xmlns='jabber:client'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'><content name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'><candidate component='1' ip='10.8.0.6' port='50102' protocol='udp' type='host'/></transport></content></jingle></iq><message to='bob@acme-ministry.example' type='chat' xmlns='jabber:client'><body>call me</body></message></body>`)),
    t(false, ok(`<body ${HTTPBIND}><message from='bob@acme-ministry.example/phone' type='chat' xmlns='jabber:client'><body>ok</body></message></body>`)),
  ]
}

async function facts(size = 1460, turns = session()): Promise<XmppFacts | undefined> {
  const kit = new CaptureKit()
  tcpExchange(kit, browser, server, turns, [size], {firstWhole: true})
  return factsOn<XmppFacts>(await kit.analyze([xmppAnalyzer]), 'xmpp', browser, server)
}

const place = {frame: 1, capture: 0, sec: 0, nsec: 0}

describe('BOSH framing (XEP-0124 §4 over RFC 9112)', () => {
  it('knows a connection to a connection manager by its first request line, the CORS preflight included', () => {
    const first = (text: string, toServer = true) => isBoshRequest(payloadPacketOf(Buffer.from(text), {...place, toServer}))
    expect(first(post('<body/>'))).toBe(true)
    expect(first(post('<body/>', '/bosh/'))).toBe(true)
    expect(first(post('<body/>', 'http://chat.example/http-bind?x=1'))).toBe(true)
    expect(first(PREFLIGHT)).toBe(true)
    expect(first(post('<body/>', '/api/http-binding'))).toBe(false)
    expect(first('GET /http-bind HTTP/1.1\r\n\r\n')).toBe(false)
    expect(first(post('<body/>'), false)).toBe(false)
  })

  it('hands on each whole body, waits for the rest of one cut short, and refuses what it cannot frame', () => {
    const two = Buffer.from(post('<body a/>') + post('<body b/>'))
    const bodies: string[] = []
    expect(readBoshMessages(two, two.length, (b) => bodies.push(Buffer.from(b).toString()), 65536)).toBe(two.length)
    expect(bodies).toEqual(['<body a/>', '<body b/>'])
    const cut = two.subarray(0, two.length - 3)
    const seen: string[] = []
    expect(readBoshMessages(cut, cut.length, (b) => seen.push(Buffer.from(b).toString()), 65536)).toBe(Buffer.byteLength(post('<body a/>')))
    expect(seen).toEqual(['<body a/>'])
    const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<body\r\n')
    expect(readBoshMessages(chunked, chunked.length, () => {}, 65536)).toBe(-1)
    const huge = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n')
    expect(readBoshMessages(huge, huge.length, () => {}, 65536)).toBe(-1)
    const notHttp = Buffer.from('\x16\x03\x01\x00\x05hello')
    expect(readBoshMessages(notHttp, notHttp.length, () => {}, 65536)).toBe(-1)
  })
})

describe('XMPP over BOSH on plain HTTP (XEP-0206)', () => {
  it('reads the stanzas in the bodies: the domain, SASL, the bound JID, rooms, Jingle', async () => {
    const f = (await facts())!
    expect(f).toMatchObject({
      transport: 'bosh',
      domain: 'acme-ministry.example',
      sasl: {mechanism: 'PLAIN', user: 'jürgen.müller', passwordInClear: true},
      authenticated: true,
      jid: {value: 'jürgen.müller@acme-ministry.example/laptop'},
      stanzas: {message: 2, presence: 1, iq: 3},
      occupants: [{jid: 'crisis-cell@conference.acme-ministry.example/Jurgen'}],
      candidates: [{address: '10.8.0.6', port: 50102, sentBy: 'client'}],
    })
    expect(f.jingle.map((j) => j.action)).toEqual(['session-initiate'])
    expect(JSON.stringify(f)).not.toContain('Sup3r')
    expect(xmppAnalyzer.describe(f)[0]).toBe('XMPP over BOSH (HTTP) to acme-ministry.example in clear: 2 message, 1 presence, 3 iq stanzas')
  })

  it('gives the same facts however the segments fall', async () => {
    const strip = (f: XmppFacts | undefined) => JSON.stringify(f, (k, v) => (k === 'evidence' ? undefined : v))
    const whole = strip(await facts())
    for (const size of [1, 17, 400]) expect(strip(await facts(size)), `segments of ${size}`).toBe(whole)
  })

  it('other HTTP is not BOSH', async () => {
    const get: Turn[] = [[true, Buffer.from('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n')], [false, Buffer.from(ok('<html><body>hi</body></html>'))]]
    expect(await facts(1460, get)).toBeUndefined()
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('XMPP over BOSH agrees with tshark (second opinion)', () => {
  it('the stanzas are those of the HTTP bodies tshark reads', async () => {
    const kit = new CaptureKit()
    tcpExchange(kit, browser, server, session(), [300], {firstWhole: true})
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-bosh-'))
    try {
      const path = join(dir, 'bosh.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      const out = execFileSync('tshark', ['-r', path, '-d', 'tcp.port==5280,http', '-Y', 'http.file_data', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=\u0001', '-e', 'http.file_data'], {encoding: 'utf8'})
      const bodies = out.split('\n').flatMap((l) => l.split('\u0001')).filter(Boolean)
      expect(bodies).toHaveLength(10)
      const count = (name: string) => bodies.reduce((n, t) => n + [...t.matchAll(new RegExp(`<${name}[\\s>/]`, 'g'))].length, 0)
      const f = factsOn<XmppFacts>(await kit.analyze(ALL_ANALYZERS), 'xmpp', browser, server)!
      expect(f.stanzas).toEqual({message: count('message'), presence: count('presence'), iq: count('iq')})
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
