import {describe, expect, it} from 'vitest'
import {findChlo, parseChlo} from '../../../src/protocols/quic/gquic.js'
import {deriveInitialKeys, hkdfExpandLabel, hkdfExtract, openPacket} from '../../../src/protocols/quic/initial-protection.js'
import {cryptoFrames, parseLongHeader} from '../../../src/protocols/quic/quic-packet.js'
import {quicVersionInfo, SALT_V1, SALT_V2} from '../../../src/protocols/quic/quic-versions.js'
import {ackFrame, chloMessage, cryptoFrame, initialPacket, PING, SALTS, varint} from './quic-builder.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
/** RFC 9001 Appendix A: the client's Destination Connection ID of the sample handshake. */
const RFC_DCID = Buffer.from('8394c8f03e515708', 'hex')

describe('QUIC Initial protection', () => {
  it('derives the RFC 9001 Appendix A.1 keys (v1)', () => {
    const initial = hkdfExtract(SALT_V1, RFC_DCID)
    expect(hex(initial)).toBe('7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44')
    expect(hex(hkdfExpandLabel(initial, 'client in', 32))).toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea')
    const client = deriveInitialKeys(SALT_V1, RFC_DCID, 'client')
    expect([hex(client.key), hex(client.iv), hex(client.hp)]).toEqual(['1f369613dd76d5467730efcbe3b1a22d', 'fa044b2f42a3fd3b46fb255c', '9f50449e04a0e810283a1e9933adedd2'])
    const server = deriveInitialKeys(SALT_V1, RFC_DCID, 'server')
    expect([hex(server.key), hex(server.iv), hex(server.hp)]).toEqual(['cf3a5331653c364c88f0f379b6067e37', '0ac1493ca1905853b0bba03e', 'c206b8d9b9f0f37644430b490eeaa314'])
    // A.2: header protection mask of the client Initial's sample.
    expect(hex(client.hpCipher.update(Buffer.from('d1b1c98dd7689fb8ec11d242b123dc9b', 'hex')).subarray(0, 5))).toBe('437b9aec36')
  })

  it('derives the RFC 9369 Appendix A.1 keys (v2, "quicv2" labels)', () => {
    const client = deriveInitialKeys(SALT_V2, RFC_DCID, 'client', 'quicv2 ')
    expect([hex(client.key), hex(client.iv), hex(client.hp)]).toEqual(['8b1a0bc121284290a29e0971b5cd045d', '91f73e2351d8fa91660e909f', '45b95e15235d6f45a6b19cbcb0294ba9'])
  })

  it('opens a protected Initial, and refuses wrong keys, a damaged tag or a packet too short to sample', () => {
    const frames = Buffer.concat([cryptoFrame(0, Buffer.from('hello crypto')), PING])
    const packet = initialPacket({version: 1, dcid: RFC_DCID, scid: Buffer.from('c0ffee', 'hex'), packetNumber: 2, pnLength: 4, frames, padTo: 1162})
    const header = parseLongHeader(packet, 0, 0)!
    const keys = deriveInitialKeys(SALT_V1, RFC_DCID, 'client')
    const opened = openPacket(keys, header.bytes, header.pnOffset)!
    expect(opened.packetNumber).toBe(2)
    expect(opened.firstByte).toBe(0xc3)
    expect(opened.payload.subarray(0, frames.length)).toEqual(frames)
    expect(openPacket(deriveInitialKeys(SALT_V1, RFC_DCID, 'server'), header.bytes, header.pnOffset)).toBeUndefined()
    const damaged = Buffer.from(packet)
    damaged[damaged.length - 1]! ^= 1
    expect(openPacket(keys, damaged, header.pnOffset)).toBeUndefined()
    expect(openPacket(keys, packet.subarray(0, header.pnOffset + 19), header.pnOffset)).toBeUndefined()
    // The input is left as it was.
    expect(Buffer.from(header.bytes)).toEqual(packet)
  })
})

describe('QUIC versions', () => {
  it('knows the salts, labels and Initial type of each version', () => {
    expect(quicVersionInfo(1)).toMatchObject({name: 'v1', family: 'ietf', labelPrefix: 'quic ', initialType: 0, tls: true})
    expect(quicVersionInfo(0x6b3343cf)).toMatchObject({name: 'v2', labelPrefix: 'quicv2 ', initialType: 1})
    expect(hex(quicVersionInfo(0xff00001d)!.salt!)).toBe('afbfec289993d24c9e9786f19c6111e04390a899')
    expect(hex(quicVersionInfo(0xff000017)!.salt!)).toBe('c3eef712c72ebb5a11a7d2432bb46365bef9f502')
    expect(hex(quicVersionInfo(0xff000022)!.salt!)).toBe(hex(SALT_V1))
    expect(quicVersionInfo(0xfaceb002)!.name).toBe('mvfst-27')
    expect(quicVersionInfo(0x1a2a3a4a)).toMatchObject({name: '0x1a2a3a4a', salt: SALT_V1})
    expect(quicVersionInfo(0x51303433)).toMatchObject({name: 'Q043', family: 'gquic', protection: 'clear'})
    expect(quicVersionInfo(0x51303530)).toMatchObject({name: 'Q050', protection: 'initial-aead', tls: false, cryptoFrameType: 0x08})
    expect(quicVersionInfo(0x54303531)).toMatchObject({name: 'T051', tls: true, cryptoFrameType: 0x08})
    expect(hex(quicVersionInfo(0x54303531)!.salt!)).toBe(hex(SALTS.t051))
    expect(quicVersionInfo(0x12345678)).toBeUndefined()
    expect(quicVersionInfo(0)).toBeUndefined()
  })
})

