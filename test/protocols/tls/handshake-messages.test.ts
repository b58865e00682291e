import {describe, expect, it} from 'vitest'
import {ByteReader, wireText} from '../../../src/protocols/tls/byte-reader.js'
import {certificateFacts, parseCertificateMessage, parseSubjectAltName, parseX509Date} from '../../../src/protocols/tls/certificate.js'
import {ja3s} from '../../../src/protocols/tls/fingerprint.js'
import {certificateMessageFacts, describeCertificateMessage, describeServerHello, serverHelloFacts} from '../../../src/protocols/tls/hello-facts.js'
import {RangeBuffer} from '../../../src/protocols/tls/range-buffer.js'
import {parseServerHello} from '../../../src/protocols/tls/server-hello.js'
import {
  cipherSuiteName,
  groupName,
  highestVersion,
  isGrease,
  isObsoleteVersion,
  versionName,
  weakCipherClasses,
} from '../../../src/protocols/tls/tls-registry.js'
import {CA_DER, LEAF_DER, WEBRTC_DER} from './test-certificates.js'
import {certificateBody, ext, HELLO_RETRY_RANDOM, serverHelloBody} from './tls-builders.js'

const evidence = {frame: 18, capture: 0, time: '2023-04-01T00:00:00.000000Z'}
const APRIL_2023 = Date.UTC(2023, 3, 1)

describe('ServerHello parser', () => {
  it('reads a TLS 1.2 ServerHello with ALPN', () => {
    const hello = parseServerHello(serverHelloBody({cipherSuite: 0xc02f, sessionId: Buffer.alloc(32, 3), extensions: [ext.raw(0xff01, Buffer.from([0])), ext.alpn(['h2'])]}))!
    expect(hello).toMatchObject({legacyVersion: 0x0303, selectedVersion: undefined, cipherSuite: 0xc02f, alpn: 'h2', helloRetryRequest: false, truncated: false})
    expect(hello.extensions).toEqual([0xff01, 0x0010])
    const facts = serverHelloFacts(hello, evidence)
    expect(facts.version).toBe('TLS1.2')
    expect(facts.cipherSuite).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')
    expect(facts.weakCipher).toEqual([])
    expect(facts.ja3s).toBe('771,49199,65281-16')
    expect(describeServerHello(facts)).toBe('ServerHello TLS1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ALPN h2 (frame 18)')
  })

  it('takes the version from supported_versions and recognises a HelloRetryRequest', () => {
    const tls13 = parseServerHello(serverHelloBody({cipherSuite: 0x1301, extensions: [ext.selectedVersion(0x0304), ext.serverKeyShare(0x11ec, 1120)]}))!
    expect(tls13.selectedVersion).toBe(0x0304)
    expect(tls13.keyShareGroup).toBe(0x11ec)
    expect(serverHelloFacts(tls13, evidence)).toMatchObject({version: 'TLS1.3', legacyVersion: 'TLS1.2', keyShareGroup: 'X25519MLKEM768', obsoleteVersion: false})
    const retry = parseServerHello(serverHelloBody({random: HELLO_RETRY_RANDOM, cipherSuite: 0x1301, extensions: [ext.selectedVersion(0x0304), {type: 0x0033, data: Buffer.from([0x00, 0x17])}]}))!
    expect(retry.helloRetryRequest).toBe(true)
    expect(retry.keyShareGroup).toBe(0x0017)
    expect(describeServerHello(serverHelloFacts(retry, evidence))).toBe('HelloRetryRequest TLS1.3 TLS_AES_128_GCM_SHA256 (frame 18)')
  })

  it('flags an obsolete version, a weak suite and the selected SRTP profile', () => {
    const hello = parseServerHello(serverHelloBody({legacyVersion: 0xfeff, cipherSuite: 0x0005, extensions: [ext.useSrtp([0x0006])]}))!
    const facts = serverHelloFacts(hello, evidence)
    expect(facts).toMatchObject({version: 'DTLS1.0', obsoleteVersion: true, weakCipher: ['RC4'], srtpProfile: 'SRTP_NULL_HMAC_SHA1_32', nullSrtpProfile: true})
    expect(describeServerHello(facts)).toBe('ServerHello DTLS1.0 (obsolete) TLS_RSA_WITH_RC4_128_SHA (weak: RC4) SRTP SRTP_NULL_HMAC_SHA1_32 (frame 18)')
  })

  it('never throws on cut bodies; the fixed part is required', () => {
    const body = serverHelloBody({cipherSuite: 0x1301, extensions: [ext.selectedVersion(0x0304), ext.alpn(['h3'])]})
    for (let n = 0; n <= body.length; n++) {
      const hello = parseServerHello(body.subarray(0, n))
      if (n < 2 + 32 + 1 + 2 + 1) expect(hello).toBeUndefined()
      else expect(hello).toBeDefined()
    }
    expect(ja3s(parseServerHello(body)!).text).toBe('771,4865,43-16')
  })
})

