import {describe, expect, it} from 'vitest'
import {isStrictDnsMessage, MAX_QUESTIONS, MAX_RECORDS, parseDnsMessage} from '../../../src/protocols/dns/dns-message.js'
import {parseSvcb} from '../../../src/protocols/dns/svcb.js'
import {dnsMessage, dnsQuery, dnsResponse} from '../../support/packet-builder.js'
import {pseudoRandom} from './capture-support.js'

function u16(n: number): number[] {
  return [n >> 8, n & 0xff]
}

function wireName(name: string): number[] {
  const out: number[] = []
  for (const l of name.split('.').filter(Boolean)) out.push(l.length, ...Buffer.from(l))
  return [...out, 0]
}

/** A response to `name` HTTPS with one HTTPS record whose RDATA is `rdata`. */
function httpsResponse(name: string, rdata: number[], type = 65): Uint8Array {
  const header = [0x12, 0x34, 0x81, 0x80, ...u16(1), ...u16(1), ...u16(0), ...u16(0)]
  const question = [...wireName(name), ...u16(type), ...u16(1)]
  const answer = [0xc0, 12, ...u16(type), ...u16(1), 0, 0, 0x0e, 0x10, ...u16(rdata.length), ...rdata]
  return Uint8Array.from([...header, ...question, ...answer])
}

/** SvcParam key, value. */
function param(key: number, value: number[]): number[] {
  return [...u16(key), ...u16(value.length), ...value]
}

