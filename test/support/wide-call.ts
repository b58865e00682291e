import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {PcapngWriter} from './capture-writer.js'
import {dnsQuery, dnsResponse, ETHERTYPE, ethernet, httpGet, IPPROTO, ipv4, LINKTYPE, rtcpSdes, rtp, stunBindingRequest, stunBindingSuccess, tcp, tlsClientHello, udp} from './packet-builder.js'

/**
 * A generated call whose untrusted text is wide on a terminal: CJK (two columns a character),
 * emoji (two UTF-16 units, two columns) and combining sequences (two units, one column), long
 * enough that every terminal renderer must clip or wrap it, in the places a capture puts text
 * before the reader: NRB names (endpoint table, finding details), TLS SNI and DNS names, the
 * HTTP Host of a meeting link (CA-META-008, whose title with " (suppressed)" passes 100
 * columns), RTCP SDES items (quoted, cut to 117 units) and STUN SOFTWARE.
 * test/report/terminal-width.test.ts checks every line against 100 columns.
 */

/** 160 columns in 80 characters. */
export const CJK = '会議'.repeat(40)
/** 120 columns in 120 UTF-16 units. */
export const EMOJI = '😀'.repeat(60)
/** 100 columns in 200 UTF-16 units. */
export const COMBINING = 'e\u0301'.repeat(100)

export const CLIENT = '192.168.0.105'
export const PUBLIC = '36.84.217.46'
const RESOLVER = '8.8.8.8'
/** Zoom's published ranges (src/apps/signatures.json): call traffic. */
export const CJK_SERVER = '170.114.10.74'
export const EMOJI_SERVER = '170.114.10.75'
export const HTTP_SERVER = '170.114.10.80'
export const MEDIA_SERVER = '149.137.41.57'
export const STUN_SERVER = '206.247.118.34'

