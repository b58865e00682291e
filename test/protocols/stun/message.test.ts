import {describe, expect, it} from 'vitest'
import {addressScope} from '../../../src/protocols/stun/address-scope.js'
import {
  captureText,
  channelDataHeader,
  findDataAttribute,
  parseStunMessage,
  stunClass,
  stunFrameLength,
  stunMethod,
} from '../../../src/protocols/stun/message.js'
import {crc32, detBytes, stunMessage, stunXorMappedAddress} from '../../support/packet-builder.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

// RFC 5769 §2.1-2.3 test vectors (the FINGERPRINT checks below prove they are copied exactly).
const RFC5769_REQUEST = hex(`
  0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 0010 5354554e 20746573 7420636c 69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b1 51263b36
  0006 0009 6576746a 3a683676 59202020
  0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  8028 0004 e57a3bcf`)
const RFC5769_IPV4_RESPONSE = hex(`
  0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0008 0001a147 e112a643
  0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  8028 0004 c07d4c96`)
const RFC5769_IPV6_RESPONSE = hex(`
  0101 0048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  0008 0014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  8028 0004 c8fb0b4c`)

function fingerprintHolds(m: Buffer): boolean {
  const body = m.subarray(0, m.length - 8)
  return ((crc32(body) ^ 0x5354554e) >>> 0) === m.readUInt32BE(m.length - 4)
}

