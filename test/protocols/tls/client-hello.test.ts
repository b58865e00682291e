import {createHash} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {parseClientHello} from '../../../src/protocols/tls/client-hello.js'
import {ja3, ja4, ja4Alpn} from '../../../src/protocols/tls/fingerprint.js'
import {clientHelloFacts, describeClientHello} from '../../../src/protocols/tls/hello-facts.js'
import {clientHelloBody, ext, type Extension} from './tls-builders.js'

const evidence = {frame: 7, capture: 0, time: '2024-05-01T10:00:00.000000Z'}

/**
 * The JA4 specification's own example (FoxIO technical_details/JA4.md): 15 suites, 16 extensions
 * in this order, these signature algorithms, ALPN h2, TLS 1.3 in supported_versions. GREASE
 * values are added to show they are ignored.
 */
const SPEC_CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
const SPEC_SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]

function extensionsInOrder(order: number[], sni = 'example.com'): Extension[] {
  return order.map((type) => {
    switch (type) {
      case 0x0000:
        return ext.sni(sni)
      case 0x0010:
        return ext.alpn(['h2', 'http/1.1'])
      case 0x000d:
        return ext.signatureAlgorithms(SPEC_SIGALGS)
      case 0x002b:
        return ext.supportedVersions([0x7a7a, 0x0304, 0x0303])
      case 0x000a:
        return ext.supportedGroups([0x4a4a, 0x11ec, 0x001d, 0x0017, 0x0018])
      case 0x000b:
        return ext.ecPointFormats([0])
      case 0x0033:
        return ext.keyShare([
          {group: 0x4a4a, size: 1},
          {group: 0x11ec, size: 1216},
          {group: 0x001d, size: 32},
        ])
      case 0x002d:
        return ext.pskModes([1])
      default:
        return ext.raw(type, Buffer.alloc(type === 0x0015 ? 20 : 0))
    }
  })
}

function specHello(): Buffer {
  const order = [0x1a1a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xfafa]
  return clientHelloBody({cipherSuites: [0x0a0a, ...SPEC_CIPHERS], sessionId: Buffer.alloc(32, 1), extensions: extensionsInOrder(order)})
}

