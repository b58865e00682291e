import {describe, expect, it} from 'vitest'
import type {Evidence} from '../../../src/protocols/analyzer.js'
import {parseClientHello} from '../../../src/protocols/tls/client-hello.js'
import {clientHelloFacts, serverHelloFacts} from '../../../src/protocols/tls/hello-facts.js'
import type {ParsedServerHello} from '../../../src/protocols/tls/server-hello.js'
import {clientHelloBody, ext} from './tls-builders.js'

const evidence = (frame: number): Evidence => ({frame, capture: 0, time: '2024-01-01T00:00:00.000000Z'})

function hello(o: Partial<ParsedServerHello> = {}): ParsedServerHello {
  return {
    legacyVersion: 0x0303,
    selectedVersion: 0x0304,
    cipherSuite: 0x1301,
    compressionMethod: 0,
    extensions: [43, 51],
    alpn: undefined,
    keyShareGroup: 0x001d,
    srtpProfile: undefined,
    helloRetryRequest: false,
    truncated: false,
    ...o,
  }
}

describe('serverHelloFacts (templates shared by identical hellos)', () => {
  // Facts are built from a template per hello content: every field must still follow its hello,
  // however the hellos alternate.
  const variants: Array<[string, ParsedServerHello, (f: ReturnType<typeof serverHelloFacts>) => unknown, unknown]> = [
    ['base', hello(), (f) => f.version, 'TLS1.3'],
    ['no supported_versions', hello({selectedVersion: undefined}), (f) => f.version, 'TLS1.2'],
    ['other suite', hello({cipherSuite: 0x1302}), (f) => f.cipherSuiteId, 0x1302],
    ['weak suite', hello({selectedVersion: undefined, cipherSuite: 0x0005}), (f) => f.weakCipher, ['RC4']],
    ['other extensions', hello({extensions: [51, 43]}), (f) => f.extensions, [51, 43]],
    ['fewer extensions', hello({extensions: [43]}), (f) => f.extensions, [43]],
    ['ALPN h2', hello({alpn: 'h2'}), (f) => f.alpn, 'h2'],
    ['ALPN http/1.1', hello({alpn: 'http/1.1'}), (f) => f.alpn, 'http/1.1'],
    ['no key share', hello({keyShareGroup: undefined}), (f) => 'keyShareGroup' in f, false],
    ['SRTP', hello({srtpProfile: 1}), (f) => [f.srtpProfile, f.nullSrtpProfile], ['SRTP_AES128_CM_HMAC_SHA1_80', false]],
    ['retry', hello({helloRetryRequest: true}), (f) => f.helloRetryRequest, true],
    ['compression', hello({compressionMethod: 1}), (f) => f.compressionMethod, 1],
  ]

  it('gives each hello its own facts, in any order', () => {
    for (let round = 0; round < 3; round++) {
      const order = round === 1 ? [...variants].reverse() : variants
      for (const [name, h, pick, expected] of order) expect([name, pick(serverHelloFacts(h, evidence(round)))]).toEqual([name, expected])
    }
  })

  it('keeps evidence and truncation per message and the documented key order', () => {
    const first = serverHelloFacts(hello({alpn: 'h2', srtpProfile: 2}), evidence(1))
    const second = serverHelloFacts(hello({alpn: 'h2', srtpProfile: 2, truncated: true}), evidence(2))
    expect(first.evidence.frame).toBe(1)
    expect(second.evidence.frame).toBe(2)
    expect('truncated' in first).toBe(false)
    expect(second.truncated).toBe(true)
    expect(Object.keys(second)).toEqual([
      'evidence', 'version', 'legacyVersion', 'obsoleteVersion', 'cipherSuite', 'cipherSuiteId', 'weakCipher', 'compressionMethod',
      'alpn', 'keyShareGroup', 'srtpProfile', 'nullSrtpProfile', 'helloRetryRequest', 'extensions', 'ja3s', 'ja3sHash', 'truncated',
    ])
    expect(first.ja3s).toBe('771,4865,43-51')
  })
})

describe('clientHelloFacts key order', () => {
  const keys = (sni: boolean, srtp: boolean, truncated: boolean) => [
    'evidence', ...(sni ? ['sni'] : []), 'alpn', 'legacyVersion', 'supportedVersions', 'maxVersion', 'obsoleteMaxVersion', 'cipherSuites', 'cipherSuiteCount',
    'weakCipherSuites', 'compressionMethods', 'extensions', 'grease', 'supportedGroups', 'keyShareGroups', 'postQuantumKeyShare', 'signatureAlgorithms',
    'pskModes', 'ech', 'esni', 'quicTransportParameters', ...(srtp ? ['srtpProfiles', 'nullSrtpProfiles'] : []), 'ja3', 'ja3Hash', 'ja4', 'ja4Raw',
    ...(truncated ? ['truncated'] : []),
  ]

  it('is the documented one with and without SNI, use_srtp and truncation', () => {
    for (const sni of [true, false]) {
      for (const srtp of [false, true]) {
        const extensions = [...(sni ? [ext.sni('example.org')] : []), ...(srtp ? [ext.useSrtp([1, 5])] : []), ext.alpn(['h2'])]
        const hello = parseClientHello(clientHelloBody({extensions}), false)!
        expect(Object.keys(clientHelloFacts(hello, 'tls', evidence(1)))).toEqual(keys(sni, srtp, false))
        hello.truncated = true
        const cut = clientHelloFacts(hello, 'tls', evidence(2))
        expect(Object.keys(cut)).toEqual(keys(sni, srtp, true))
        if (sni) expect(cut.sni).toBe('example.org')
      }
    }
  })
})
