import {describe, expect, it} from 'vitest'
import {fieldValue, looksLikeHttpStart, MAX_FIELDS, MAX_HEAD_BYTES, MAX_TARGET_CHARS, parseHttpHead} from '../../../src/protocols/http/http-head.js'

const bytes = (s: string) => Buffer.from(s, 'latin1')

describe('looksLikeHttpStart', () => {
  it.each([
    ['GET / HTTP/1.1\r\n', true],
    ['M-SEARCH * HTTP/1.1\r\n', true],
    ['PROPFIND /webdav HTTP/1.1', true],
    ['HTTP/1.1 200 OK\r\n', true],
    ['GET  HTTP/1.1', true],
    ['get / HTTP/1.1', false],
    ['\x16\x03\x01\x02\x00', false],
    ['GE', false],
    ['-GET / HTTP/1.1', false],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1', false],
    ['SSH-2.0-OpenSSH_9.6', false],
  ])('%j → %s', (text, expected) => {
    expect(looksLikeHttpStart(bytes(text))).toBe(expected)
  })
})

describe('parseHttpHead', () => {
  it('reads a request line and header fields', () => {
    const r = parseHttpHead(bytes('GET /j/123?pwd=x HTTP/1.1\r\nHost: zoom.us\r\nUser-Agent: curl/8.0\r\nCookie: a=b\r\n\r\nBODY'))
    expect(r.status).toBe('ok')
    if (r.status !== 'ok') return
    expect(r.head).toMatchObject({kind: 'request', method: 'GET', target: '/j/123?pwd=x', targetTruncated: false, version: 'HTTP/1.1', droppedFields: 0})
    expect(r.head.fields).toEqual([['host', 'zoom.us'], ['user-agent', 'curl/8.0'], ['cookie', 'a=b']])
    expect(bytes('GET /j/123?pwd=x HTTP/1.1\r\nHost: zoom.us\r\nUser-Agent: curl/8.0\r\nCookie: a=b\r\n\r\n').length).toBe(r.head.length)
  })

  it('reads a status line, with or without a reason phrase', () => {
    const r = parseHttpHead(bytes('HTTP/1.1 302 Found\r\nLocation: https://zoom.us/\r\n\r\n'))
    expect(r.status === 'ok' && r.head).toMatchObject({kind: 'response', version: 'HTTP/1.1', status: 302, reason: 'Found'})
    const bare = parseHttpHead(bytes('HTTP/1.0 204\r\n\r\n'))
    expect(bare.status === 'ok' && bare.head).toMatchObject({status: 204, reason: ''})
  })

  it('accepts bare LF line ends and joins folded header lines', () => {
    const r = parseHttpHead(bytes('GET / HTTP/1.0\nHost: a.example\nX-Long: one\n  two\n\n'))
    expect(r.status === 'ok' && r.head.fields).toEqual([['host', 'a.example'], ['x-long', 'one two']])
  })

  it('says incomplete until the empty line arrives, and invalid for what is not HTTP', () => {
    expect(parseHttpHead(bytes('GET / HTTP/1.1\r\nHost: a')).status).toBe('incomplete')
    expect(parseHttpHead(bytes('GE')).status).toBe('incomplete')
    expect(parseHttpHead(bytes('\x16\x03\x01\x00\xa5\x01\x00\x00')).status).toBe('invalid')
    expect(parseHttpHead(bytes('GET / FTP/1.0\r\n\r\n')).status).toBe('invalid')
    expect(parseHttpHead(bytes('HTTP/1.1 OK\r\n\r\n')).status).toBe('invalid')
    expect(parseHttpHead(bytes('USER anonymous\r\n')).status).toBe('invalid')
  })

  it('takes a target with spaces whole, and trims spaces around it', () => {
    const r = parseHttpHead(bytes('GET /cgi-bin/x;cat /etc/passwd HTTP/1.1\r\n\r\n'))
    expect(r.status === 'ok' && r.head.kind === 'request' && r.head.target).toBe('/cgi-bin/x;cat /etc/passwd')
    const spaced = parseHttpHead(bytes('GET      /a HTTP/1.1\r\n\r\n'))
    expect(spaced.status === 'ok' && spaced.head.kind === 'request' && spaced.head.target).toBe('/a')
  })

  it('caps the head, the target and the number of fields', () => {
    const huge = parseHttpHead(bytes(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`))
    expect(huge).toEqual({status: 'invalid', reason: 'head too long'})
    const longTarget = parseHttpHead(bytes(`GET /${'b'.repeat(MAX_TARGET_CHARS + 10)} HTTP/1.1\r\n\r\n`))
    expect(longTarget.status === 'ok' && longTarget.head.kind === 'request' && [longTarget.head.target.length, longTarget.head.targetTruncated]).toEqual([MAX_TARGET_CHARS, true])
    const many = Array.from({length: MAX_FIELDS + 6}, (_, i) => `X-${i}: ${i}`).join('\r\n')
    const fields = parseHttpHead(bytes(`GET / HTTP/1.1\r\n${many}\r\n\r\n`))
    expect(fields.status === 'ok' && [fields.head.fields.length, fields.head.droppedFields]).toEqual([MAX_FIELDS, 6])
  })

  it('decodes UTF-8 values and replaces invalid bytes, never throwing on any prefix', () => {
    const text = Buffer.concat([bytes('GET / HTTP/1.1\r\nUser-Agent: caf'), Buffer.from([0xc3, 0xa9, 0xff]), bytes('\r\nHost: h\r\n\r\n')])
    const r = parseHttpHead(text)
    expect(r.status === 'ok' && fieldValue(r.head, 'user-agent')).toBe('café\ufffd')
    for (let n = 0; n <= text.length; n++) parseHttpHead(text.subarray(0, n))
  })

  it('reads a head that starts inside a larger buffer', () => {
    const buf = bytes('xxxxHTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n')
    const r = parseHttpHead(buf, 4)
    expect(r.status === 'ok' && [r.head.length, fieldValue(r.head, 'server')]).toEqual([buf.length - 4, 'nginx'])
  })
})