describe('ClientHello parser', () => {
  it('reads versions, suites, extensions and the values of the extensions it knows', () => {
    const hello = parseClientHello(specHello(), false)!
    expect(hello).toBeDefined()
    expect(hello.legacyVersion).toBe(0x0303)
    expect(hello.sessionIdLength).toBe(32)
    expect(hello.cipherSuites).toEqual([0x0a0a, ...SPEC_CIPHERS])
    expect(hello.compressionMethods).toEqual([0])
    expect(hello.extensions[0]).toBe(0x1a1a)
    expect(hello.extensions).toHaveLength(18)
    expect(hello.sni).toBe('example.com')
    expect(hello.alpn).toEqual(['h2', 'http/1.1'])
    expect(hello.supportedVersions).toEqual([0x7a7a, 0x0304, 0x0303])
    expect(hello.supportedGroups).toEqual([0x4a4a, 0x11ec, 0x001d, 0x0017, 0x0018])
    expect(hello.keyShareGroups).toEqual([0x4a4a, 0x11ec, 0x001d])
    expect(hello.signatureAlgorithms).toEqual(SPEC_SIGALGS)
    expect(hello.pskModes).toEqual([1])
    expect(hello.ech).toBe(false)
    expect(hello.truncated).toBe(false)
  })

  it('computes JA4 as in the specification, ignoring GREASE', () => {
    const hello = parseClientHello(specHello(), false)!
    const fp = ja4(hello, 'tls')
    expect(fp.ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1')
    expect(fp.raw).toBe(
      't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_' +
        '0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
    )
    expect(ja4(hello, 'quic').ja4.startsWith('q13d1516h2_')).toBe(true)
  })

  it('matches a browser fingerprint published with its raw lists (JA3 text, JA3 MD5, JA4)', () => {
    // Chrome 143 as a fingerprinting service reported it: JA4 t13d1516h2_8daaf6152771_d8a2da3f94cd,
    // JA3 98487aa16281980e7d1120d399efb6a4 with the text below.
    const order = [0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b]
    const body = clientHelloBody({
      cipherSuites: [0x3a3a, ...SPEC_CIPHERS],
      extensions: [ext.raw(0x2a2a), ...extensionsInOrder(order).map((e) => (e.type === 0x000a ? ext.supportedGroups([0x11ec, 0x001d, 0x0017, 0x0018]) : e))],
    })
    const hello = parseClientHello(body, false)!
    expect(ja4(hello, 'tls').ja4).toBe('t13d1516h2_8daaf6152771_d8a2da3f94cd')
    const j3 = ja3(hello)
    expect(j3.text).toBe(
      '771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0',
    )
    expect(j3.hash).toBe('98487aa16281980e7d1120d399efb6a4')
    expect(j3.hash).toBe(createHash('md5').update(j3.text).digest('hex'))
    expect(hello.ech).toBe(true)
  })

  it('follows the JA4 rules for ALPN, missing SNI, no ciphers and no extensions', () => {
    expect(ja4Alpn(undefined)).toBe('00')
    expect(ja4Alpn(Buffer.from('h2'))).toBe('h2')
    expect(ja4Alpn(Buffer.from('http/1.1'))).toBe('h1')
    expect(ja4Alpn(Buffer.from('h'))).toBe('hh')
    // Not alphanumeric: first and last hex digit of the value.
    expect(ja4Alpn(Buffer.from([0xab, 0xcd]))).toBe('ad')
    expect(ja4Alpn(Buffer.from('h3-'))).toBe('6d')
    const bare = parseClientHello(clientHelloBody({cipherSuites: [], extensions: undefined, legacyVersion: 0x0301}), false)!
    expect(ja4(bare, 'tls').ja4).toBe('t10i000000_000000000000_000000000000')
    const noSigAlgs = parseClientHello(clientHelloBody({cipherSuites: [0x002f], extensions: [ext.raw(0x0017)]}), false)!
    // Only the extension list, no underscore (spec: "ends without an underscore").
    expect(ja4(noSigAlgs, 'tls').raw).toBe('t12i010100_002f_0017')
    expect(ja4(noSigAlgs, 'tls').ja4).toBe(`t12i010100_${sha12('002f')}_${sha12('0017')}`)
  })

  it('names DTLS versions in JA4 with the d prefix', () => {
    const dtls12 = parseClientHello(clientHelloBody({dtls: true, cookie: Buffer.alloc(0), cipherSuites: [0xc02b], extensions: [ext.useSrtp([1, 7])]}), true)!
    expect(ja4(dtls12, 'dtls').ja4.slice(0, 10)).toBe('dd2i010100')
    expect(dtls12.srtpProfiles).toEqual([1, 7])
    const dtls13 = parseClientHello(
      clientHelloBody({dtls: true, cipherSuites: [0x1301], extensions: [ext.supportedVersions([0xfefc, 0xfefd])]}),
      true,
    )!
    expect(ja4(dtls13, 'dtls').ja4.slice(0, 3)).toBe('dd3')
  })

  it('reads the DTLS cookie and flags ECH, ESNI and QUIC transport parameters', () => {
    const hello = parseClientHello(
      clientHelloBody({dtls: true, cookie: Buffer.alloc(20, 9), extensions: [ext.esni(), ext.quicTransportParameters(), ext.sni('meet.google.com')]}),
      true,
    )!
    expect(hello.cookieLength).toBe(20)
    expect(hello.esni).toBe(true)
    expect(hello.quicTransportParameters).toBe(true)
    expect(hello.sni).toBe('meet.google.com')
    // The same bytes read as TLS put the cookie length where the suites length is: inconsistent.
    expect(parseClientHello(clientHelloBody({dtls: true, cookie: Buffer.alloc(3, 9)}), false)).toBeUndefined()
  })

  it('accepts a TLS 1.2 hello without an extensions block', () => {
    const hello = parseClientHello(clientHelloBody({legacyVersion: 0x0301, cipherSuites: [0x0004, 0x000a]}), false)!
    expect(hello.extensions).toEqual([])
    expect(hello.truncated).toBe(false)
    const facts = clientHelloFacts(hello, 'tls', evidence)
    expect(facts.maxVersion).toBe('TLS1.0')
    expect(facts.obsoleteMaxVersion).toBe(true)
    expect(facts.weakCipherSuites).toEqual(['TLS_RSA_WITH_RC4_128_MD5', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'])
  })

  it('never throws on a cut or damaged body, and keeps what was there before a cut', () => {
    const body = specHello()
    let truncatedWithSni = 0
    const fixedPart = 2 + 32 + 1 + 32 + 2
    // Cut right after the compression methods, the body is a valid TLS 1.2 hello without extensions.
    const compressionEnd = fixedPart + 2 * 16 + 2
    for (let n = 0; n <= body.length; n++) {
      const hello = parseClientHello(body.subarray(0, n), false)
      if (n < fixedPart) expect(hello).toBeUndefined()
      else expect(hello).toBeDefined()
      if (hello && n < body.length) {
        expect(hello.truncated).toBe(n !== compressionEnd)
        if (hello.sni === 'example.com') truncatedWithSni++
      }
    }
    expect(truncatedWithSni).toBeGreaterThan(1000)
    expect(parseClientHello(body, false)!.truncated).toBe(false)
    // Every byte flipped to 0xff in turn: no exception, whatever comes out.
    for (let i = 0; i < body.length; i += 3) {
      const damaged = Buffer.from(body)
      damaged[i] = 0xff
      expect(() => parseClientHello(damaged, false)).not.toThrow()
      expect(() => parseClientHello(damaged, true)).not.toThrow()
    }
  })

  it('rejects a session id longer than 32 bytes and an odd cipher suites length', () => {
    const body = clientHelloBody({sessionId: Buffer.alloc(33)})
    expect(parseClientHello(body, false)).toBeUndefined()
    const odd = clientHelloBody({})
    odd.writeUInt16BE(5, 2 + 32 + 1)
    expect(parseClientHello(odd, false)).toBeUndefined()
  })

  it('decodes names as UTF-8, invalid bytes as \\xHH, and caps their length with a mark', () => {
    const long = 'a'.repeat(300) + '.example'
    const hello = parseClientHello(clientHelloBody({extensions: [ext.sni(long), ext.alpn([Buffer.from([0xff, 0x68])])]}), false)!
    expect(hello.sni).toBe(`${'a'.repeat(255)}…`)
    expect(hello.alpn).toEqual(['\\xffh'])
  })
})

describe('ClientHello facts', () => {
  it('names versions, groups and weak suites, drops GREASE, and describes the hello', () => {
    const facts = clientHelloFacts(parseClientHello(specHello(), false)!, 'tls', evidence)
    expect(facts.evidence).toEqual(evidence)
    expect(facts.sni).toBe('example.com')
    expect(facts.supportedVersions).toEqual(['TLS1.3', 'TLS1.2'])
    expect(facts.maxVersion).toBe('TLS1.3')
    expect(facts.obsoleteMaxVersion).toBe(false)
    expect(facts.cipherSuites).toEqual(SPEC_CIPHERS)
    expect(facts.cipherSuiteCount).toBe(15)
    expect(facts.weakCipherSuites).toEqual([])
    expect(facts.extensions).not.toContain(0x1a1a)
    expect(facts.grease).toBe(true)
    expect(facts.supportedGroups).toEqual(['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1'])
    expect(facts.keyShareGroups).toEqual(['X25519MLKEM768', 'x25519'])
    expect(facts.postQuantumKeyShare).toBe(true)
    expect(facts.ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1')
    expect(Object.keys(facts)[0]).toBe('evidence')
    expect(describeClientHello(facts)).toBe(
      'ClientHello SNI example.com ALPN h2,http/1.1 TLS1.3 no ECH post-quantum key share JA4 t13d1516h2_8daaf6152771_e5627efa2ab1 (frame 7)',
    )
  })

  it('describes a hello without SNI that offers weak suites and SRTP profiles', () => {
    const hello = parseClientHello(clientHelloBody({dtls: true, cipherSuites: [0xc02b, 0x0018, 0x0001], extensions: [ext.useSrtp([0x0001, 0x0005])]}), true)!
    const facts = clientHelloFacts(hello, 'dtls', evidence)
    expect(facts.weakCipherSuites).toEqual(['TLS_DH_anon_WITH_RC4_128_MD5', 'TLS_RSA_WITH_NULL_MD5'])
    expect(facts.srtpProfiles).toEqual(['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_NULL_HMAC_SHA1_80'])
    expect(facts.nullSrtpProfiles).toEqual(['SRTP_NULL_HMAC_SHA1_80'])
    expect(facts.ja4).toBe(`dd2i030100_${sha12('0001,0018,c02b')}_${sha12('000e')}`)
    expect(describeClientHello(facts, 'DTLS ClientHello')).toBe(
      `DTLS ClientHello no SNI DTLS1.2 no ECH offers 2 weak cipher suites SRTP SRTP_AES128_CM_HMAC_SHA1_80,SRTP_NULL_HMAC_SHA1_80 JA4 ${facts.ja4} (frame 7)`,
    )
  })
})

function sha12(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12)
}
