import {describe, expect, it} from 'vitest'
import {type HttpFacts, httpAnalyzer, MAX_REQUESTS} from '../../../src/protocols/http/http-analyzer.js'
import {httpGet, httpResponse} from '../../support/packet-builder.js'
import {analyze, type Endpoints, factsOf, tcpConversation} from '../dns/capture-support.js'

const web: Endpoints = {src: '192.168.1.20', sport: 50500, dst: '170.114.52.2', dport: 80}
const b = (s: string) => Buffer.from(s, 'latin1')

async function httpFacts(segments: Parameters<typeof tcpConversation>[1], e: Endpoints = web): Promise<HttpFacts[]> {
  return factsOf<HttpFacts>(await analyze(tcpConversation(e, segments), [httpAnalyzer]), 'http')
}

describe('HTTP analyzer', () => {
  it('flags a Zoom meeting link, redacts the passcode and never keeps Cookie/Authorization values', async () => {
    const request = httpGet({
      host: 'zoom.us',
      path: '/j/1234567890?pwd=S3cr3tPass',
      headers: {'User-Agent': 'Mozilla/5.0 (Macintosh)', Cookie: 'session=COOKIEVALUE', Authorization: 'Bearer AUTHVALUE'},
    })
    const [facts] = await httpFacts([
      {toServer: true, data: request},
      {toServer: false, data: httpResponse({status: 302, reason: 'Found', headers: {Location: 'https://zoom.us/j/1234567890?pwd=S3cr3tPass', Server: 'ZWS'}})},
    ])
    expect(facts!.requests).toHaveLength(1)
    const r = facts!.requests[0]!
    expect(r).toMatchObject({
      method: 'GET',
      version: 'HTTP/1.1',
      host: 'zoom.us',
      target: '/j/12••••••90?pwd=***',
      userAgent: 'Mozilla/5.0 (Macintosh)',
      cookie: true,
      authorization: true,
      redacted: ['pwd'],
      meetingLink: {app: 'zoom', id: '12••••••90', passcode: true, where: 'target'},
    })
    expect(r.evidence.frame).toBe(4)
    expect(r.response).toMatchObject({status: 302, reason: 'Found', server: 'ZWS', location: 'https://zoom.us/j/12••••••90?pwd=***', meetingLink: {app: 'zoom', where: 'location'}})
    const json = JSON.stringify(facts)
    for (const secret of ['S3cr3tPass', 'COOKIEVALUE', 'AUTHVALUE', '1234567890']) expect(json).not.toContain(secret)
    expect(httpAnalyzer.describe(facts!)[0]).toBe(
      'HTTP GET zoom.us/j/12••••••90?pwd=*** (frame 4) meeting link; Cookie sent; Authorization sent; UA Mozilla/5.0 (Macintosh); 302 → https://zoom.us/j/12••••••90?pwd=*** (frame 5); meeting link in Location',
    )
  })

  it('reassembles a request head split over segments, at the frame that completed it', async () => {
    const request = httpGet({host: 'example.com', path: '/index.html', headers: {'User-Agent': 'curl/8.5.0'}})
    const [facts] = await httpFacts([
      {toServer: true, data: request.subarray(0, 10)},
      {toServer: true, data: request.subarray(10, 30)},
      {toServer: true, data: request.subarray(30)},
    ])
    expect(facts!.requests.map((r) => [r.evidence.frame, r.host, r.target, r.userAgent])).toEqual([[6, 'example.com', '/index.html', 'curl/8.5.0']])
  })

  it('reads keep-alive requests and pairs responses over Content-Length, chunked and HEAD bodies', async () => {
    const chunked = b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: y\r\n\r\n')
    const [facts] = await httpFacts([
      {toServer: true, data: b('POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world')},
      {toServer: false, data: httpResponse({status: 201, reason: 'Created', body: 'x'.repeat(3000)})},
      {toServer: true, data: httpGet({host: 'h', path: '/b'})},
      {toServer: false, data: chunked.subarray(0, 50)},
      {toServer: false, data: chunked.subarray(50)},
      {toServer: true, data: b('HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n')},
      {toServer: false, data: b('HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n')},
      {toServer: true, data: httpGet({host: 'h', path: '/d'})},
      {toServer: false, data: b('HTTP/1.1 304 Not Modified\r\n\r\n')},
    ])
    expect(facts!.requests.map((r) => [r.method, r.target, r.response?.status])).toEqual([
      ['POST', '/a', 201],
      ['GET', '/b', 200],
      ['HEAD', '/c', 200],
      ['GET', '/d', 304],
    ])
    expect(facts!).toMatchObject({requestCount: 4, orphanResponses: 0, stopped: null, switchedTo: null})
  })

  it('skips a large body over many segments and reads the next response', async () => {
    const body = Buffer.alloc(300_000, 0x61)
    const head = b(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`)
    const whole = Buffer.concat([head, body, httpResponse({status: 204, reason: 'No Content'})])
    const segments: Parameters<typeof tcpConversation>[1] = [{toServer: true, data: Buffer.concat([httpGet({host: 'h', path: '/big'}), httpGet({host: 'h', path: '/next'})])}]
    for (let i = 0; i < whole.length; i += 1448) segments.push({toServer: false, data: whole.subarray(i, i + 1448)})
    const [facts] = await httpFacts(segments)
    expect(facts!.requests.map((r) => [r.target, r.response?.status])).toEqual([
      ['/big', 200],
      ['/next', 204],
    ])
    expect(facts!.stopped).toBeNull()
  })

  it('pairs pipelined requests in order, skipping 100 Continue', async () => {
    const [facts] = await httpFacts([
      {toServer: true, data: Buffer.concat([httpGet({host: 'h', path: '/1'}), httpGet({host: 'h', path: '/2'})])},
      {toServer: false, data: Buffer.concat([b('HTTP/1.1 100 Continue\r\n\r\n'), httpResponse({status: 200, reason: 'OK', body: 'one'}), httpResponse({status: 404, reason: 'Not Found'})])},
    ])
    expect(facts!.requests.map((r) => [r.target, r.response?.status, r.evidence.frame])).toEqual([
      ['/1', 200, 4],
      ['/2', 404, 4],
    ])
  })

  it('steps aside after a CONNECT tunnel is established', async () => {
    const proxy: Endpoints = {...web, dport: 8080, dst: '10.0.0.1'}
    const [facts] = await httpFacts(
      [
        {toServer: true, data: b('CONNECT zoom.us:443 HTTP/1.1\r\nHost: zoom.us:443\r\n\r\n')},
        {toServer: false, data: b('HTTP/1.1 200 Connection established\r\n\r\n')},
        {toServer: true, data: Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, ...new Array(16).fill(1)])},
      ],
      proxy,
    )
    expect(facts).toMatchObject({switchedTo: 'tunnel', requestCount: 1, requests: [{method: 'CONNECT', target: 'zoom.us:443', host: 'zoom.us:443'}]})
    expect(httpAnalyzer.describe(facts!).at(-1)).toBe('CONNECT tunnel established')
  })

  it('resumes at a request line found after a hole in the stream', async () => {
    const [facts] = await httpFacts([
      {toServer: true, data: httpGet({host: 'h', path: '/first'})},
      {toServer: true, data: httpGet({host: 'h', path: '/second'}), gapBefore: 500},
    ])
    expect(facts!.requests.map((r) => r.target)).toEqual(['/first', '/second'])
  })

  it('does not read a retransmitted request twice', async () => {
    const request = httpGet({host: 'h', path: '/once'})
    const frames = tcpConversation(web, [{toServer: true, data: request}])
    const collection = await analyze([...frames, frames[3]!], [httpAnalyzer])
    expect(factsOf<HttpFacts>(collection, 'http')[0]!.requests.map((r) => r.target)).toEqual(['/once'])
  })

  it('keeps MAX_REQUESTS requests and counts the rest', async () => {
    const many = Array.from({length: MAX_REQUESTS + 3}, (_, i) => ({toServer: true, data: httpGet({host: 'h', path: `/${i}`})}))
    const [facts] = await httpFacts(many)
    expect(facts!.requests).toHaveLength(MAX_REQUESTS)
    expect([facts!.requestCount, facts!.droppedRequests]).toEqual([MAX_REQUESTS + 3, 3])
  })

  it('ignores TCP flows that do not start like HTTP, and stops at a non-HTTP head', async () => {
    expect(await httpFacts([{toServer: true, data: b('\x16\x03\x01\x00\x05hello')}])).toEqual([])
    const [facts] = await httpFacts([
      {toServer: true, data: httpGet({host: 'h', path: '/ok'})},
      {toServer: true, data: b('\x00\x01garbage\r\n\r\n')},
      {toServer: true, data: httpGet({host: 'h', path: '/after-garbage'})},
    ])
    expect(facts!.requests.map((r) => r.target)).toEqual(['/ok'])
    expect(facts!.stopped).toBe('client: not an HTTP start line')
  })

  it('counts responses seen without their request', async () => {
    const server: Endpoints = {src: '170.114.52.2', sport: 80, dst: '192.168.1.20', dport: 50501}
    const frames = tcpConversation(server, [{toServer: true, data: httpResponse({status: 200, reason: 'OK', body: 'x'})}])
    // Only the data segment: the capture began mid-connection.
    const [facts] = factsOf<HttpFacts>(await analyze([frames[3]!], [httpAnalyzer]), 'http')
    expect(facts).toMatchObject({requests: [], orphanResponses: 1})
  })
})