describe('STUN message parsing (RFC 8489)', () => {
  it('the RFC 5769 vectors are intact', () => {
    for (const m of [RFC5769_REQUEST, RFC5769_IPV4_RESPONSE, RFC5769_IPV6_RESPONSE]) expect(fingerprintHolds(m)).toBe(true)
  })

  it('decodes the RFC 5769 request: class, method, transaction id, USERNAME, SOFTWARE', () => {
    const m = parseStunMessage(RFC5769_REQUEST, 0, RFC5769_REQUEST.length)!
    expect(m).toMatchObject({dialect: 'rfc5389', classic: false, type: 0x0001, method: 1, cls: 0, name: 'Binding Request', transactionId: 'b7e7a701bc34d686fa87dfae', length: 108})
    expect(m.attributes.map((a) => a.name)).toEqual(['SOFTWARE', 'PRIORITY', 'ICE-CONTROLLED', 'USERNAME', 'MESSAGE-INTEGRITY', 'FINGERPRINT'])
    expect(m.attributes.find((a) => a.name === 'USERNAME')!.text).toBe('evtj:h6vY')
    expect(m.attributes.find((a) => a.name === 'SOFTWARE')!.text).toBe('STUN test client')
    expect(m.attributes.find((a) => a.name === 'PRIORITY')!.number).toBe(0x6e0001ff)
  })

  it('undoes the XOR of XOR-MAPPED-ADDRESS: IPv4 with the cookie, IPv6 with cookie || transaction id', () => {
    const v4 = parseStunMessage(RFC5769_IPV4_RESPONSE, 0, RFC5769_IPV4_RESPONSE.length)!
    expect(v4.name).toBe('Binding Success Response')
    const a4 = v4.attributes.find((a) => a.type === 0x0020)!
    expect(a4.address).toEqual({family: 'IPv4', ip: '192.0.2.1', port: 32853})
    expect(a4.role).toBe('mapped')
    expect(v4.attributes.find((a) => a.name === 'SOFTWARE')!.text).toBe('test vector')
    const v6 = parseStunMessage(RFC5769_IPV6_RESPONSE, 0, RFC5769_IPV6_RESPONSE.length)!
    expect(v6.attributes.find((a) => a.type === 0x0020)!.address).toEqual({family: 'IPv6', ip: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853})
  })

  it('matches the packet builder for XOR-MAPPED-ADDRESS round trips, and flags local addresses', () => {
    const txid = detBytes('tx', 12)
    for (const [ip, scope] of [
      ['10.1.2.3', 'rfc1918'],
      ['172.20.0.9', 'rfc1918'],
      ['192.168.1.23', 'rfc1918'],
      ['100.70.1.1', 'cgnat'],
      ['169.254.9.9', 'link-local'],
      ['203.0.113.7', undefined],
      ['fd12:3456::1', 'ula'],
      ['fe80::1', 'link-local'],
      ['2001:db8::5', undefined],
      ['::ffff:192.168.0.4', 'rfc1918'],
    ] as const) {
      const msg = stunMessage({type: 0x0101, txid, attrs: [stunXorMappedAddress(ip, 61045, txid)]})
      const address = parseStunMessage(msg, 0, msg.length)!.attributes[0]!.address!
      expect(address.port).toBe(61045)
      expect(address.scope).toBe(scope)
    }
  })

  it('reads RFC 3489 messages (no cookie, 128-bit transaction id) with MAPPED-ADDRESS', () => {
    const m = hex('0101 000c 9429ef88294dd52632c72931cb8dbb4c 0001 0008 0001 d70a ac103fe0')
    const parsed = parseStunMessage(m, 0, m.length)!
    expect(parsed).toMatchObject({dialect: 'rfc3489', classic: true, name: 'Binding Response', transactionId: '9429ef88294dd52632c72931cb8dbb4c'})
    expect(parsed.attributes[0]!.address).toEqual({family: 'IPv4', ip: '172.16.63.224', port: 55050, scope: 'rfc1918'})
  })

  it('an RFC 3489 message needs at least one attribute unless the flow already speaks STUN', () => {
    const empty = hex('0001 0000 00112233445566778899aabbccddeeff')
    expect(parseStunMessage(empty, 0, empty.length)).toBeUndefined()
    expect(parseStunMessage(empty, 0, empty.length, {allowEmptyClassic: true})?.name).toBe('Binding Request')
  })

  it('rejects classic-looking bytes with an unknown method (DTLS records start 0x16 0xfe)', () => {
    const dtls = hex('16fe fd00 0000000000000000 0000 0000 0000 0000 0000')
    expect(parseStunMessage(dtls, 0, dtls.length)).toBeUndefined()
  })

  it('reads Zoom’s RFC 3489-shaped exchange: 0x0103 carries the reflexive address', () => {
    const request = hex('0001 0018 c15dae63585d14392e582c260403bf30 0101 0014 3132333435363738393031323334353637383900')
    const response = hex('0002 000c c15dae63585d14392e582c260403bf30 0103 0008 0001ff7550b4dcef')
    expect(parseStunMessage(request, 0, request.length)!.dialect).toBe('zoom')
    const r = parseStunMessage(response, 0, response.length)!
    expect(r.dialect).toBe('zoom')
    expect(r.name).toBe('Zoom STUN-like 0x0002')
    expect(r.attributes[0]).toMatchObject({name: 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)', role: 'mapped', address: {family: 'IPv4', ip: '80.180.220.239', port: 65397}})
  })

  it('reads [MS-TURN]: MAGIC-COOKIE attribute, swapped NONCE/REALM, plain REMOTE-ADDRESS, unpadded values', () => {
    // Allocate success: MAGIC-COOKIE, MAPPED-ADDRESS (= relayed address), XOR-MAPPED-ADDRESS 0x8020,
    // SOFTWARE "2.0.1" left unpadded in the middle, REALM at 0x0015, NONCE at 0x0014.
    const body = Buffer.concat([
      hex('000f 0004 72c64bc6'),
      hex('0001 0008 0001 0d98 3472fa8d'),
      hex('8020 0008 0001 c1d5 71a76a0a'),
      Buffer.concat([hex('8022 0005'), Buffer.from('2.0.1')]),
      Buffer.concat([hex('0015 0008'), Buffer.from('rtcmedia')]),
      hex('0014 0004 01020304'),
    ])
    const head = hex('0103 0000 2112a442 222fefc7f3924bd1b99727e4')
    head.writeUInt16BE(body.length, 2)
    const m = Buffer.concat([head, body])
    const parsed = parseStunMessage(m, 0, m.length)!
    expect(parsed.dialect).toBe('ms-turn')
    const byName = new Map(parsed.attributes.map((a) => [a.name, a]))
    expect(byName.get('MAPPED-ADDRESS')).toMatchObject({role: 'relayed', address: {ip: '52.114.250.141', port: 3480}})
    expect(byName.get('XOR-MAPPED-ADDRESS')).toMatchObject({vendor: 'Microsoft', role: 'mapped', address: {ip: '80.181.206.72', port: 57543}})
    expect(byName.get('SOFTWARE')!.text).toBe('2.0.1')
    expect(byName.get('REALM')!.text).toBe('rtcmedia')
    expect(byName.has('NONCE')).toBe(true)
    const indication = hex('0115 000c c2d6764f53f1d813305855947dbe126b 0012 0008 0001 3fcc 5d476ecd')
    const ind = parseStunMessage(indication, 0, indication.length)!
    expect(ind).toMatchObject({classic: true, name: 'Data Indication'})
    // Without MAGIC-COOKIE the indication is plain RFC 3489 style: 0x0012 still decoded, XOR-ed
    // as RFC 8656 defines it. With the cookie attribute it is the plain [MS-TURN] REMOTE-ADDRESS:
    const ms = Buffer.concat([hex('0115 0014 c2d6764f53f1d813305855947dbe126b 000f 0004 72c64bc6'), hex('0012 0008 0001 3fcc 5d476ecd')])
    expect(parseStunMessage(ms, 0, ms.length)!.attributes[1]).toMatchObject({name: 'REMOTE-ADDRESS', role: 'peer', address: {ip: '93.71.110.205', port: 16332}})
  })

  it('decodes ERROR-CODE, LIFETIME, REQUESTED-TRANSPORT, CHANNEL-NUMBER', () => {
    const txid = detBytes('e', 12)
    const m = stunMessage({
      type: 0x0113,
      txid,
      attrs: [
        {type: 0x0009, value: Buffer.concat([hex('00000401'), Buffer.from('Unauthorized')])},
        {type: 0x000d, value: hex('00000258')},
        {type: 0x0019, value: hex('11000000')},
        {type: 0x000c, value: hex('40010000')},
      ],
    })
    const p = parseStunMessage(m, 0, m.length)!
    expect(p.name).toBe('Allocate Error Response')
    expect(p.attributes.map((a) => [a.name, a.errorCode ?? a.number, a.text])).toEqual([
      ['ERROR-CODE', 401, 'Unauthorized'],
      ['LIFETIME', 600, undefined],
      ['REQUESTED-TRANSPORT', 17, undefined],
      ['CHANNEL-NUMBER', 0x4001, undefined],
    ])
  })

  it('leaves out NUL padding a server counted into a text attribute (coturn 4.6), as Wireshark does', () => {
    const txid = detBytes('n', 12)
    const m = stunMessage({
      type: 0x0113,
      txid,
      attrs: [
        {type: 0x0009, value: Buffer.concat([hex('00000428'), Buffer.from('Unsupported address family\0\0')])},
        {type: 0x8022, value: Buffer.from('Coturn\0\0')},
        {type: 0x0014, value: Buffer.from('a\0b')},
      ],
    })
    const p = parseStunMessage(m, 0, m.length)!
    expect(p.attributes.map((a) => [a.name, a.errorCode, a.text])).toEqual([
      ['ERROR-CODE', 440, 'Unsupported address family'],
      ['SOFTWARE', undefined, 'Coturn'],
      // A NUL inside the text is the capture's and is kept (shown escaped by every renderer).
      ['REALM', undefined, 'a\0b'],
    ])
  })

  it('class and method bits (RFC 8489 §5)', () => {
    expect([stunClass(0x0001), stunMethod(0x0001)]).toEqual([0, 1])
    expect([stunClass(0x0011), stunMethod(0x0011)]).toEqual([1, 1])
    expect([stunClass(0x0101), stunMethod(0x0101)]).toEqual([2, 1])
    expect([stunClass(0x0113), stunMethod(0x0113)]).toEqual([3, 3])
    expect([stunClass(0x0017), stunMethod(0x0017)]).toEqual([1, 7])
    expect(stunMethod(0x3eef)).toBe(0xfff)
  })

  it('never throws and never accepts a truncated or corrupted message', () => {
    for (const m of [RFC5769_REQUEST, RFC5769_IPV4_RESPONSE, RFC5769_IPV6_RESPONSE]) {
      for (let n = 0; n < m.length; n++) {
        expect(parseStunMessage(m.subarray(0, n), 0, n)).toBeUndefined()
        expect(parseStunMessage(m, 0, n)).toBeUndefined()
      }
      // A wrong attribute length breaks the tiling.
      const broken = Buffer.from(m)
      broken.writeUInt16BE(broken.readUInt16BE(22) + 4, 22)
      expect(parseStunMessage(broken, 0, broken.length)).toBeUndefined()
      // Offsets and ends outside the buffer.
      expect(parseStunMessage(m, -1, m.length)).toBeUndefined()
      expect(parseStunMessage(m, 0, m.length + 4)).toBeUndefined()
    }
    for (let seed = 0; seed < 300; seed++) {
      const noise = detBytes(`noise${seed}`, 20 + (seed % 60))
      noise[0]! &= 0x3f
      noise.writeUInt16BE(noise.length - 20, 2)
      expect(() => parseStunMessage(noise, 0, noise.length)).not.toThrow()
    }
  })

  it('bad address attributes are kept without an address', () => {
    const txid = detBytes('b', 12)
    const m = stunMessage({type: 0x0101, txid, attrs: [{type: 0x0020, value: hex('0003 1234 01020304')}, {type: 0x0001, value: hex('0001 1234 0102')}]})
    const p = parseStunMessage(m, 0, m.length)!
    expect(p.attributes.map((a) => a.address)).toEqual([undefined, undefined])
  })

  it('stunFrameLength frames by the header length', () => {
    expect(stunFrameLength(RFC5769_REQUEST, 0, RFC5769_REQUEST.length)).toBe(108)
    expect(stunFrameLength(RFC5769_REQUEST, 0, 50)).toBe(-1)
    expect(stunFrameLength(hex('80000000'), 0, 4)).toBe(-1)
  })

  it('ChannelData header (RFC 8656 §12.4) with the channel range and padding rules', () => {
    const out = {channel: 0, length: 0}
    const cd = Buffer.concat([hex('4001 0005'), Buffer.from('hello'), Buffer.alloc(3)])
    expect(channelDataHeader(cd, 0, cd.length, true, out)).toBe(true)
    expect(out).toEqual({channel: 0x4001, length: 5})
    expect(channelDataHeader(Buffer.concat([cd, Buffer.alloc(4)]), 0, cd.length + 4, true, out)).toBe(false) // more than padding after
    expect(channelDataHeader(hex('3fff 0000'), 0, 4, true, out)).toBe(false)
    expect(channelDataHeader(hex('4001 0010 00'), 0, 5, false, out)).toBe(false)
    expect(channelDataHeader(hex('ff10 0000'), 0, 4, true, out)).toBe(true) // [MS-TURN] multiplexed
  })

  it('finds the DATA attribute of Send/Data indications', () => {
    const txid = detBytes('d', 12)
    const payload = Buffer.from('relayed packet!')
    const m = stunMessage({type: 0x0016, txid, attrs: [{type: 0x0012, value: hex('0001 1234 01020304')}, {type: 0x0013, value: payload}]})
    const out = {start: 0, end: 0}
    expect(findDataAttribute(m, 0, m.length, out)).toBe(true)
    expect(m.subarray(out.start, out.end).toString()).toBe('relayed packet!')
    expect(findDataAttribute(m, 0, m.length - 1, out)).toBe(false)
    expect(findDataAttribute(RFC5769_REQUEST, 0, RFC5769_REQUEST.length, out)).toBe(false)
  })

  it('captureText decodes UTF-8, shows invalid bytes as \\xHH and caps the length with a mark', () => {
    expect(captureText(Buffer.from([0x41, 0xff, 0x42]), 0, 3)).toBe('A\\xffB')
    expect(captureText(Buffer.alloc(400, 0x61), 0, 400)).toBe(`${'a'.repeat(255)}…`)
    expect(captureText(Buffer.from('Grüße'), 0, 7, 3)).toBe('Grü…')
  })

  it('addressScope ignores out-of-range offsets', () => {
    expect(addressScope(new Uint8Array(3), 0, 4)).toBeUndefined()
  })
})
