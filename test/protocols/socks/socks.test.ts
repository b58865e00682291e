import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../../src/analysis/analyze.js'
import {tempDir} from '../../helpers/temp-dir.js'
import {type HttpFacts, httpAnalyzer} from '../../../src/protocols/http/http-analyzer.js'
import {INCOMPLETE, INVALID, isSocksGreeting, socksClientHandshake, socksServerHandshake} from '../../../src/protocols/socks/socks-handshake.js'
import {type SocksFacts, socksAnalyzer} from '../../../src/protocols/socks/socks-analyzer.js'
import {httpGet, httpResponse} from '../../support/packet-builder.js'
import {analyze, type Endpoints, factsOf, pcapOf, pseudoRandom, tcpConversation} from '../dns/capture-support.js'

const bytes = (...parts: Array<number[] | string>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))))

// RFC 1928 §3-4 with the RFC 1929 sub-negotiation: greeting offering user/password, the user and
// password, then CONNECT to a domain name.
const socks5Greeting = bytes([5, 1, 2])
const socks5Auth = bytes([1, 5], 'alice', [6], 's3cret')
const socks5Request = bytes([5, 1, 0, 3, 7], 'zoom.us', [0, 80])
const socks5ServerReply = bytes([5, 2], [1, 0], [5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90])

describe('SOCKS handshakes on raw bytes', () => {
  it('reads a SOCKS4 CONNECT with its user id, and a SOCKS4a host name', () => {
    const v4 = bytes([4, 1, 0, 80, 93, 184, 216, 34], 'alice', [0])
    expect(socksClientHandshake(v4)).toEqual({version: 4, command: 'connect', host: '93.184.216.34', hostIsName: false, port: 80, user: 'alice', length: 14})
    const v4a = bytes([4, 1, 1, 187, 0, 0, 0, 1, 0], 'meeting.example.org', [0])
    expect(socksClientHandshake(v4a)).toMatchObject({version: 4, host: 'meeting.example.org', hostIsName: true, port: 443, user: null, length: v4a.length})
    expect(socksServerHandshake(bytes([0, 90, 0, 0, 0, 0, 0, 0]), 4)).toEqual({version: 4, code: 90, granted: true, length: 8})
    expect(socksServerHandshake(bytes([0, 91, 0, 0, 0, 0, 0, 0]), 4)).toMatchObject({granted: false, code: 91})
  })

  it('reads a SOCKS5 handshake with RFC 1929 authentication without keeping the password', () => {
    const client = Buffer.concat([socks5Greeting, socks5Auth, socks5Request])
    const request = socksClientHandshake(client)
    expect(request).toEqual({version: 5, command: 'connect', host: 'zoom.us', hostIsName: true, port: 80, user: 'alice', length: client.length})
    expect(JSON.stringify(request)).not.toContain('s3cret')
    expect(socksServerHandshake(socks5ServerReply, 5)).toEqual({version: 5, code: 0, granted: true, length: socks5ServerReply.length})
    expect(socksServerHandshake(bytes([5, 0xff]), 5)).toMatchObject({granted: false, length: 2})
    expect(socksServerHandshake(bytes([5, 2, 1, 1]), 5)).toMatchObject({granted: false, length: 4})
    // IPv6 destination (ATYP 4), canonical text (RFC 5952).
    const v6 = bytes([5, 1, 0], [5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 187])
    expect(socksClientHandshake(v6)).toMatchObject({host: '2001:db8::1', hostIsName: false, port: 443, user: null})
  })

  it('waits for the rest of a handshake cut anywhere, and refuses what is not SOCKS', () => {
    const client = Buffer.concat([socks5Greeting, socks5Auth, socks5Request])
    for (let cut = 1; cut < client.length; cut++) expect(socksClientHandshake(client.subarray(0, cut)), `cut ${cut}`).toBe(INCOMPLETE)
    for (let cut = 1; cut < socks5ServerReply.length; cut++) expect(socksServerHandshake(socks5ServerReply.subarray(0, cut), 5), `cut ${cut}`).toBe(INCOMPLETE)
    expect(socksClientHandshake(bytes('GET / HTTP/1.1\r\n'))).toBe(INVALID)
    expect(socksClientHandshake(bytes([5, 1, 0], [5, 9, 0, 1, 1, 2, 3, 4, 0, 80]))).toBe(INVALID) // unknown command
    expect(socksClientHandshake(bytes([5, 1, 0], [5, 1, 0, 3, 0, 0, 80]))).toBe(INVALID) // empty name
    expect(socksClientHandshake(bytes([4, 1, 0, 80, 1, 2, 3, 4], 'x'.repeat(300)))).toBe(INVALID) // user id never ends
  })

  it('takes only strict greetings for SOCKS', () => {
    expect(isSocksGreeting(socks5Greeting)).toBe(true)
    expect(isSocksGreeting(Buffer.concat([bytes([5, 1, 0]), socks5Request]))).toBe(true)
    expect(isSocksGreeting(bytes([4, 1, 0, 80, 93, 184, 216, 34, 0]))).toBe(true)
    for (const other of [bytes('GET / HTTP/1.1\r\n'), bytes([0x16, 3, 1, 0, 5]), bytes([5, 0]), bytes([5, 2, 0]), bytes([5, 1, 0x42]), bytes([5, 1, 0, 9, 9]), bytes([4, 7, 0, 80, 1, 2, 3, 4, 0])]) {
      expect(isSocksGreeting(other), other.toString('hex')).toBe(false)
    }
  })

  it('never throws on mutated or random bytes', () => {
    const next = pseudoRandom(1928)
    const random = () => next() / 2 ** 32
    const seeds = [Buffer.concat([socks5Greeting, socks5Auth, socks5Request]), socks5ServerReply, bytes([4, 1, 1, 187, 0, 0, 0, 1, 0], 'a.example', [0])]
    for (let i = 0; i < 20_000; i++) {
      const seed = Buffer.from(seeds[i % seeds.length]!)
      const data = i % 4 === 0 ? Buffer.from(Array.from({length: Math.floor(random() * 40)}, () => Math.floor(random() * 256))) : seed.subarray(0, Math.floor(random() * (seed.length + 1)))
      if (i % 4 !== 0 && data.length > 0) data[Math.floor(random() * data.length)] = Math.floor(random() * 256)
      expect(() => {
        isSocksGreeting(data)
        socksClientHandshake(data)
        socksServerHandshake(data, 4)
        socksServerHandshake(data, 5)
      }).not.toThrow()
    }
  })
})

