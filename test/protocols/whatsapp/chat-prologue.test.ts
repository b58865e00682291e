import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../../src/analysis/analyze.js'
import {payloadPacketOf} from '../../../src/protocols/analyzer.js'
import {parsePrologue, whatsappChatAnalyzer} from '../../../src/protocols/whatsapp/chat-prologue.js'
import {CaptureKit, type End} from '../rtp/capture-kit.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {tempDir} from '../../helpers/temp-dir.js'

const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** The prologue forms of the corpus: WA 01 05 (whatsapp_login_chat.pcap, frame 8), and the edge
 * routing header before WA 05 02 (whatsapp.pcap, frames 84-87, split over three segments). */
const PLAIN = hex('5741 0105 00001a f80501a59189fc126950686f6e652d322e31322e322d3532323200')
const EDGE = [hex('45440001'), hex('000004 08090805'), hex('57410502'), hex('0004de 12db090a20ef')]
const XMPP = Buffer.from("<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")

const flow = {id: 1, transport: 'tcp' as const, client: {ip: '192.168.2.100', port: 44804}, server: {ip: '179.60.195.49', port: 5222}}
const evidenceOf = (p: {frame: number; capture: number}) => ({frame: p.frame, capture: p.capture, time: 't'})

function run(segments: Buffer[], toServer = true) {
  const state = whatsappChatAnalyzer.start(flow, evidenceOf)
  let seq = 1000
  let more = true
  segments.forEach((data, i) => {
    if (!more) return
    more = whatsappChatAnalyzer.feed(state, payloadPacketOf(data, {frame: i + 4, capture: 0, sec: 0, nsec: 0, toServer, seq, streamStart: 1000}))
    seq += data.length
  })
  return whatsappChatAnalyzer.finish(state)
}

describe('WhatsApp chat prologue, on raw bytes', () => {
  it('reads the plain WA prologue (FunXMPP era) and the first frame header', () => {
    expect(whatsappChatAnalyzer.probe(flow, payloadPacketOf(PLAIN, {frame: 8, capture: 0, sec: 0, nsec: 0, toServer: true}))).toBe(true)
    const facts = run([PLAIN])
    expect(facts).toEqual({form: 'plain', version: '1.5', routingBytes: 0, firstFrameBytes: 0x1a, evidence: {frame: 4, capture: 0, time: 't'}})
    expect(whatsappChatAnalyzer.describe(facts!)).toEqual(['WhatsApp chat connection: prologue WA 1.5 (frame 4)'])
  })

  it('reads the edge routing header and WA after it, over segments as the corpus splits them', () => {
    const facts = run(EDGE)
    expect(facts).toEqual({form: 'edge-routing', version: '5.2', routingBytes: 4, firstFrameBytes: 0x4de, evidence: {frame: 6, capture: 0, time: 't'}})
  })

  it('is not an XMPP client on 5222, nor other bytes that start like it', () => {
    const at = {frame: 1, capture: 0, sec: 0, nsec: 0, toServer: true}
    expect(whatsappChatAnalyzer.probe(flow, payloadPacketOf(XMPP, at))).toBe(false)
    expect(run([XMPP])).toBeUndefined()
    // "WA" then text (no frame header); "ED" then other bytes; a routing length of 0 or 200.
    expect(parsePrologue(Buffer.from('WAIT for it'))).toEqual({done: true, facts: undefined})
    expect(run([Buffer.from('WAIT for it')])).toBeUndefined()
    expect(run([Buffer.from('EDIT /x HTTP/1.1\r\n')])).toBeUndefined()
    expect(run([hex('45440001 000000 5741 0502 000010')])).toBeUndefined()
    expect(run([hex('45440001 0000c8 0809'), Buffer.alloc(200, 1)])).toBeUndefined()
    // The edge header without WA after the routing bytes.
    expect(run([hex('45440001 000004 08090805 1603 0100 00ff')])).toBeUndefined()
    // Sent by the flow's server: the prologue opens the client's stream, nothing else counts.
    expect(whatsappChatAnalyzer.probe(flow, payloadPacketOf(PLAIN, {...at, toServer: false}))).toBe(false)
    expect(whatsappChatAnalyzer.probe({...flow, transport: 'udp'}, payloadPacketOf(PLAIN, at))).toBe(false)
  })
})

/** A TCP connection from `client` to `server`: handshake, then each client segment and a short
 * server answer. Returns the frame of the first client segment. */
function connection(kit: CaptureKit, client: End, server: End, segments: Buffer[], handshake = true): number {
  let c = 5000
  let s = 9000
  if (handshake) {
    kit.tcp(client, server, {seq: c - 1, flags: 'S'})
    kit.tcp(server, client, {seq: s - 1, ack: c, flags: 'SA'})
    kit.tcp(client, server, {seq: c, ack: s, flags: 'A'})
  }
  let first = 0
  for (const data of segments) {
    const frame = kit.tcp(client, server, {seq: c, ack: s, flags: 'PA'}, data)
    first ||= frame
    c += data.length
    const answer = hex('000008 0102030405060708')
    kit.tcp(server, client, {seq: s, ack: c, flags: 'PA'}, answer)
    s += answer.length
  }
  return first
}