describe('parseDnsMessage', () => {
  it('reads a standard query', () => {
    const m = parseDnsMessage(dnsQuery({id: 0xbeef, name: 'ministry.zoom.us', type: 'A'}))!
    expect(m).toMatchObject({id: 0xbeef, response: false, opcode: 0, rcode: 0, flags: ['RD'], malformed: null, trailing: 0})
    expect(m.questions).toEqual([{name: 'ministry.zoom.us', type: 1, class: 1}])
    expect(m.records).toEqual([])
  })

  it('reads a response with a CNAME chain, addresses and compression', () => {
    const bytes = dnsResponse({
      id: 7,
      name: 'www.zoom.us',
      answers: [
        {name: 'www.zoom.us', type: 'CNAME', ttl: 60, value: 'zoom.us.cdn.example'},
        {name: 'zoom.us.cdn.example', type: 'A', ttl: 60, value: '170.114.52.2'},
        {name: 'zoom.us.cdn.example', type: 'AAAA', ttl: 60, value: '2001:db8::1'},
      ],
    })
    const m = parseDnsMessage(bytes)!
    expect(m.response).toBe(true)
    expect(m.flags).toEqual(['RD', 'RA'])
    expect(m.records.map((r) => [r.section, r.name, r.type, r.data])).toEqual([
      ['answer', 'www.zoom.us', 5, 'zoom.us.cdn.example'],
      ['answer', 'zoom.us.cdn.example', 1, '170.114.52.2'],
      ['answer', 'zoom.us.cdn.example', 28, '2001:db8::1'],
    ])
    expect(m.malformed).toBeNull()
  })

  it('renders MX, SRV, TXT, PTR and NS data, and strips the mDNS cache-flush bit', () => {
    const bytes = dnsMessage({
      id: 0,
      flags: 0x8400,
      answers: [
        {name: 'host.local', type: 'A', ttl: 120, value: '192.168.1.5', class: 0x8001},
        {name: 'svc._tcp.local', type: 'SRV', ttl: 120, value: '0 0 8009 host.local'},
        {name: 'svc._tcp.local', type: 'TXT', ttl: 120, value: 'md=Chromecast "x"'},
        {name: '5.1.168.192.in-addr.arpa', type: 'PTR', ttl: 120, value: 'host.local'},
        {name: 'local', type: 'NS', ttl: 120, value: 'ns.local'},
      ],
    })
    const m = parseDnsMessage(bytes)!
    expect(m.records.map((r) => [r.type, r.class, r.data])).toEqual([
      [1, 1, '192.168.1.5'],
      [33, 1, '0 0 8009 host.local'],
      [16, 1, '"md=Chromecast \\"x\\""'],
      [12, 1, 'host.local'],
      [2, 1, 'ns.local'],
    ])
  })

  it('reads HTTPS records: alpn, port, hints and whether ECH is offered', () => {
    const rdata = [
      ...u16(1),
      0, // target "." (the owner)
      ...param(1, [2, 0x68, 0x33, 2, 0x68, 0x32]),
      ...param(3, u16(8443)),
      ...param(4, [104, 16, 1, 1, 104, 16, 2, 2]),
      ...param(5, [0xfe, 0x0d, 0, 4, 1, 2, 3, 4]),
      ...param(6, [0x26, 0x06, 0x47, 0, ...new Array(11).fill(0), 1]),
    ]
    const m = parseDnsMessage(httpsResponse('crypto.cloudflare.com', rdata))!
    const r = m.records[0]!
    expect(r.type).toBe(65)
    expect(r.svcb).toEqual({priority: 1, target: '.', alpn: ['h3', 'h2'], port: 8443, ipv4hint: ['104.16.1.1', '104.16.2.2'], ipv6hint: ['2606:4700::1'], ech: true, keys: [1, 3, 4, 5, 6]})
    expect(r.data).toBe('1 . alpn=h3,h2 port=8443 ipv4hint=104.16.1.1,104.16.2.2 ipv6hint=2606:4700::1 ech')
  })

  it('reads the public name of each ECHConfig in the ech parameter (draft-ietf-tls-esni §4)', () => {
    const config = (version: number, publicName: string) => {
      const name = [...Buffer.from(publicName)]
      const contents = [0x2a, ...u16(0x0020), ...u16(32), ...new Array(32).fill(7), ...u16(4), ...u16(1), ...u16(1), 0, name.length, ...name, ...u16(0)]
      return [...u16(version), ...u16(contents.length), ...contents]
    }
    // An older draft's config (skipped by its length), then two of the RFC's version.
    const configs = [...config(0xfe0a, 'old.example'), ...config(0xfe0d, 'cloudflare-ech.com'), ...config(0xfe0d, 'Public.Example')]
    const rdata = [...u16(1), 0, ...param(5, [...u16(configs.length), ...configs])]
    const r = parseDnsMessage(httpsResponse('crypto.cloudflare.com', rdata))!.records[0]!
    expect(r.svcb).toMatchObject({ech: true, echPublicNames: ['cloudflare-ech.com', 'public.example']})
    // A list cut inside its last config keeps the names read before the cut.
    const cut = [...u16(1), 0, ...param(5, [...u16(configs.length), ...configs.slice(0, -10)])]
    expect(parseDnsMessage(httpsResponse('crypto.cloudflare.com', cut))!.records[0]!.svcb!.echPublicNames).toEqual(['cloudflare-ech.com'])
  })

  it('reads an SVCB alias form and a record without ECH', () => {
    const rdata = [...u16(0), ...wireName('svc.example.net')]
    const m = parseDnsMessage(httpsResponse('_dns.resolver.arpa', rdata, 64))!
    expect(m.records[0]!.svcb).toMatchObject({priority: 0, target: 'svc.example.net', ech: false, keys: []})
  })

  it('stops SvcParams at a truncated parameter and rejects RDATA too short for a target', () => {
    const cut = Uint8Array.from([...u16(1), 0, ...u16(1), ...u16(10), 2, 0x68])
    expect(parseSvcb(cut, 0, cut.length)).toMatchObject({alpn: [], keys: []})
    expect(parseSvcb(Uint8Array.from([0, 1]), 0, 2)).toBeNull()
    // The target name may not run past the RDATA
    const over = Uint8Array.from([...u16(1), 5, 0x61, 0x62])
    expect(parseSvcb(over, 0, over.length)).toBeNull()
  })

  it('extracts the EDNS Client Subnet from an OPT record and does not list OPT as data', () => {
    const base = Buffer.from(dnsQuery({id: 1, name: 'zoom.us'}))
    base.writeUInt16BE(1, 10) // ARCOUNT
    const ecs = [...u16(8), ...u16(7), ...u16(1), 24, 0, 203, 0, 113]
    const opt = [0, ...u16(41), ...u16(4096), 0, 0, 0, 0, ...u16(ecs.length), ...ecs]
    const m = parseDnsMessage(Uint8Array.from([...base, ...opt]))!
    expect(m.clientSubnet).toBe('203.0.113.0/24')
    expect(m.records).toEqual([])
    expect(m.malformed).toBeNull()
  })

  it('keeps what it read before a truncation and says where it stopped', () => {
    const full = dnsResponse({id: 2, name: 'a.example', answers: [{name: 'a.example', type: 'A', ttl: 1, value: '192.0.2.1'}, {name: 'a.example', type: 'A', ttl: 1, value: '192.0.2.2'}]})
    const cut = parseDnsMessage(full.subarray(0, full.length - 2))!
    expect(cut.questions).toHaveLength(1)
    expect(cut.records.map((r) => r.data)).toEqual(['192.0.2.1'])
    expect(cut.malformed).toBe('answer record 2: data truncated')
  })

  it('drops a question whose name or type cannot be read whole', () => {
    const q = dnsQuery({id: 3, name: 'sip.example'})
    expect(parseDnsMessage(q.subarray(0, q.length - 3))).toMatchObject({questions: [], malformed: 'question 1: truncated'})
    expect(parseDnsMessage(q.subarray(0, 16))).toMatchObject({questions: [], malformed: 'question 1: truncated'})
  })

  it('returns null below a header and never throws on any prefix or mutation of a message', () => {
    expect(parseDnsMessage(new Uint8Array(11))).toBeNull()
    const full = dnsResponse({
      id: 9,
      name: 'teams.microsoft.com',
      answers: [
        {name: 'teams.microsoft.com', type: 'CNAME', ttl: 60, value: 'teams.office.com'},
        {name: 'teams.office.com', type: 'A', ttl: 60, value: '52.113.194.132'},
      ],
    })
    for (let n = 0; n <= full.length; n++) parseDnsMessage(full.subarray(0, n))
    const next = pseudoRandom(42)
    for (let round = 0; round < 2000; round++) {
      const m = Uint8Array.from(full)
      for (let k = 0; k < 3; k++) m[next() % m.length] = next() & 0xff
      const parsed = parseDnsMessage(m)!
      expect(parsed.records.length).toBeLessThanOrEqual(MAX_RECORDS)
    }
  })

  it('caps questions and records kept per message, counting the rest', () => {
    const questions = Array.from({length: MAX_QUESTIONS + 3}, (_, i) => ({name: `q${i}.local`, type: 'PTR' as const}))
    const m = parseDnsMessage(dnsMessage({id: 0, flags: 0, questions}))!
    expect(m.questions).toHaveLength(MAX_QUESTIONS)
    const answers = Array.from({length: MAX_RECORDS + 5}, (_, i) => ({name: 'x.example', type: 'A' as const, ttl: 1, value: `10.0.${i >> 8}.${i & 255}`}))
    const r = parseDnsMessage(dnsMessage({id: 0, flags: 0x8180, answers}))!
    expect(r.records).toHaveLength(MAX_RECORDS)
    expect(r.dropped).toBe(5)
    expect(m.dropped).toBe(3)
  })
})

