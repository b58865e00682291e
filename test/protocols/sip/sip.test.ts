import {describe, expect, it} from 'vitest'
import {type SipFacts, sipAnalyzer} from '../../../src/protocols/sip/sip-analyzer.js'
import {looksLikeSipStart, parseSipMessage} from '../../../src/protocols/sip/sip-message.js'
import {parseSdp} from '../../../src/protocols/sip/sdp.js'
import type {PayloadPacket} from '../../../src/protocols/analyzer.js'
import {corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {CaptureKit, factsOn} from '../rtp/capture-kit.js'
import {invite, ok, SDP_SDES} from '../../support/sip-builders.js'

const b = (s: string) => Buffer.from(s, 'latin1')
describe('SIP messages (RFC 3261 §7)', () => {
  it('reads a request: start line, compact and folded headers, the body by Content-Length', () => {
    const text = invite({body: SDP_SDES, compact: true})
    const r = parseSipMessage(b(text), 0, text.length, false)
    expect(r.status).toBe('ok')
    if (r.status !== 'ok') return
    expect(r.message).toMatchObject({kind: 'request', method: 'INVITE', status: 0, requestUri: 'sip:+4930123456@sip.example.net'})
    const h = new Map(r.message.headers)
    expect(h.get('from')).toBe('"Jane Doe" <sip:jane.doe@sip.example.net>;tag=1928301774')
    expect(h.get('call-id')).toBe('a84b4c76e66710@192.168.1.20')
    expect(h.get('user-agent')).toBe('Example Phone 4.2 (build 17)')
    expect(r.end).toBe(text.length)
    expect(b(text).subarray(r.message.bodyStart, r.message.bodyEnd).toString('latin1')).toBe(SDP_SDES)
  })

  it('decodes header values as UTF-8 (RFC 3261 §7.3.1)', () => {
    const text = Buffer.from('MESSAGE sip:bob@example.org SIP/2.0\r\nFrom: "Jürgen Müller" <sip:jm@example.org>\r\nContent-Length: 0\r\n\r\n', 'utf8')
    const r = parseSipMessage(text, 0, text.length, false)
    expect(r.status === 'ok' && new Map(r.message.headers).get('from')).toBe('"Jürgen Müller" <sip:jm@example.org>')
  })

  it('reads a response, with the method its CSeq answers', () => {
    const r = parseSipMessage(b(ok()), 0, ok().length, true)
    expect(r.status === 'ok' && r.message).toMatchObject({kind: 'response', status: 200, reason: 'OK', method: 'INVITE'})
  })

  it('over a stream, waits for the rest of a message, and reads two back to back', () => {
    const two = b(invite({body: SDP_SDES}) + ok())
    for (let cut = 1; cut < invite({body: SDP_SDES}).length; cut += 37) expect(parseSipMessage(two.subarray(0, cut), 0, cut, false).status).toBe('incomplete')
    const first = parseSipMessage(two, 0, two.length, false)
    expect(first.status).toBe('ok')
    if (first.status !== 'ok') return
    const second = parseSipMessage(two, first.end, two.length, false)
    expect(second.status === 'ok' && second.message.status).toBe(200)
  })

  it('refuses what is not SIP, and takes a flow only on a whole SIP start line', () => {
    for (const text of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'INVITE sip:a@b HTTP/1.1\r\n\r\n', 'INVITE  sip:a@b SIP/2.0\r\n\r\n', 'SIP/2.0 20 OK\r\n\r\n', 'invite sip:a@b SIP/2.0\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n']) {
      expect(parseSipMessage(b(text), 0, text.length, true).status, text).toBe('invalid')
    }
    expect(looksLikeSipStart(b('OPTIONS sip:carol@chicago.com SIP/2.0\r\n'), 0, 40)).toBe(true)
    expect(looksLikeSipStart(b('SIP/2.0 180 Ringing\r\n'), 0, 21)).toBe(true)
    expect(looksLikeSipStart(b('GET /sip SIP/2.0\r\n'), 0, 18)).toBe(false)
    expect(looksLikeSipStart(b('OPTIONS sip:carol@chicago.com SIP/2.0'), 0, 37)).toBe(false) // no line end yet
    const bytes = b(invite({body: SDP_SDES}))
    for (let n = 0; n <= bytes.length; n += 7) {
      expect(() => parseSipMessage(bytes.subarray(0, n), 0, n, true)).not.toThrow()
      expect(() => parseSipMessage(bytes.subarray(0, n), 0, n, false)).not.toThrow()
    }
  })
})

