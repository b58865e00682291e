import {describe, expect, it} from 'vitest'
import {type DnsFacts, dnsAnalyzer, MAX_MESSAGES} from '../../../src/protocols/dns/dns-analyzer.js'
import {passiveDns} from '../../../src/protocols/dns/passive-dns.js'
import {dnsMessage, dnsQuery, dnsResponse, ETHERTYPE, ethernet, fragmentIpv4, IPPROTO, ipv4, udp} from '../../support/packet-builder.js'
import {analyze, type Endpoints, factsOf, reverse, tcpConversation, udpFrame} from './capture-support.js'

const client: Endpoints = {src: '192.168.1.20', sport: 51000, dst: '8.8.8.8', dport: 53}

function tcpDns(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2)
  prefix.writeUInt16BE(message.length)
  return Buffer.concat([prefix, message])
}

describe('DNS analyzer', () => {
  it('reads a query and its response over UDP, with frames and the resolver', async () => {
    const collection = await analyze(
      [
        udpFrame(client, dnsQuery({id: 0x1111, name: 'ministry.zoom.us'})),
        udpFrame(reverse(client), dnsResponse({id: 0x1111, name: 'ministry.zoom.us', answers: [{name: 'ministry.zoom.us', type: 'A', ttl: 60, value: '170.114.52.2'}]})),
      ],
      [dnsAnalyzer],
    )
    const [facts] = factsOf<DnsFacts>(collection, 'dns')
    expect(facts).toMatchObject({service: 'dns', transport: 'udp', resolver: {ip: '8.8.8.8', port: 53}, heuristic: false, messageCount: 2, droppedMessages: 0, malformedMessages: 0})
    expect(facts!.messages.map((m) => [m.evidence.frame, m.fromClient, m.response, m.id])).toEqual([
      [1, true, false, 0x1111],
      [2, false, true, 0x1111],
    ])
    expect(facts!.messages[1]!.evidence).toEqual({frame: 2, capture: 0, time: '2024-05-01T10:00:00.001000Z'})
    expect(dnsAnalyzer.describe(facts!)).toEqual(['query ministry.zoom.us A → 170.114.52.2 (frame 2)'])
  })

  it('describes CNAME chains, NXDOMAIN, unanswered queries and HTTPS records offering ECH', async () => {
    const httpsAnswer = Buffer.from(dnsQuery({id: 4, name: 'crypto.example'}))
    const frames = [
      udpFrame(client, dnsQuery({id: 1, name: 'www.zoom.us'})),
      udpFrame(reverse(client), dnsResponse({id: 1, name: 'www.zoom.us', answers: [{name: 'www.zoom.us', type: 'CNAME', ttl: 1, value: 'zoom.cdn.example'}, {name: 'zoom.cdn.example', type: 'A', ttl: 1, value: '203.0.113.7'}]})),
      udpFrame(client, dnsQuery({id: 2, name: 'nope.example'})),
      udpFrame(reverse(client), dnsResponse({id: 2, name: 'nope.example', answers: [], rcode: 3})),
      udpFrame(client, dnsQuery({id: 3, name: 'lost.example', type: 'AAAA'})),
    ]
    // A hand-made HTTPS response (type 65) with an ech SvcParam
    httpsAnswer.writeUInt16BE(0x8180, 2)
    httpsAnswer.writeUInt16BE(65, httpsAnswer.length - 4)
    httpsAnswer.writeUInt16BE(1, 6)
    const rdata = Buffer.from([0, 1, 0, 0, 5, 0, 2, 0xaa, 0xbb])
    const rr = Buffer.concat([Buffer.from([0xc0, 12, 0, 65, 0, 1, 0, 0, 0, 60, 0, rdata.length]), rdata])
    frames.push(udpFrame(reverse(client), Buffer.concat([httpsAnswer, rr])))
    const [facts] = factsOf<DnsFacts>(await analyze(frames, [dnsAnalyzer]), 'dns')
    expect(dnsAnalyzer.describe(facts!)).toEqual([
      'query www.zoom.us A → zoom.cdn.example → 203.0.113.7 (frame 2)',
      'query nope.example A → NXDOMAIN (frame 4)',
      'query lost.example AAAA (frame 5) no response seen',
      'query crypto.example HTTPS → HTTPS 1 . ech (ECH offered) (frame 6)',
    ])
    expect(facts!.messages[5]!.records[0]!.svcb?.ech).toBe(true)
  })

  it('says an answer cut short is unreadable, not that there was none', async () => {
    const whole = Buffer.from(dnsResponse({id: 7, name: 'f.example.com', answers: [{name: 'f.example.com', type: 'A', ttl: 60, value: '192.0.2.1'}]}))
    const empty = dnsResponse({id: 8, name: 'g.example.com', answers: []})
    const frames = [
      udpFrame(client, dnsQuery({id: 7, name: 'f.example.com'})),
      udpFrame(reverse(client), whole.subarray(0, whole.length - 6)), // the A record's last bytes lost
      udpFrame(client, dnsQuery({id: 8, name: 'g.example.com'})),
      udpFrame(reverse(client), empty),
    ]
    const [facts] = factsOf<DnsFacts>(await analyze(frames, [dnsAnalyzer]), 'dns')
    expect(dnsAnalyzer.describe(facts!)).toEqual([
      `query f.example.com A → answer unreadable (${facts!.messages[1]!.malformed}) (frame 2)`,
      'query g.example.com A → no answer (frame 4)',
    ])
    expect(facts!.messages[1]!.malformed).toMatch(/truncated/)
  })

  it('reassembles DNS over TCP: a message over two segments, two messages in one', async () => {
    const q1 = tcpDns(dnsQuery({id: 10, name: 'a.example'}))
    const q2 = tcpDns(dnsQuery({id: 11, name: 'b.example'}))
    const r1 = tcpDns(dnsResponse({id: 10, name: 'a.example', answers: [{name: 'a.example', type: 'A', ttl: 1, value: '192.0.2.10'}]}))
    const r2 = tcpDns(dnsResponse({id: 11, name: 'b.example', answers: [{name: 'b.example', type: 'A', ttl: 1, value: '192.0.2.11'}]}))
    const frames = tcpConversation({...client, sport: 40000}, [
      {toServer: true, data: Buffer.concat([q1, q2])},
      {toServer: false, data: r1.subarray(0, 5)},
      {toServer: false, data: Buffer.concat([r1.subarray(5), r2])},
    ])
    const [facts] = factsOf<DnsFacts>(await analyze(frames, [dnsAnalyzer]), 'dns')
    expect(facts!.transport).toBe('tcp')
    expect(facts!.messages.map((m) => [m.evidence.frame, m.id, m.response, m.records.map((r) => r.data)])).toEqual([
      [4, 10, false, []],
      [4, 11, false, []],
      [6, 10, true, ['192.0.2.10']],
      [6, 11, true, ['192.0.2.11']],
    ])
  })

  it('reads a response whose IP datagram was fragmented, at the frame that completed it', async () => {
    const answers = Array.from({length: 40}, (_, i) => ({name: 'big.example', type: 'AAAA' as const, ttl: 1, value: `2001:db8::${i + 1}`}))
    const response = dnsResponse({id: 5, name: 'big.example', type: 'AAAA', answers})
    const datagram = ipv4({src: '8.8.8.8', dst: client.src, proto: IPPROTO.UDP, id: 77}, udp({sport: 53, dport: client.sport}, response))
    const fragments = fragmentIpv4(datagram, 576).map((f) => ethernet({type: ETHERTYPE.IPV4}, f))
    expect(fragments.length).toBeGreaterThan(1)
    const [facts] = factsOf<DnsFacts>(await analyze([udpFrame(client, dnsQuery({id: 5, name: 'big.example', type: 'AAAA'})), ...fragments], [dnsAnalyzer]), 'dns')
    const last = facts!.messages[1]!
    expect(last.evidence.frame).toBe(1 + fragments.length)
    expect(last.records).toHaveLength(40)
    expect(last.malformed).toBeNull()
  })

  it('marks mDNS and LLMNR, with no resolver', async () => {
    const announce = dnsMessage({id: 0, flags: 0x8400, answers: [{name: 'Alices-MacBook-Pro.local', type: 'A', ttl: 120, value: '192.168.1.20', class: 0x8001}]})
    const llmnr = dnsQuery({id: 9, name: 'wpad'})
    const collection = await analyze(
      [
        udpFrame({src: '192.168.1.20', sport: 5353, dst: '224.0.0.251', dport: 5353}, announce),
        udpFrame({src: '192.168.1.20', sport: 55000, dst: '224.0.0.252', dport: 5355}, llmnr),
      ],
      [dnsAnalyzer],
    )
    const [mdns, ll] = factsOf<DnsFacts>(collection, 'dns')
    expect([mdns!.service, mdns!.resolver, ll!.service, ll!.resolver]).toEqual(['mdns', null, 'llmnr', null])
    expect(dnsAnalyzer.describe(mdns!)).toEqual(['mDNS announce Alices-MacBook-Pro.local A 192.168.1.20 (frame 1)'])
    expect(dnsAnalyzer.describe(ll!)).toEqual(['LLMNR query wpad A (frame 2)'])
  })

  it('recognises DNS on a non-standard port only when the datagram is unmistakably DNS', async () => {
    const dnscrypt: Endpoints = {src: '192.168.1.20', sport: 43000, dst: '208.67.220.220', dport: 443}
    const quic: Endpoints = {src: '192.168.1.20', sport: 43001, dst: '142.250.1.1', dport: 443}
    const collection = await analyze(
      [
        udpFrame(dnscrypt, dnsQuery({id: 1, name: '2.dnscrypt-cert.opendns.com', type: 'TXT'})),
        udpFrame(reverse(dnscrypt), dnsResponse({id: 1, name: '2.dnscrypt-cert.opendns.com', type: 'TXT', answers: [{name: '2.dnscrypt-cert.opendns.com', type: 'TXT', ttl: 60, value: 'DNSC'}]})),
        udpFrame(quic, Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, 8]), Buffer.alloc(1200, 0x42)])),
        udpFrame({...client, sport: 137, dport: 137, dst: '192.168.1.255'}, dnsQuery({id: 2, name: 'EGEFCACACACACACACACACACACACACAAA'})),
      ],
      [dnsAnalyzer],
    )
    const all = factsOf<DnsFacts>(collection, 'dns')
    expect(all).toHaveLength(1)
    expect(all[0]).toMatchObject({heuristic: true, resolver: {ip: '208.67.220.220', port: 443}, messageCount: 2})
    expect(dnsAnalyzer.describe(all[0]!)[0]).toBe('DNS on a non-standard port: resolver 208.67.220.220:443')
  })

  it('keeps at most MAX_MESSAGES messages per flow and counts the rest', async () => {
    const mdns: Endpoints = {src: '192.168.1.20', sport: 5353, dst: '224.0.0.251', dport: 5353}
    const frames = Array.from({length: MAX_MESSAGES + 10}, (_, i) => udpFrame(mdns, dnsQuery({id: i & 0xffff, name: `h${i}.local`})))
    const [facts] = factsOf<DnsFacts>(await analyze(frames, [dnsAnalyzer]), 'dns')
    expect(facts!.messages).toHaveLength(MAX_MESSAGES)
    // Beyond the cap datagrams are counted, not kept.
    expect(facts!.messageCount).toBe(MAX_MESSAGES + 10)
    expect(facts!.droppedMessages).toBe(10)
    expect(dnsAnalyzer.describe(facts!).at(-1)).toBe('10 further messages not kept')
    expect(dnsAnalyzer.describe(facts!).length).toBe(26) // 24 lines, "… N more", "N further messages not kept"
  })

  it('stops reading a port-53 flow whose first 16 datagrams are all malformed (a tunnel)', async () => {
    const junk = Buffer.alloc(100, 0xff)
    const frames = Array.from({length: 40}, () => udpFrame(client, junk))
    const [facts] = factsOf<DnsFacts>(await analyze(frames, [dnsAnalyzer]), 'dns')
    expect([facts!.messageCount, facts!.malformedMessages]).toEqual([16, 16])
  })

  it('produces nothing for a port-53 flow that carries no DNS message', async () => {
    const collection = await analyze([udpFrame(client, Buffer.from('hello'))], [dnsAnalyzer])
    expect(factsOf(collection, 'dns')).toEqual([])
  })

  it('gives the same facts, byte for byte, on a second run', async () => {
    const frames = [
      udpFrame(client, dnsQuery({id: 1, name: 'zoom.us'})),
      udpFrame(reverse(client), dnsResponse({id: 1, name: 'zoom.us', answers: [{name: 'zoom.us', type: 'A', ttl: 1, value: '170.114.52.2'}]})),
    ]
    const a = JSON.stringify(factsOf(await analyze(frames, [dnsAnalyzer]), 'dns'))
    const b = JSON.stringify(factsOf(await analyze(frames, [dnsAnalyzer]), 'dns'))
    expect(a).toBe(b)
  })
})