async function analyzeKit(kit: CaptureKit) {
  const path = join(tempDir('callaudit-wa-'), 'chat.pcap')
  writeFileSync(path, kit.writer.toBuffer())
  const {report} = await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy: {home: 'DE'}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
  return report
}

const PHONE = {ip: '192.168.2.12', port: 49355}
const META = {ip: '157.240.20.53', port: 5222} // AS32934, US in the embedded database

describe('WhatsApp chat connection in an analysed capture', () => {
  it('names WhatsApp from the prologue (any address), as control traffic judged by CA-GEO-001', async () => {
    const kit = new CaptureKit()
    const server = {ip: '184.173.179.37', port: 5222} // SoftLayer: no Meta range
    const first = connection(kit, PHONE, server, [PLAIN])
    const report = await analyzeKit(kit)
    const wa = report.apps.find((a) => a.app === 'whatsapp')
    expect(wa?.confidence).toBe('high')
    expect(wa?.evidence[0]).toMatchObject({kind: 'payload', match: 'whatsapp-chat', value: 'chat prologue WA 1.5', frames: [first]})
    const f = report.flows.find((x) => x.server.port === 5222)!
    expect([f.app, f.role, f.remote]).toEqual(['whatsapp', 'control', server])
    expect(f.roleReason).toBe('WhatsApp chat prologue WA 1.5, TCP to 184.173.179.37:5222')
    expect(report.findings.some((x) => x.ruleId === 'CA-GEO-001' && x.flowIds.includes(f.id))).toBe(true)
  })

  it('names WhatsApp from a Meta address on TCP 5222 when the capture starts mid-connection (no prologue)', async () => {
    const kit = new CaptureKit()
    connection(kit, PHONE, META, [hex('000005 0102030405'), hex('000003 aabbcc')], false)
    const report = await analyzeKit(kit)
    const wa = report.apps.find((a) => a.app === 'whatsapp')
    expect(wa?.confidence).toBe('medium')
    expect(wa?.evidence.map((e) => [e.kind, e.value, e.match])).toEqual([['range', '157.240.20.53', '157.240.0.0/17 on tcp/5222']])
    const f = report.flows[0]!
    expect([f.app, f.role, f.remote]).toEqual(['whatsapp', 'control', META])
    const geo = report.findings.find((x) => x.ruleId === 'CA-GEO-001' && x.flowIds.includes(f.id))
    expect(geo?.detail).toContain('157.240.20.53 is located in US')
  })

  it('does not name WhatsApp for an XMPP client on 5222, nor for a Meta address on another port', async () => {
    const kit = new CaptureKit()
    connection(kit, PHONE, {ip: '54.255.185.236', port: 5222}, [XMPP]) // an XMPP server on AWS
    connection(kit, {ip: PHONE.ip, port: 49400}, {ip: '157.240.20.35', port: 443}, [hex('000005 0102030405')], false) // Meta, not 5222
    connection(kit, {ip: PHONE.ip, port: 49401}, {ip: '192.168.2.5', port: 5222}, [XMPP]) // a LAN XMPP server
    const report = await analyzeKit(kit)
    expect(report.apps).toEqual([])
    expect(report.flows.every((f) => f.app === null)).toBe(true)
  })
})

describe.skipIf(!HAVE_CORPUS)('WhatsApp chat in the corpus', () => {
  const analyze = async (name: string) =>
    (await analyzeCaptures({paths: [corpusPath(name)], geo: EMBEDDED_ONLY, policy: {home: 'DE'}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})).report

  it.skipIf(!corpusFiles().includes('wa_video.pcap'))('wa_video.pcap: the 5222 connection seen mid-stream is WhatsApp control traffic to the US, judged by CA-GEO-001', async () => {
    const report = await analyze('wa_video.pcap')
    const f = report.flows.find((x) => x.server.port === 5222)!
    expect([f.app, f.role, f.remote]).toEqual(['whatsapp', 'control', {ip: '157.240.20.53', port: 5222}])
    expect(report.findings.some((x) => x.ruleId === 'CA-GEO-001' && x.flowIds.includes(f.id))).toBe(true)
  })

  it.skipIf(!corpusFiles().includes('wa_voice.pcap'))('wa_voice.pcap: the prologue (edge routing header, WA 2.1) names the 5222 connection', async () => {
    const report = await analyze('wa_voice.pcap')
    const f = report.flows.find((x) => x.server.port === 5222)!
    expect([f.app, f.role, f.roleReason]).toEqual(['whatsapp', 'control', 'WhatsApp chat prologue WA 2.1 after an edge routing header, TCP to 157.240.20.53:5222'])
  })

  it.skipIf(!corpusFiles().includes('jabber.pcap'))('jabber.pcap: XMPP clients on 5222 are not WhatsApp', async () => {
    const report = await analyze('jabber.pcap')
    expect(report.apps.map((a) => a.app)).not.toContain('whatsapp')
    expect(report.flows.filter((f) => f.server.port === 5222 && f.app !== null)).toEqual([])
  })
})
