/** SIP messages and SDP bodies for tests (RFC 3261 §24.2's example call, with SDES keys). */

const crlf = (lines: string[]) => lines.join('\r\n')

/** An SDP offer keyed with SDES (RFC 4568 §9.1's example keys). */
export const SDP_SDES = crlf(['v=0', 'o=alice 2890844526 2890844526 IN IP4 192.168.1.20', 's=-', 'c=IN IP4 192.168.1.20', 't=0 0', 'm=audio 49170 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4', 'a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4', ''])

/** An INVITE from Jane Doe's phone to a number, with `body` as SDP; compact header forms with `compact`. */
export function invite(o: {body?: string; compact?: boolean; callId?: string} = {}): string {
  const body = o.body ?? ''
  const from = o.compact ? 'f' : 'From'
  const to = o.compact ? 't' : 'To'
  return crlf([
    'INVITE sip:+4930123456@sip.example.net SIP/2.0',
    'Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    `${to}: <sip:+4930123456@sip.example.net>`,
    `${from}: "Jane Doe" <sip:jane.doe@sip.example.net>;tag=1928301774`,
    `${o.compact ? 'i' : 'Call-ID'}: ${o.callId ?? 'a84b4c76e66710@192.168.1.20'}`,
    'CSeq: 314159 INVITE',
    'Contact: <sip:jane.doe@192.168.1.20:5060>',
    'User-Agent: Example Phone 4.2',
    '  (build 17)',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `${o.compact ? 'l' : 'Content-Length'}: ${Buffer.byteLength(body, 'latin1')}`,
    '',
    body,
  ])
}

/** The 200 OK answering it. */
export function ok(): string {
  return crlf(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK776asdhds', 'To: <sip:+4930123456@sip.example.net>;tag=a6c85cf', 'From: "Jane Doe" <sip:jane.doe@sip.example.net>;tag=1928301774', 'Call-ID: a84b4c76e66710@192.168.1.20', 'CSeq: 314159 INVITE', 'Server: Example PBX 9', 'Content-Length: 0', '', ''])
}

/** A browser's WebRTC offer (DTLS-SRTP keying), listing its ICE candidates (RFC 8839 §5.1): a
 * LAN address, an IPv6 unique local address, an mDNS name, a server-reflexive address, and the
 * same LAN candidate again. */
export const SDP_WEBRTC = crlf([
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 47134 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 203.0.113.7',
  'a=candidate:2965504248 1 udp 2122194687 192.168.1.20 47134 typ host generation 0 network-id 1',
  'a=candidate:3154067844 1 udp 2122265343 fd00::2 47920 typ host generation 0 network-id 3',
  'a=candidate:1 1 UDP 2122252543 6f2b6c1e-6c1d-4a8e-9f0a-1b2c3d4e5f60.local 50000 typ host',
  'a=candidate:842163049 1 udp 1677729535 203.0.113.7 47134 typ srflx raddr 192.168.1.20 rport 47134 generation 0',
  'a=candidate:2965504248 1 udp 2122194687 192.168.1.20 47134 typ host generation 0 network-id 1',
  'a=candidate:broken line',
  'a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3F:5E:2B:0F:61:D2:5E:4E:2D:D3:4C:9E',
  'a=rtpmap:111 opus/48000/2',
  '',
])

/** What a browser softphone (JsSIP) sends over its WebSocket: a REGISTER... */
export function wsRegister(): string {
  return crlf([
    'REGISTER sip:pbx.example.org SIP/2.0',
    'Via: SIP/2.0/WS 5kq3v7d1bgt2.invalid;branch=z9hG4bK1846201',
    'Max-Forwards: 69',
    'To: <sip:alice.wong@pbx.example.org>',
    'From: "Alice Wong" <sip:alice.wong@pbx.example.org>;tag=u8ml5b0rk1',
    'Call-ID: 9jdq4pgrqg1mb5pfm6jd0c',
    'CSeq: 1 REGISTER',
    'Contact: <sip:8edh11f5@5kq3v7d1bgt2.invalid;transport=ws>;+sip.ice;expires=600',
    'User-Agent: JsSIP 3.13.8',
    'Content-Length: 0',
    '',
    '',
  ])
}

/** ...and an INVITE with its WebRTC offer. */
export function wsInvite(): string {
  return crlf([
    'INVITE sip:bob.tan@pbx.example.org SIP/2.0',
    'Via: SIP/2.0/WS 5kq3v7d1bgt2.invalid;branch=z9hG4bK5527383',
    'Max-Forwards: 69',
    'To: <sip:bob.tan@pbx.example.org>',
    'From: "Alice Wong" <sip:alice.wong@pbx.example.org>;tag=pa2g1fcke9',
    'Call-ID: 2o5k7ng9opj0e4u3u6v8',
    'CSeq: 7125 INVITE',
    'Contact: <sip:8edh11f5@5kq3v7d1bgt2.invalid;transport=ws;ob>',
    'Content-Type: application/sdp',
    'User-Agent: JsSIP 3.13.8',
    `Content-Length: ${Buffer.byteLength(SDP_WEBRTC, 'latin1')}`,
    '',
    SDP_WEBRTC,
  ])
}

/** The PBX's answer to either. */
export function wsOk(method: 'REGISTER' | 'INVITE', cseq: number): string {
  return crlf(['SIP/2.0 200 OK', 'Via: SIP/2.0/WS 5kq3v7d1bgt2.invalid;branch=z9hG4bK1846201', 'To: <sip:alice.wong@pbx.example.org>;tag=37GkEhwl6', 'From: "Alice Wong" <sip:alice.wong@pbx.example.org>;tag=u8ml5b0rk1', 'Call-ID: 9jdq4pgrqg1mb5pfm6jd0c', `CSeq: ${cseq} ${method}`, 'Server: kamailio (5.6.3 (x86_64/linux))', 'Content-Length: 0', '', ''])
}

/**
 * An in-dialog INFO request of Jane Doe's call (RFC 6086) with `body` of `type`: how gateways
 * relay a key as `application/dtmf-relay` ("Signal=5\r\nDuration=160") or `application/dtmf`.
 */
export function info(cseq: number, type: string, body: string): string {
  return crlf([
    'INFO sip:+4930123456@198.51.100.5:5060 SIP/2.0',
    `Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKinfo${cseq}`,
    'Max-Forwards: 70',
    'To: <sip:+4930123456@sip.example.net>;tag=a6c85cf',
    'From: "Jane Doe" <sip:jane.doe@sip.example.net>;tag=1928301774',
    'Call-ID: a84b4c76e66710@192.168.1.20',
    `CSeq: ${cseq} INFO`,
    `Content-Type: ${type}`,
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    '',
    body,
  ])
}