/** Text as the bytes an HTTP or TLS field carries (UTF-8), for builders taking latin1. */
function wire(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

// 2026-11-18, after the embedded databases were built.
const BASE_SEC = 1_795_000_000

/** Write the call as `dir/wide-call.pcapng` and return its path. */
export function writeWideCall(dir: string): string {
  const frames: Array<{ms: number; bytes: Buffer}> = []
  const add = (ms: number, src: string, dst: string, l4: Buffer, proto: number) => frames.push({ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, l4))})
  const udpTo = (ms: number, src: string, dst: string, sport: number, dport: number, payload: Buffer) => add(ms, src, dst, udp({sport, dport}, payload), IPPROTO.UDP)

  // DNS: a CJK name (three labels of 60 bytes) answered with the TLS server's address.
  const label = '会議'.repeat(10)
  const dnsName = `${label}.${label}.${label}.zoom.us`
  udpTo(0, CLIENT, RESOLVER, 53001, 53, dnsQuery({id: 0x2001, name: dnsName}))
  udpTo(10, RESOLVER, CLIENT, 53, 53001, dnsResponse({id: 0x2001, name: dnsName, answers: [{name: dnsName, type: 'A', ttl: 60, value: CJK_SERVER}]}))

  // TLS: CJK and emoji SNI (each within the 255 bytes of a host name).
  const tls = (ms: number, server: string, sport: number, sni: string) => {
    const c = {sport, dport: 443}
    const s = {sport: 443, dport: sport}
    add(ms, CLIENT, server, tcp({...c, seq: 1000, flags: 'S'}), IPPROTO.TCP)
    add(ms + 30, server, CLIENT, tcp({...s, seq: 9000, ack: 1001, flags: 'SA'}), IPPROTO.TCP)
    add(ms + 31, CLIENT, server, tcp({...c, seq: 1001, ack: 9001, flags: 'A'}), IPPROTO.TCP)
    add(ms + 32, CLIENT, server, tcp({...c, seq: 1001, ack: 9001, flags: 'PA'}, tlsClientHello({sni: wire(sni), version: '1.2', seed: `wide${sport}`})), IPPROTO.TCP)
  }
  tls(20, CJK_SERVER, 50700, `${CJK}.zoom.us`)
  tls(60, EMOJI_SERVER, 50701, `${EMOJI}.zoom.us`)

  // Cleartext HTTP with a meeting link and a cookie: CA-META-008 quotes the CJK host.
  const request = httpGet({host: wire(`${CJK}.zoom.us`), path: wire(`/j/123456789?pwd=secret&n=${EMOJI}${COMBINING}`), headers: {'User-Agent': wire(`${COMBINING} ${EMOJI}`), Cookie: 'session=abc'}})
  add(100, CLIENT, HTTP_SERVER, tcp({sport: 50600, dport: 80, seq: 1, flags: 'S'}), IPPROTO.TCP)
  add(140, HTTP_SERVER, CLIENT, tcp({sport: 80, dport: 50600, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP)
  add(141, CLIENT, HTTP_SERVER, tcp({sport: 50600, dport: 80, seq: 2, ack: 8, flags: 'PA'}, request), IPPROTO.TCP)

  // STUN: the mapped address places the vantage; SOFTWARE in CJK and emoji.
  const txid = Buffer.alloc(12, 0x51)
  udpTo(200, CLIENT, STUN_SERVER, 41000, 3478, stunBindingRequest({txid, software: `${'会議'.repeat(20)}${EMOJI.slice(0, 40)}`}))
  udpTo(230, STUN_SERVER, CLIENT, 3478, 41000, stunBindingSuccess({txid, mapped: {ip: PUBLIC, port: 41000}, software: `${COMBINING.slice(0, 120)}`}))

  // Unencrypted RTP and RTCP SDES whose items quote 117 units of emoji and combining marks.
  for (let i = 0; i < 30; i++) udpTo(300 + 20 * i, CLIENT, MEDIA_SERVER, 40000, 8801, rtp({pt: 96, seq: i, timestamp: i * 960, ssrc: 0x01020304}, Buffer.alloc(100, 7)))
  for (let i = 0; i < 3; i++) {
    const items = [{type: 'CNAME' as const, text: `c${'会'.repeat(60)}`}, {type: 'NAME' as const, text: '😀'.repeat(63)}, {type: 'EMAIL' as const, text: `${'e\u0301'.repeat(80)}@x`}, {type: 'NOTE' as const, text: `👍🏽${'🇩🇪'.repeat(30)}`}]
    udpTo(1000 + 1000 * i, CLIENT, MEDIA_SERVER, 40001, 8801, rtcpSdes([{ssrc: 0x01020304, items}]))
  }

  const w = new PcapngWriter()
  w.sectionStart({byteOrder: 'le', comment: `${CJK} ${EMOJI}`})
  w.iface({linkType: LINKTYPE.ETHERNET, name: `if${CJK}`})
  w.nrb([
    {ip: MEDIA_SERVER, names: [`n${CJK}`]},
    {ip: EMOJI_SERVER, names: [`${EMOJI}.example`, 'second.example']},
    {ip: STUN_SERVER, names: [`s${COMBINING}`]},
  ])
  for (const f of frames.sort((a, b) => a.ms - b.ms)) {
    const us = Math.round(f.ms * 1000)
    w.packet({sec: BASE_SEC + Math.floor(us / 1e6), nsec: (us % 1e6) * 1000}, f.bytes)
  }
  const path = join(dir, 'wide-call.pcapng')
  writeFileSync(path, w.toBuffer())
  return path
}

/** A policy suppressing the call's hosts with reasons wider than a line: CJK, emoji, combining. */
export function writeWidePolicy(dir: string): string {
  const path = join(dir, 'wide-policy.yml')
  writeFileSync(path, [
    'home: [ID]',
    'suppressions:',
    '  - match: {host: "*.zoom.us"}',
    `    reason: "承認済み ${CJK} ${EMOJI}${COMBINING} accepted by the security office after review"`,
    `  - match: {cidr: ${MEDIA_SERVER}/32}`,
    `    reason: "${'会議室'.repeat(30)}"`,
    '',
  ].join('\n'))
  return path
}