describe('SOCKS in a capture', () => {
  const proxy: Endpoints = {src: '192.168.1.20', sport: 50600, dst: '192.168.1.1', dport: 1080}

  it('names the destination and user, and HTTP is read after the handshake', async () => {
    const request = httpGet({host: 'zoom.us', path: '/j/1234567890', headers: {'User-Agent': 'curl/8.5.0'}})
    const collection = await analyze(
      tcpConversation(proxy, [
        {toServer: true, data: socks5Greeting},
        {toServer: false, data: socks5ServerReply.subarray(0, 2)},
        {toServer: true, data: Buffer.concat([socks5Auth, socks5Request])},
        {toServer: false, data: socks5ServerReply.subarray(2)},
        {toServer: true, data: request},
        {toServer: false, data: httpResponse({status: 200, reason: 'OK', body: 'ok'})},
      ]),
      [socksAnalyzer, httpAnalyzer],
    )
    const [socks] = factsOf<SocksFacts>(collection, 'socks')
    expect(socks).toMatchObject({version: 5, command: 'connect', host: 'zoom.us', hostIsName: true, port: 80, user: 'alice', reply: {code: 0, granted: true}})
    expect(JSON.stringify(socks)).not.toContain('s3cret')
    expect(socksAnalyzer.describe(socks!)[0]).toMatch(/^SOCKS5 CONNECT zoom\.us:80 as user alice: granted \(frame \d+\)$/)
    const [http] = factsOf<HttpFacts>(collection, 'http')
    expect(http!.requests.map((r) => [r.host, r.target, r.response?.status])).toEqual([['zoom.us', '/j/12••••••90', 200]])
    // The request's frame comes after the frame that completed the SOCKS request.
    expect(http!.requests[0]!.evidence.frame).toBeGreaterThan(socks!.request.frame)
  })

  it('reports a refusal, and nothing from a flow that only looked like a greeting', async () => {
    const refused = await analyze(
      tcpConversation(proxy, [
        {toServer: true, data: bytes([4, 1, 0, 80, 93, 184, 216, 34, 0])},
        {toServer: false, data: bytes([0, 91, 0, 0, 0, 0, 0, 0])},
      ]),
      [socksAnalyzer, httpAnalyzer],
    )
    expect(factsOf<SocksFacts>(refused, 'socks')[0]).toMatchObject({version: 4, host: '93.184.216.34', user: null, reply: {granted: false, code: 91}})
    expect(socksAnalyzer.describe(factsOf<SocksFacts>(refused, 'socks')[0]!)[0]).toContain('refused (code 91)')
    expect(factsOf<HttpFacts>(refused, 'http')).toEqual([])
    const notSocks = await analyze(tcpConversation(proxy, [{toServer: true, data: bytes([5, 1, 0])}, {toServer: true, data: bytes('hello world, not a request')}]), [socksAnalyzer])
    expect(factsOf<SocksFacts>(notSocks, 'socks')).toEqual([])
  })

  it('lets the name asked of the proxy identify the app the flow carried', async () => {
    const path = join(tempDir('callaudit-socks-'), 'socks.pcap')
    writeFileSync(
      path,
      pcapOf(
        tcpConversation(proxy, [
          {toServer: true, data: socks5Greeting},
          {toServer: false, data: socks5ServerReply.subarray(0, 2)},
          {toServer: true, data: Buffer.concat([socks5Auth, socks5Request])},
          {toServer: false, data: socks5ServerReply.subarray(2)},
        ]),
      ),
    )
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    const zoom = report.apps.find((a) => a.app === 'zoom')
    expect(zoom?.evidence.find((e) => e.kind === 'name')).toMatchObject({value: 'zoom.us', via: ['socks']})
    expect(report.flows[0]).toMatchObject({app: 'zoom', server: {ip: '192.168.1.1', port: 1080}})
  })
})