describe('parseDnsMessage, names known from earlier in the message', () => {
  it('reads an owner that points at an earlier name as that name, one pointer longer', () => {
    // Answer 1 (owner: root) carries in its RDATA a root label and a chain of 32 pointers, each
    // to the previous one: the name at the k-th pointer takes k pointers to read.
    const rdata = [0]
    const rdataAt = 12 + 1 + 10
    for (let k = 1; k <= 32; k++) rdata.push(0xc0, k === 1 ? rdataAt : rdataAt + 1 + 2 * (k - 2))
    const record = (owner: number[], data: number[]) => [...owner, 0xff, 0, 0, 1, 0, 0, 0, 0, data.length >> 8, data.length & 255, ...data]
    const first = record([0], rdata)
    // Answer 2: its owner points at the 31st pointer (32 pointers: the most allowed).
    const second = 12 + first.length
    const body = [...first, ...record([0xc0, rdataAt + 1 + 2 * 30], []), ...record([0xc0, second], [])]
    const m = parseDnsMessage(Uint8Array.from([0, 0, 0x84, 0, 0, 0, 0, 3, 0, 0, 0, 0, ...body]))!
    expect(m.records.map((r) => r.name)).toEqual(['.', '.'])
    // Answer 3 points at answer 2's owner: 33 pointers, one too many, known name or not.
    expect(m.malformed).toBe('answer record 3: too many pointers')
  })

  it('gives the same text for an owner written out and one pointing at the question', () => {
    const written = dnsMessage({id: 0, flags: 0x8400, answers: [{name: 'Printer (2).local', type: 'A', ttl: 120, value: '192.168.1.9'}]})
    const pointed = dnsResponse({id: 1, name: 'printer.local', answers: [{name: 'printer.local', type: 'A', ttl: 60, value: '192.168.1.9'}]})
    expect(parseDnsMessage(written)!.records[0]!.name).toBe('Printer (2).local')
    expect(parseDnsMessage(pointed)!.records[0]!.name).toBe('printer.local')
  })

  it('shares the flags list and the texts of repeated messages', () => {
    const a = parseDnsMessage(dnsQuery({id: 1, name: 'zoom.us'}))!
    const b = parseDnsMessage(dnsQuery({id: 2, name: 'zoom.us'}))!
    expect(a.flags).toBe(b.flags)
    expect(Object.isFrozen(a.flags)).toBe(true)
    expect(a.questions[0]!.name).toBe(b.questions[0]!.name)
  })

  it('renders binary TXT strings the same the second time (remembered by their bytes)', () => {
    const txt = [6, 1, 0x22, 0x5c, 0xff, 0x00, 0x41, 3, 0x61, 0x62, 0x63]
    const header = [0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    const bytes = Uint8Array.from([...header, 0, 0, 16, 0, 1, 0, 0, 0, 0, 0, txt.length, ...txt])
    expect(parseDnsMessage(bytes)!.records[0]!.data).toBe('"\\001\\"\\\\\ufffd\\000A" "abc"')
    expect(parseDnsMessage(bytes)!.records[0]!.data).toBe(parseDnsMessage(bytes)!.records[0]!.data)
  })
})

describe('isStrictDnsMessage', () => {
  it('accepts well-formed queries and responses', () => {
    expect(isStrictDnsMessage(dnsQuery({id: 1, name: '2.dnscrypt-cert.example', type: 'TXT'}))).toBe(true)
    expect(isStrictDnsMessage(dnsResponse({id: 1, name: 'a.example', answers: [{name: 'a.example', type: 'A', ttl: 1, value: '192.0.2.1'}]}))).toBe(true)
  })

  it('rejects trailing bytes, truncation, several questions, odd classes and other payloads', () => {
    const q = dnsQuery({id: 1, name: 'a.example'})
    expect(isStrictDnsMessage(Buffer.concat([q, Buffer.from([0])]))).toBe(false)
    expect(isStrictDnsMessage(q.subarray(0, q.length - 1))).toBe(false)
    expect(isStrictDnsMessage(dnsMessage({id: 1, flags: 0x100, questions: [{name: 'a.b', type: 'A'}, {name: 'c.d', type: 'A'}]}))).toBe(false)
    expect(isStrictDnsMessage(dnsMessage({id: 1, flags: 0x100, questions: [{name: 'a.b', type: 'A', class: 7}]}))).toBe(false)
    // A QUIC long header and an RTP packet
    expect(isStrictDnsMessage(Uint8Array.from([0xc3, 0, 0, 0, 1, 8, ...new Array(40).fill(0x55)]))).toBe(false)
    expect(isStrictDnsMessage(Uint8Array.from([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, ...new Array(40).fill(0)]))).toBe(false)
  })
})

describe('texts remembered by their bytes', () => {
  // A name read by the general path (here: UTF-8 in a label) is remembered by its labels in wire
  // form, TXT data that is not plain ASCII by its bytes: the same bytes can be both, and each
  // must keep its own text.
  const label = [0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0x78] // "café x" in UTF-8
  const wireName = [label.length, ...label, 0]
  const header = (qd: number, an: number) => [0, 1, 0x84, 0, 0, qd, 0, an, 0, 0, 0, 0]
  const txtAnswer = [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, wireName.length, ...wireName]
  const plainName = [1, 0x74, 7, ...Buffer.from('example'), 0]

  it('keeps a name and TXT data of the same bytes apart, in either order', () => {
    for (let round = 0; round < 2; round++) {
      const txtFirst = parseDnsMessage(Uint8Array.from([...header(1, 1), ...plainName, 0, 16, 0, 1, ...txtAnswer]))!
      expect(txtFirst.records[0]!.data).toBe('"café x" ""')
      const nameFirst = parseDnsMessage(Uint8Array.from([...header(1, 1), ...wireName, 0, 16, 0, 1, ...txtAnswer]))!
      expect(nameFirst.questions[0]!.name).toBe('café x')
      expect(nameFirst.records[0]!.name).toBe('café x')
      expect(nameFirst.records[0]!.data).toBe('"café x" ""')
    }
  })
})