describe('passiveDns', () => {
  it('shares equal questions, records and record lists between messages, frozen', async () => {
    const answers = [{name: 'teams.example', type: 'CNAME' as const, ttl: 30, value: 'edge.example'}, {name: 'edge.example', type: 'A' as const, ttl: 30, value: '192.0.2.8'}]
    const frames = [1, 2].flatMap((id) => [
      udpFrame(client, dnsQuery({id, name: 'teams.example'})),
      udpFrame(reverse(client), dnsResponse({id, name: 'teams.example', answers})),
    ])
    const [facts] = factsOf<DnsFacts>(await analyze(frames, [dnsAnalyzer]), 'dns')
    const [q1, r1, q2, r2] = facts!.messages
    expect(q2!.questions).toBe(q1!.questions)
    expect(r2!.questions).toBe(q1!.questions)
    expect(r2!.records).toBe(r1!.records)
    expect(q1!.records).toBe(q2!.records)
    expect(r1!.flags).toBe(r2!.flags)
    expect(Object.isFrozen(r1!.records)).toBe(true)
    expect(Object.isFrozen(r1!.records[0])).toBe(true)
    expect(Object.isFrozen(q1!.questions[0])).toBe(true)
    // The same JSON as unshared objects: key order and all.
    expect(JSON.stringify(r2!.records)).toBe(
      '[{"section":"answer","name":"teams.example","type":5,"typeName":"CNAME","ttl":30,"data":"edge.example"},' +
        '{"section":"answer","name":"edge.example","type":1,"typeName":"A","ttl":30,"data":"192.0.2.8"}]',
    )
    expect(JSON.stringify(q1!.questions)).toBe('[{"name":"teams.example","type":1,"typeName":"A"}]')
  })

  it('names each address by its record owner and every alias leading to it', async () => {
    const frames = [
      udpFrame(reverse(client), dnsResponse({id: 1, name: 'WWW.Zoom.us', answers: [
        {name: 'WWW.Zoom.us', type: 'CNAME', ttl: 1, value: 'zoom.us.cdn.example'},
        {name: 'zoom.us.cdn.example', type: 'CNAME', ttl: 1, value: 'edge.cdn.example'},
        {name: 'edge.cdn.example', type: 'A', ttl: 1, value: '203.0.113.7'},
        {name: 'edge.cdn.example', type: 'AAAA', ttl: 1, value: '2001:db8::7'},
      ]})),
      udpFrame(reverse({...client, sport: 51001}), dnsResponse({id: 2, name: 'api.zoom.us', answers: [{name: 'api.zoom.us', type: 'A', ttl: 1, value: '203.0.113.7'}, {name: 'api.zoom.us', type: 'A', ttl: 1, value: '10.0.0.9'}]})),
      // Queries (even with records, as mDNS known answers) are not evidence of a binding.
      udpFrame(client, dnsMessage({id: 3, flags: 0x0100, questions: [{name: 'x.example', type: 'A'}], answers: [{name: 'x.example', type: 'A', ttl: 1, value: '192.0.2.99'}]})),
    ]
    const collection = await analyze(frames, [dnsAnalyzer])
    expect([...passiveDns(collection.facts)]).toEqual([
      ['10.0.0.9', ['api.zoom.us']],
      ['203.0.113.7', ['api.zoom.us', 'edge.cdn.example', 'www.zoom.us', 'zoom.us.cdn.example']],
      ['2001:db8::7', ['edge.cdn.example', 'www.zoom.us', 'zoom.us.cdn.example']],
    ])
  })

  it('skips facts of unexpected shape', () => {
    const facts = new Map<number, Record<string, unknown>>([
      [1, {dns: {messages: [null, 7, {response: true, records: [{name: 'a', type: 1, data: 5}, 'x']}]}}],
      [2, {dns: 'nonsense'}],
      [3, {tls: {}}],
    ])
    expect(passiveDns(facts).size).toBe(0)
  })
})