describe('SDP (RFC 8866) in SIP', () => {
  it('keeps addresses, media and the crypto suites of SDES lines, never their keys', () => {
    const sdp = parseSdp(SDP_SDES)!
    expect(sdp).toEqual({originUser: 'alice', originAddress: '192.168.1.20', connections: ['192.168.1.20'], media: [{type: 'audio', port: 49170, proto: 'RTP/SAVP'}], cryptoLines: 2, cryptoSuites: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'], fingerprint: false, candidates: []})
    expect(JSON.stringify(sdp)).not.toContain('inline')
    expect(parseSdp('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 AB:CD\r\n')).toMatchObject({fingerprint: true, cryptoLines: 0})
    expect(parseSdp('hello')).toBeUndefined()
  })
})

describe('SIP analyzer', () => {
  const phone = {ip: '192.168.1.20', port: 5060}
  const proxy = {ip: '198.51.100.5', port: 5060}

  it('reads every datagram of a UDP dialog: parties, software, credentials, SDP', async () => {
    const kit = new CaptureKit()
    const first = kit.udp(phone, proxy, b(invite({body: SDP_SDES})))
    kit.udp(proxy, phone, b(ok()))
    const facts = factsOn<SipFacts>(await kit.analyze([sipAnalyzer]), 'sip', phone, proxy)!
    expect(facts).toMatchObject({transport: 'udp', messages: 2, counts: [{name: 'INVITE', count: 1}, {name: '200 INVITE', count: 1}], truncated: false})
    expect(facts.kept[0]).toMatchObject({evidence: {frame: first}, sentBy: 'client', method: 'INVITE', from: '"Jane Doe" <sip:jane.doe@sip.example.net>;tag=1928301774', software: 'Example Phone 4.2 (build 17)', credentials: false, sdp: {cryptoLines: 2}})
    expect(facts.kept[1]).toMatchObject({sentBy: 'server', status: 200, software: 'Example PBX 9'})
    const lines = sipAnalyzer.describe(facts)
    expect(lines).toContain(`SIP From "Jane Doe" <sip:jane.doe@sip.example.net> (frame ${first})`)
    expect(lines).toContain(`SDP SRTP keys IN CLEAR (a=crypto AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32) (frame ${first})`)
    // Named by the header that carried it: both ends of SIP are user agents.
    expect(lines).toContain(`SIP User-Agent Example Phone 4.2 (build 17) (frame ${first})`)
    expect(lines).toContain(`SIP Server Example PBX 9 (frame ${first + 1})`)
  })

  it('counts every message of a trunk that carries call after call on one 5-tuple, keeping the first in full', async () => {
    const kit = new CaptureKit()
    const pbx = {ip: '192.168.1.2', port: 5060}
    const trunk = {ip: '198.51.100.5', port: 5060}
    for (let i = 0; i < 400; i++) {
      kit.udp(pbx, trunk, b(invite({callId: `call-${i}@pbx`})))
      kit.udp(trunk, pbx, b(ok()))
    }
    const facts = factsOn<SipFacts>(await kit.analyze([sipAnalyzer]), 'sip', pbx, trunk)!
    expect(facts.messages).toBe(800)
    expect(facts.counts).toEqual([{name: 'INVITE', count: 400}, {name: '200 INVITE', count: 400}])
    expect(facts.kept).toHaveLength(32)
    expect(facts.truncated).toBe(true)
  })

  it('over TCP, cuts the stream into messages however the segments fall', async () => {
    const kit = new CaptureKit()
    const c = {ip: '192.168.1.20', port: 40111}
    const s = {ip: '198.51.100.5', port: 5060}
    const stream = b(`${invite({body: SDP_SDES})}\r\n\r\n${invite({callId: 'second@host'})}`)
    let seq = 1
    for (const size of [100, 1, 500, 3000]) {
      const piece = stream.subarray(seq - 1, seq - 1 + size)
      if (piece.length === 0) break
      kit.tcp(c, s, {seq, flags: 'PA'}, piece)
      seq += piece.length
    }
    const facts = factsOn<SipFacts>(await kit.analyze([sipAnalyzer]), 'sip', c, s)!
    expect(facts.messages).toBe(2)
    expect(facts.kept.map((m) => m.callId)).toEqual(['a84b4c76e66710@192.168.1.20', 'second@host'])
  })

  it('takes a flow off port 5060 by its first line, and steps aside from a port-5060 flow that is not SIP', () => {
    const flow = (port: number) => ({id: 1, transport: 'udp' as const, client: {ip: '10.0.0.1', port: 40000}, server: {ip: '10.0.0.2', port}})
    const packet = (data: Buffer) => ({bytes: data, start: 0, end: data.length, data}) as unknown as PayloadPacket
    expect(sipAnalyzer.probe(flow(5080), packet(b(invite())))).toBe(true)
    expect(sipAnalyzer.probe(flow(5080), packet(b('hello there\r\n')))).toBe(false)
    expect(sipAnalyzer.probe(flow(5060), packet(Buffer.alloc(40, 7)))).toBe(true)
    const state = sipAnalyzer.start(flow(5060), () => ({frame: 1, capture: 0, time: ''}))
    const noise = packet(Buffer.alloc(40, 7))
    const answers = Array.from({length: 8}, () => sipAnalyzer.feed(state, noise))
    expect(answers.at(-1)).toBe(false)
    expect(answers.slice(0, -1).every(Boolean)).toBe(true)
    expect(sipAnalyzer.finish(state)).toBeUndefined()
  })
})

describe.skipIf(!HAVE_CORPUS)('SIP on the corpus (sip.pcap: a SIPPS phone registering and calling)', () => {
  it('reads as many messages per flow as tshark (63 and 18) and the caller of the first call', async () => {
    const c = await collectFlows([corpusPath('sip.pcap')], {analyzers: [sipAnalyzer]})
    const facts = [...c.facts.values()].map((f) => f.sip as SipFacts).filter(Boolean)
    expect(facts.map((f) => f.messages).sort((x, y) => y - x)).toEqual([63, 18])
    const invites = facts.flatMap((f) => f.kept).filter((m) => m.method === 'INVITE' && m.requestUri)
    expect(invites[0]).toMatchObject({from: expect.stringContaining('"arik"'), software: 'Nero SIPPS IP Phone Version 2.0.51.16'})
  })
})

describe('the domain of a SIP request (RFC 3261 §19.1.1)', () => {
  it('is the host of a sip: or sips: URI, when it is a name', async () => {
    const {sipUriHost} = await import('../../../src/analysis/flow-evidence.js')
    expect(sipUriHost('sip:25712345678@Acme.Webex.com')).toBe('acme.webex.com')
    expect(sipUriHost('sips:alice:secret@example.org:5061;transport=tls?subject=x')).toBe('example.org')
    expect(sipUriHost('sip:sip.cybercity.dk')).toBe('sip.cybercity.dk')
    expect(sipUriHost('sip:bob@127.0.0.1:5062')).toBeUndefined()
    expect(sipUriHost('sip:bob@[2001:db8::1]:5060')).toBeUndefined()
    expect(sipUriHost('tel:+4930123456')).toBeUndefined()
  })
})