describe('QUIC long header and frames', () => {
  it('walks coalesced packets and stops at a short header or a Retry', () => {
    const a = initialPacket({version: 1, dcid: Buffer.alloc(8, 1), frames: PING, padTo: 40})
    // A 0-RTT packet (v1 type 1) after it, with a Length.
    const zeroRtt = Buffer.concat([Buffer.from([0xd1, 0, 0, 0, 1, 8]), Buffer.alloc(8, 1), Buffer.from([0]), varint(30), Buffer.alloc(30, 0x77)])
    const datagram = Buffer.concat([a, zeroRtt, Buffer.from([0x40, 1, 2, 3])])
    const first = parseLongHeader(datagram, 0, 0)!
    expect(first).toMatchObject({typeBits: 0, version: 1, end: a.length})
    const second = parseLongHeader(datagram, first.end, 0)!
    expect(second).toMatchObject({typeBits: 1, end: a.length + zeroRtt.length})
    expect(parseLongHeader(datagram, second.end, 0)).toBeUndefined()
    const retry = Buffer.concat([Buffer.from([0xf0, 0, 0, 0, 1, 0, 0]), Buffer.alloc(30)])
    expect(parseLongHeader(retry, 0, 0)).toBeUndefined()
    // v2 numbers Retry 0 and Initial 1.
    expect(parseLongHeader(Buffer.concat([Buffer.from([0xc0, 0x6b, 0x33, 0x43, 0xcf, 0, 0]), Buffer.alloc(30)]), 0, 1)).toBeUndefined()
  })

  it('rejects oversized connection IDs, version negotiation and lengths past the datagram', () => {
    expect(parseLongHeader(Buffer.from([0xc0, 0, 0, 0, 1, 21, ...Buffer.alloc(30)]), 0, 0)).toBeUndefined()
    expect(parseLongHeader(Buffer.from([0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 0, 0)).toBeUndefined()
    expect(parseLongHeader(Buffer.from([0xc0, 0, 0, 0, 1, 0, 0, 0, 0x44, 0x00, 1, 2]), 0, 0)).toBeUndefined()
    const packet = initialPacket({version: 1, dcid: Buffer.alloc(8, 1), frames: PING, padTo: 40})
    for (let n = 0; n < packet.length; n++) expect(parseLongHeader(packet.subarray(0, n), 0, 0)).toBeUndefined()
  })

  it('reads CRYPTO frames among PADDING, PING, ACK and CONNECTION_CLOSE, and stops at anything else', () => {
    const close = Buffer.concat([varint(0x1c), varint(0x0a), varint(0x06), varint(3), Buffer.from('bye')])
    const payload = Buffer.concat([Buffer.alloc(3), PING, ackFrame(5), ackFrame(9, true), cryptoFrame(100, Buffer.from('later')), close, cryptoFrame(0, Buffer.from('first')), Buffer.from([0x08, 1, 2]), cryptoFrame(5, Buffer.from('never'))])
    expect(cryptoFrames(payload).map((f) => [f.offset, Buffer.from(f.data).toString()])).toEqual([
      [100, 'later'],
      [0, 'first'],
    ])
    expect(cryptoFrames(Buffer.concat([cryptoFrame(0, Buffer.from('gq'), 0x08)]), 0x08).map((f) => f.offset)).toEqual([0])
    const whole = cryptoFrame(7, Buffer.alloc(50, 1))
    for (let n = 0; n < whole.length; n++) expect(cryptoFrames(whole.subarray(0, n))).toEqual([])
    expect(cryptoFrames(Buffer.from([0x02, 0x01, 0x00, 0x7f, 0x7f]))).toEqual([]) // range count 127, then nothing
  })
})

describe('gQUIC CHLO', () => {
  it('finds and reads the CHLO tags, SNI and user agent', () => {
    const message = chloMessage([
      ['PAD', Buffer.alloc(20)],
      ['SNI', 'www.youtube.com'],
      ['VER', 'Q043'],
      ['UAID', 'Chrome/74.0.3729.169 Windows NT 10.0; Win64; x64'],
    ])
    const datagram = Buffer.concat([Buffer.alloc(30, 0x11), message])
    const at = findChlo(datagram)
    expect(at).toBe(30)
    expect(parseChlo(datagram, at)).toEqual({sni: 'www.youtube.com', userAgent: 'Chrome/74.0.3729.169 Windows NT 10.0; Win64; x64', tags: ['PAD', 'SNI', 'VER', 'UAID']})
  })

  it('keeps what is whole in a cut message and rejects decreasing offsets', () => {
    const message = chloMessage([
      ['SNI', 'cut.example'],
      ['UAID', 'x'.repeat(100)],
    ])
    expect(parseChlo(message.subarray(0, message.length - 10), 0)).toEqual({sni: 'cut.example', tags: ['SNI', 'UAID'], truncated: true})
    const bad = Buffer.from(message)
    bad.writeUInt32LE(1, 8 + 8 + 4)
    expect(parseChlo(bad, 0)).toBeUndefined()
    for (let n = 0; n <= message.length; n++) expect(() => parseChlo(message.subarray(0, n), 0)).not.toThrow()
    expect(parseChlo(Buffer.from('CHLO\0\0\0\0'), 0)).toBeUndefined()
    expect(findChlo(Buffer.from('no hello here'))).toBe(-1)
  })
})