describe('Certificate message', () => {
  it('parses a chain with node X509Certificate: names, SANs, validity, serial, fingerprint', () => {
    const chain = parseCertificateMessage(certificateBody([LEAF_DER, CA_DER]), APRIL_2023)!
    expect(chain.truncated).toBe(false)
    const [leaf, ca] = chain.certificates
    expect(leaf).toMatchObject({
      index: 0,
      sizeBytes: LEAF_DER.length,
      parsed: true,
      subject: ['C=ZZ', 'O=Example Meetings', 'CN=*.meet.example'],
      subjectCN: '*.meet.example',
      issuer: ['C=ZZ', 'O=Callaudit Test', 'CN=Callaudit Test Root CA'],
      issuerCN: 'Callaudit Test Root CA',
      sanDns: ['*.meet.example', 'meet.example'],
      sanIp: ['192.0.2.10'],
      serial: '0abc12',
      validFrom: '2023-03-01T12:00:00Z',
      validTo: '2023-06-01T12:00:00Z',
      publicKey: 'ec-prime256v1',
      isCA: false,
      selfSigned: false,
      expired: false,
      notYetValid: false,
    })
    expect(leaf!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(ca).toMatchObject({index: 1, subjectCN: 'Callaudit Test Root CA', isCA: true, selfSigned: true})
    const facts = certificateMessageFacts(chain, 'server', evidence)
    expect(describeCertificateMessage(facts)).toBe(
      `certificate CN=*.meet.example issuer CN=Callaudit Test Root CA valid to 2023-06-01 (2 DNS names) chain of 2 SHA-256 ${leaf!.fingerprint256.slice(0, 23)}… (frame 18)`,
    )
  })

  it('judges expiry at the capture time, never the wall clock', () => {
    const before = certificateFacts(WEBRTC_DER, 0, Date.UTC(2022, 11, 31))
    const during = certificateFacts(WEBRTC_DER, 0, Date.UTC(2023, 0, 15))
    const after = certificateFacts(WEBRTC_DER, 0, Date.UTC(2023, 1, 2))
    expect([before.notYetValid, before.expired]).toEqual([true, false])
    expect([during.notYetValid, during.expired]).toEqual([false, false])
    expect([after.notYetValid, after.expired]).toEqual([false, true])
    expect(during).toMatchObject({subject: ['CN=WebRTC'], subjectCN: 'WebRTC', selfSigned: true, isCA: false, sanDns: [], serial: '77'})
    const message = certificateMessageFacts({certificates: [after], truncated: false}, 'client', evidence)
    expect(describeCertificateMessage(message)).toMatch(/^client certificate CN=WebRTC self-signed valid to 2023-02-01 EXPIRED at capture time SHA-256 .* \(frame 18\)$/)
  })

  it('keeps the whole certificates of a cut message and reports unparseable DER by size and hash', () => {
    const body = certificateBody([LEAF_DER, CA_DER])
    const cut = parseCertificateMessage(body.subarray(0, 3 + 3 + LEAF_DER.length + 3 + 10), APRIL_2023)!
    expect(cut.truncated).toBe(true)
    expect(cut.certificates.map((c) => c.subjectCN)).toEqual(['*.meet.example'])
    const junk = parseCertificateMessage(certificateBody([Buffer.from('not a certificate')]), APRIL_2023)!
    expect(junk.certificates[0]).toMatchObject({index: 0, sizeBytes: 17, parsed: false})
    expect(junk.certificates[0]!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(describeCertificateMessage(certificateMessageFacts(junk, 'server', evidence))).toMatch(/^certificate \(unparseable, 17 bytes, SHA-256 /)
    for (let n = 0; n <= body.length; n += 7) expect(() => parseCertificateMessage(body.subarray(0, n), APRIL_2023)).not.toThrow()
    expect(parseCertificateMessage(Buffer.alloc(2), APRIL_2023)).toBeUndefined()
    expect(parseCertificateMessage(certificateBody([]), APRIL_2023)!.certificates).toEqual([])
  })

  it('parses the subjectAltName text node prints, including quoted values, and OpenSSL dates', () => {
    expect(parseSubjectAltName('DNS:a.example, IP Address:192.0.2.1, DNS:"b, c.example", email:x@y, IP Address:2001:DB8:0:0:0:0:0:1')).toEqual({
      dns: ['a.example', 'b, c.example'],
      ip: ['192.0.2.1', '2001:DB8:0:0:0:0:0:1'],
      email: ['x@y'],
    })
    expect(parseSubjectAltName(undefined)).toEqual({dns: [], ip: [], email: []})
    expect(parseSubjectAltName('DNS:"unterminated')).toEqual({dns: ['unterminated'], ip: [], email: []})
    expect(parseX509Date('Sep 12 18:16:45 2019 GMT')).toBe(Date.UTC(2019, 8, 12, 18, 16, 45))
    expect(parseX509Date('Jan  1 00:00:00 2050 GMT')).toBe(Date.UTC(2050, 0, 1))
    expect(parseX509Date('yesterday')).toBeUndefined()
  })
})

describe('TLS registry', () => {
  it('recognises GREASE values and names versions', () => {
    const grease = Array.from({length: 16}, (_, i) => (i << 12) | 0x0a00 | (i << 4) | 0x0a)
    expect(grease.every(isGrease)).toBe(true)
    expect([0x0a0b, 0x1a2a, 0x0303, 0x0000].some(isGrease)).toBe(false)
    expect([0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c, 0xfeff, 0xfefd, 0xfefc, 0x0100, 0x1234].map(versionName)).toEqual([
      'SSL3.0',
      'TLS1.0',
      'TLS1.1',
      'TLS1.2',
      'TLS1.3',
      'TLS1.3-draft28',
      'DTLS1.0',
      'DTLS1.2',
      'DTLS1.3',
      'DTLS1.0-pre-RFC',
      '0x1234',
    ])
    expect([0x0300, 0x0301, 0x0302, 0xfeff].every(isObsoleteVersion)).toBe(true)
    expect([0x0303, 0x0304, 0xfefd, 0xfefc, 0x7f1c, 0x9999].some(isObsoleteVersion)).toBe(false)
    expect(highestVersion([0x0a0a, 0x0303, 0x0304])).toBe(0x0304)
    expect(highestVersion([0xfefd, 0xfefc])).toBe(0xfefc)
    expect(highestVersion([0x2a2a])).toBeUndefined()
  })

  it('classifies weak cipher suites by their IANA names', () => {
    expect(weakCipherClasses(0x0000)).toEqual(['NULL'])
    expect(weakCipherClasses(0x0003)).toEqual(['EXPORT', 'RC4'])
    expect(weakCipherClasses(0x0006)).toEqual(['EXPORT'])
    expect(weakCipherClasses(0x0009)).toEqual(['DES'])
    expect(weakCipherClasses(0x000a)).toEqual(['3DES'])
    expect(weakCipherClasses(0x0018)).toEqual(['RC4', 'anonymous'])
    expect(weakCipherClasses(0xc0b4)).toEqual(['NULL'])
    expect(weakCipherClasses(0x1301)).toEqual([])
    expect(weakCipherClasses(0xc02f)).toEqual([])
    expect(weakCipherClasses(0xbeef)).toEqual([])
    expect(cipherSuiteName(0x1303)).toBe('TLS_CHACHA20_POLY1305_SHA256')
    expect(cipherSuiteName(0xbeef)).toBe('0xbeef')
    expect(groupName(0x001d)).toBe('x25519')
    expect(groupName(0x4a4a)).toBe('0x4a4a')
  })
})

describe('ByteReader', () => {
  it('fails instead of reading past the end, and stays failed', () => {
    const r = new ByteReader(Buffer.from([1, 2, 3]))
    expect(r.u16()).toBe(0x0102)
    expect(r.u16()).toBe(0)
    expect(r.failed).toBe(true)
    expect(r.u8()).toBe(0)
    expect(r.remaining).toBe(0)
    expect(r.take(1)).toHaveLength(0)
    expect(new ByteReader(Buffer.from([0x05, 1, 2])).vec8().failed).toBe(true)
  })

  it('reads QUIC variable-length integers (RFC 9000 §16 examples)', () => {
    const read = (hexText: string) => {
      const r = new ByteReader(Buffer.from(hexText, 'hex'))
      const v = r.varint()
      return r.failed ? 'failed' : v
    }
    // 151288809941952652 is above 2^53: not representable here, so the read fails.
    expect(read('c2197c5eff14e88c')).toBe('failed')
    expect(read('c01fffffffffffff')).toBe(Number.MAX_SAFE_INTEGER)
    expect(read('9d7f3e7d')).toBe(494878333)
    expect(read('7bbd')).toBe(15293)
    expect(read('25')).toBe(37)
    expect(read('4025')).toBe(37)
    expect(read('9d7f3e')).toBe('failed')
    expect(read('')).toBe('failed')
  })

  it('decodes wire text without throwing and caps it', () => {
    expect(wireText(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\\xffb')
    expect(wireText(Buffer.alloc(5000, 0x41))).toBe(`${'A'.repeat(255)}…`)
  })
})

describe('RangeBuffer', () => {
  it('reassembles pieces in any order, with overlaps and repeats', () => {
    const whole = Buffer.from(Array.from({length: 100}, (_, i) => i))
    const b = new RangeBuffer(1000)
    b.add(60, whole.subarray(60, 100))
    b.add(10, whole.subarray(10, 40))
    expect(b.contiguous).toBe(0)
    b.add(0, whole.subarray(0, 20))
    expect(b.contiguous).toBe(40)
    b.add(30, whole.subarray(30, 70))
    expect(b.contiguous).toBe(100)
    expect(b.has(100)).toBe(true)
    expect(Buffer.from(b.view(0, 100))).toEqual(whole)
    expect(b.truncated).toBe(false)
  })

  it('drops bytes beyond its cap and beyond its range budget', () => {
    const b = new RangeBuffer(10)
    b.add(8, Buffer.alloc(5, 1))
    expect(b.truncated).toBe(true)
    expect(b.extent).toBe(10)
    const holes = new RangeBuffer(100000)
    for (let i = 0; i < 100; i++) holes.add(i * 10, Buffer.alloc(1))
    expect(holes.truncated).toBe(true)
    holes.add(-1, Buffer.alloc(1))
    holes.add(Number.MAX_SAFE_INTEGER + 2, Buffer.alloc(1))
  })
})
