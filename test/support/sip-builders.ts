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
