import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {customBlock, PcapngWriter} from './capture-writer.js'
import {
  dnsResponse,
  dnsQuery,
  ETHERTYPE,
  ethernet,
  httpGet,
  IPPROTO,
  ipv4,
  LINKTYPE,
  rtcpSdes,
  rtp,
  stunBindingRequest,
  stunBindingSuccess,
  tcp,
  tlsClientHello,
  udp,
} from './packet-builder.js'
import {zrtpHello} from './zrtp-builders.js'
import {h225Setup, Q931, q931, tpkt} from './h323-builders.js'
import {wsAnswer, wsDeflater, wsFrame, wsRequest} from './websocket-builders.js'

/**
 * A generated call whose untrusted strings are hostile: terminal escapes (CSI, OSC 8
 * hyperlinks, C1 controls, BEL), HTML, Markdown table breakers and spreadsheet formulas, placed
 * where the decoders keep them as they are. Every output format must neutralise them.
 *
 * Where each payload travels (chosen after reading the decoders):
 *  - DNS names: src/protocols/dns escapes control bytes (`\027`, as Wireshark does), so DNS
 *    carries the markup payloads only (HTML, Markdown, a formula label);
 *  - TLS SNI, HTTP Host / path / User-Agent, RTCP SDES and STUN SOFTWARE are decoded as UTF-8
 *    and kept raw: they carry the escape sequences and C1 controls;
 *  - pcapng Name Resolution Block names reach the endpoint table without any decoding, one
 *    formula payload per endpoint so each is the first text of its cell.
 */

/** Payloads by what they attack. Each string is planted as is (UTF-8 on the wire). */
export const HOSTILE = {
  /** CSI colour, screen clear. */
  ansiCsi: '\x1b[31mRED\x1b[2J\x1b[0m',
  /** OSC 8 hyperlink ended by BEL. */
  oscLink: '\x1b]8;;http://x\x07click\x1b]8;;\x07',
  /** C1 controls: 8-bit CSI (U+009B), OSC (U+009D), ST (U+009C). */
  c1: '\u009b31mC1\u009d0;title\u009c',
  /** Characters that show as nothing or reorder text (Unicode Cf, Zl, Zp, Hangul filler): line
   * and paragraph separators, Arabic letter mark, word joiner, soft hyphen, Mongolian vowel
   * separator, tag characters, an interlinear annotation anchor, a right-to-left override. */
  invisible: '\u2028L\u2029P\u061cA\u2060W\u00adS\u180eM\u{e0041}\u{e0042}T\ufff9F\u3164H\u202eR',
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror=alert(1)>',
  mdTable: 'a|b|c',
  mdLink: '[x](javascript:alert(1))',
  mdHeading: '# heading',
  mdCode: '``code``',
  /** CSV formulas (OWASP CSV injection): each must be the start of a cell. */
  formulaEquals: "=cmd|' /C calc'!A0",
  formulaPlus: '+1+cmd|x!A0',
  formulaMinus: '-1+cmd|x!A0',
  formulaAt: '@SUM(1+1)*cmd|x!A0',
  formulaTab: '\t=1+1',
  formulaCr: '\r=1+1',
} as const

export const CLIENT = '192.168.0.105'
export const PUBLIC = '36.84.217.46'
const RESOLVER = '8.8.8.8'
/** Zoom's published ranges (src/apps/signatures.json): the flows count as call traffic. */
export const TLS_SERVER = '170.114.10.73'
export const HTTP_SERVER = '170.114.10.80'
export const MEDIA_SERVER = '149.137.41.57'
export const STUN_SERVER = '206.247.118.34'

/** The DNS name asked and answered: markup only (control bytes would be escaped by the decoder). */
export const DNS_NAME = `${HOSTILE.script}.${HOSTILE.mdLink}.${HOSTILE.mdTable}.${HOSTILE.mdCode}.zoom.us`
/** A DNS name with raw control bytes, for the decoder's own escaping (never raw in the report). */
const DNS_NAME_CONTROLS = `x${HOSTILE.ansiCsi}.zoom.us`
export const SNI = `${HOSTILE.ansiCsi}${HOSTILE.oscLink}${HOSTILE.c1}.zoom.us`
export const HTTP_HOST = `${HOSTILE.formulaEquals}${HOSTILE.c1}.zoom.us`
export const HTTP_PATH = `/j/123456789?pwd=secret&q=${HOSTILE.script}${HOSTILE.ansiCsi}`
export const USER_AGENT = `${HOSTILE.img}${HOSTILE.oscLink}`
export const SDES_CNAME = `user@${HOSTILE.img}`
export const SDES_NAME = `${HOSTILE.ansiCsi}${HOSTILE.mdHeading} | ${HOSTILE.c1}${HOSTILE.invisible}`
export const SDES_EMAIL = `${HOSTILE.formulaEquals}@${HOSTILE.script}`
export const STUN_SOFTWARE = `${HOSTILE.oscLink}Zoom ${HOSTILE.script}${HOSTILE.c1}${HOSTILE.invisible}`
/** SIP: a hostile display name and User-Agent (UTF-8, RFC 3261 §7.3.1) in an INVITE in clear. */
export const SIP_DISPLAY_NAME = `${HOSTILE.ansiCsi}${HOSTILE.script}${HOSTILE.mdTable}${HOSTILE.c1}`
export const SIP_USER_AGENT = `${HOSTILE.formulaEquals}${HOSTILE.oscLink}${HOSTILE.invisible}`
const SIP_PROXY = '212.242.33.35'
/** ZRTP: a hostile client id (16 bytes on the wire, RFC 6189 §5.2) in a Hello on the media flow. */
export const ZRTP_CLIENT_ID = '\x1b[2J<b>x</b>\u009b|'
/** H.323: a hostile Display name (Q.931) and product name (H.225.0) in a SETUP in clear. */
export const H323_DISPLAY = `${HOSTILE.ansiCsi}${HOSTILE.mdTable}${HOSTILE.formulaAt}`
export const H323_PRODUCT = `${HOSTILE.script}${HOSTILE.oscLink}`
/** WebRTC signalling over ws://: an ICE candidate whose address is hostile (no spaces: the
 * candidate grammar splits on them) in an SDP offer. */
export const WS_CANDIDATE_ADDRESS = `${HOSTILE.ansiCsi}${HOSTILE.script}${HOSTILE.mdTable}`
/** The nickname in a multi-user chat room joined over XMPP on a compressed ws:// WebSocket
 * (RFC 7395, RFC 7692): CA-META-018 and replay's xmpp event repeat the room address. */
export const XMPP_NICK = `${HOSTILE.oscLink}${HOSTILE.script}${HOSTILE.formulaAt}`

/** The Android app PCAPdroid names for the TLS flow (a UID map block, then `u-<uid>` packet
 * comments): its name and package reach the flow's process and the findings' evidence. */
export const ANDROID_APP = {uid: 10666, name: `${HOSTILE.img}${HOSTILE.ansiCsi}Zoom`, package: `us.zoom.${HOSTILE.mdTable}${HOSTILE.c1}`}

/** PCAPdroid's UID map custom block (PEN 62652, version 1, type 1), little-endian. */
function pcapdroidUidMap(uid: number, packageName: string, name: string): Buffer {
  const p = Buffer.from(packageName, 'utf8')
  const n = Buffer.from(name, 'utf8')
  const head = Buffer.alloc(10)
  head.writeUInt16LE(1, 0)
  head.writeUInt8(1, 2)
  head.writeInt32LE(uid, 4)
  head.writeUInt8(p.length, 8)
  head.writeUInt8(n.length, 9)
  const data = Buffer.concat([head, p, n])
  return customBlock('le', {copyable: true, pen: 62652, data: Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)])})
}

/** One NRB name per endpoint, so each formula starts the names cell of its own row. */
export const NRB_NAMES: ReadonlyArray<{ip: string; name: string}> = [
  {ip: '52.202.62.196', name: HOSTILE.formulaEquals},
  {ip: '8.8.4.4', name: HOSTILE.formulaPlus},
  {ip: '1.1.1.1', name: HOSTILE.formulaMinus},
  {ip: '9.9.9.9', name: HOSTILE.formulaAt},
  {ip: '149.112.112.112', name: HOSTILE.formulaTab},
  {ip: '208.67.222.222', name: HOSTILE.formulaCr},
  {ip: '4.2.2.2', name: `${HOSTILE.mdHeading}|${HOSTILE.mdCode}|${HOSTILE.img}${HOSTILE.ansiCsi}${HOSTILE.c1}`},
]

export interface HostileCall {
  /** The pcapng written. */
  path: string
  /**
   * Every hostile payload planted. None may appear verbatim in any output that is to be
   * read by a terminal, a browser, a Markdown viewer or a spreadsheet, each in its own sense:
   * `assertNeutralised` (test/report/hostile-text.test.ts) knows which format must stop which.
   */
  hostile: string[]
}

// 2026-11-18, after the embedded databases were built (their age at the capture stays positive).
const BASE_SEC = 1_795_000_000

/** Text as the bytes an HTTP or TLS field carries on the wire (UTF-8), for builders that take
 * a latin1/ASCII string. */
function wire(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

/** Write the hostile call as `dir/hostile-call.pcapng`. */
export function writeHostileCall(dir: string): HostileCall {
  const frames: Array<{ms: number; bytes: Buffer; comment?: string}> = []
  const add = (ms: number, src: string, dst: string, l4: Buffer, proto: number, comment?: string) => {
    frames.push({ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, l4)), ...(comment ? {comment} : {})})
  }
  const udpTo = (ms: number, src: string, dst: string, sport: number, dport: number, payload: Buffer) =>
    add(ms, src, dst, udp({sport, dport}, payload), IPPROTO.UDP)
  /** A ws:// WebSocket from CLIENT at `ms`: TCP and opening handshakes for `protocol` (the 101
   * agreeing to `extensions`), then the client's `frames` in one segment. */
  const webSocket = (ms: number, sport: number, dport: number, protocol: string, frames: Buffer, extensions?: string) => {
    const get = Buffer.from(wsRequest(protocol))
    const switched = Buffer.from(wsAnswer(101, protocol, extensions))
    const c = {sport, dport}
    const back = {sport: dport, dport: sport}
    add(ms, CLIENT, SIP_PROXY, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP)
    add(ms + 30, SIP_PROXY, CLIENT, tcp({...back, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP)
    add(ms + 31, CLIENT, SIP_PROXY, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, get), IPPROTO.TCP)
    add(ms + 60, SIP_PROXY, CLIENT, tcp({...back, seq: 8, ack: 2 + get.length, flags: 'PA'}, switched), IPPROTO.TCP)
    add(ms + 61, CLIENT, SIP_PROXY, tcp({...c, seq: 2 + get.length, ack: 8 + switched.length, flags: 'PA'}, frames), IPPROTO.TCP)
  }

  // DNS: markup in the name, answered with the TLS server's address (passive DNS names it).
  udpTo(0, CLIENT, RESOLVER, 53001, 53, dnsQuery({id: 0x1001, name: DNS_NAME}))
  udpTo(12, RESOLVER, CLIENT, 53, 53001, dnsResponse({id: 0x1001, name: DNS_NAME, answers: [{name: DNS_NAME, type: 'A', ttl: 60, value: TLS_SERVER}]}))
  udpTo(14, CLIENT, RESOLVER, 53002, 53, dnsQuery({id: 0x1002, name: DNS_NAME_CONTROLS}))

  // TLS: escape sequences and C1 controls in the SNI.
  const c = {sport: 50500, dport: 443}
  const s = {sport: 443, dport: 50500}
  const hello = tlsClientHello({sni: wire(SNI), version: '1.2', seed: 'hostile'})
  add(20, CLIENT, TLS_SERVER, tcp({...c, seq: 1000, flags: 'S'}), IPPROTO.TCP, `u-${ANDROID_APP.uid}`)
  add(60, TLS_SERVER, CLIENT, tcp({...s, seq: 9000, ack: 1001, flags: 'SA'}), IPPROTO.TCP)
  add(61, CLIENT, TLS_SERVER, tcp({...c, seq: 1001, ack: 9001, flags: 'A'}), IPPROTO.TCP)
  add(62, CLIENT, TLS_SERVER, tcp({...c, seq: 1001, ack: 9001, flags: 'PA'}, hello), IPPROTO.TCP)

  // Cleartext HTTP: hostile Host, path and User-Agent; a meeting link and a cookie make
  // CA-META-008 quote the host and path in its evidence.
  const h = {sport: 50600, dport: 80}
  const request = httpGet({host: wire(HTTP_HOST), path: wire(HTTP_PATH), headers: {'User-Agent': wire(USER_AGENT), Cookie: 'session=abc'}})
  add(100, CLIENT, HTTP_SERVER, tcp({...h, seq: 1, flags: 'S'}), IPPROTO.TCP)
  add(140, HTTP_SERVER, CLIENT, tcp({sport: 80, dport: 50600, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP)
  add(141, CLIENT, HTTP_SERVER, tcp({...h, seq: 2, ack: 8, flags: 'PA'}, request), IPPROTO.TCP)

  // STUN: hostile SOFTWARE both ways; the mapped address gives the vantage its public address.
  const txid = Buffer.alloc(12, 0x42)
  udpTo(200, CLIENT, STUN_SERVER, 41000, 3478, stunBindingRequest({txid, software: STUN_SOFTWARE}))
  udpTo(230, STUN_SERVER, CLIENT, 3478, 41000, stunBindingSuccess({txid, mapped: {ip: PUBLIC, port: 41000}, software: STUN_SOFTWARE}))

  // RTCP SDES in clear with personal items (CA-META-007 quotes them).
  for (let i = 0; i < 6; i++) {
    const sdes = rtcpSdes([{ssrc: 0x0a0b0c0d, items: [{type: 'CNAME', text: SDES_CNAME}, {type: 'NAME', text: SDES_NAME}, {type: 'EMAIL', text: SDES_EMAIL}]}])
    udpTo(300 + 1000 * i, CLIENT, MEDIA_SERVER, 40001, 8801, sdes)
  }

  // SIP in clear: CA-META-011 quotes the display name and the User-Agent, replay and flows
  // --detail show them.
  const invite = [
    'INVITE sip:+4930123456@sip.example.net SIP/2.0',
    'Via: SIP/2.0/UDP 192.168.0.105:5060;branch=z9hG4bKhostile',
    'To: <sip:+4930123456@sip.example.net>',
    `From: "${SIP_DISPLAY_NAME}" <sip:jane@sip.example.net>;tag=1`,
    'Call-ID: hostile@192.168.0.105',
    'CSeq: 1 INVITE',
    `User-Agent: ${SIP_USER_AGENT}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
  udpTo(400, CLIENT, SIP_PROXY, 5060, 5060, Buffer.from(invite, 'utf8'))

  // ZRTP on a media flow: CA-META-012 quotes the client id of each Hello.
  udpTo(450, CLIENT, MEDIA_SERVER, 40010, 30000, rtp({pt: 0, seq: 1, timestamp: 160, ssrc: 0x0e0e0e0e}, Buffer.alloc(160, 0xd5)))
  udpTo(451, CLIENT, MEDIA_SERVER, 40010, 30000, zrtpHello({clientId: ZRTP_CLIENT_ID}))

  // H.323 call signalling in clear: CA-META-016 quotes the Display name and the product.
  const setup = tpkt(q931(Q931.SETUP, {display: H323_DISPLAY, uuie: h225Setup({source: [{h323Id: 'room'}], sourceInfo: {vendor: {country: 9, manufacturer: 61, product: H323_PRODUCT}}})}))
  const g = {sport: 50700, dport: 1720}
  add(500, CLIENT, SIP_PROXY, tcp({...g, seq: 1, flags: 'S'}), IPPROTO.TCP)
  add(530, SIP_PROXY, CLIENT, tcp({sport: 1720, dport: 50700, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP)
  add(531, CLIENT, SIP_PROXY, tcp({...g, seq: 2, ack: 8, flags: 'PA'}, setup), IPPROTO.TCP)

  // WebRTC signalling over ws://: CA-META-017 quotes the candidate's address.
  const offer = wsFrame(Buffer.from(JSON.stringify({jsep: {type: 'offer', sdp: `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=candidate:1 1 udp 1 ${WS_CANDIDATE_ADDRESS} 50101 typ host\r\n`}})), {mask: Buffer.from([1, 2, 3, 4])})
  webSocket(600, 50800, 8188, 'janus-protocol', offer)

  // XMPP over a compressed ws:// WebSocket: a room joined with a hostile nickname (XML-escaped
  // on the wire, as XMPP sends it).
  const xmppDeflate = wsDeflater()
  const xmlEscaped = XMPP_NICK.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&apos;')
  const xmpp = ["<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='ministry.example' version='1.0'/>", `<presence to='crisis@conference.ministry.example/${xmlEscaped}'/>`]
  webSocket(700, 50900, 5280, 'xmpp', Buffer.concat(xmpp.map((m) => wsFrame(xmppDeflate(Buffer.from(m, 'utf8')), {mask: Buffer.from([5, 6, 7, 8]), rsv: 4}))), 'permessage-deflate')

  // One small flow to each NRB-named address, so each becomes an endpoint.
  NRB_NAMES.forEach((n, i) => udpTo(7000 + 10 * i, CLIENT, n.ip, 42000 + i, 5000 + i, Buffer.from('ping')))

  const w = new PcapngWriter()
  // What recorded the capture, and the interface's name and filter: text a report repeats.
  w.sectionStart({byteOrder: 'le', comment: `${HOSTILE.mdHeading}${HOSTILE.oscLink}${HOSTILE.script}`, userappl: `${HOSTILE.script}${HOSTILE.ansiCsi}`, os: `${HOSTILE.mdLink}${HOSTILE.c1}`, hardware: `${HOSTILE.img}${HOSTILE.mdTable}`})
  w.iface({linkType: LINKTYPE.ETHERNET, name: `${HOSTILE.oscLink}${HOSTILE.mdHeading}`, filter: `udp ${HOSTILE.mdCode}${HOSTILE.ansiCsi}`})
  w.nrb(NRB_NAMES.map((n) => ({ip: n.ip, names: [n.name]})))
  w.raw(pcapdroidUidMap(ANDROID_APP.uid, ANDROID_APP.package, ANDROID_APP.name))
  for (const [i, f] of frames.sort((a, b) => a.ms - b.ms).entries()) {
    const us = Math.round(f.ms * 1000)
    // The first packet carries a comment, as an analyst's note in Wireshark does.
    w.packet({sec: BASE_SEC + Math.floor(us / 1e6), nsec: (us % 1e6) * 1000}, f.bytes, i === 0 ? {comment: `${HOSTILE.img}${HOSTILE.c1}${HOSTILE.mdTable}`} : f.comment ? {comment: f.comment} : {})
  }
  const path = join(dir, 'hostile-call.pcapng')
  writeFileSync(path, w.toBuffer())
  return {path, hostile: [...Object.values(HOSTILE), ZRTP_CLIENT_ID, H323_DISPLAY, H323_PRODUCT, WS_CANDIDATE_ADDRESS, XMPP_NICK]}
}

// ---------------------------------------------------------------------------------------------
// Checks of rendered output, shared by the renderer tests (test/report/*).
// ---------------------------------------------------------------------------------------------

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF records); throws on malformed input. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  let fieldStarted = false
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        i++
        if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`CSV: text after a closing quote at ${i}`)
        continue
      }
      field += ch
      i++
      continue
    }
    if (ch === '"') {
      if (fieldStarted) throw new Error(`CSV: quote inside an unquoted field at ${i}`)
      quoted = true
      fieldStarted = true
      i++
    } else if (ch === ',') {
      row.push(field)
      field = ''
      fieldStarted = false
      i++
    } else if (ch === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`CSV: CR without LF at ${i}`)
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      fieldStarted = false
      i += 2
    } else if (ch === '\n') {
      throw new Error(`CSV: bare LF at ${i} (records end with CRLF)`)
    } else {
      field += ch
      fieldStarted = true
      i++
    }
  }
  if (quoted) throw new Error('CSV: unterminated quoted field')
  if (fieldStarted || row.length) throw new Error('CSV: last record without CRLF')
  return rows
}

/** The cells of a Markdown table line, split on the pipes GFM treats as cell separators (a
 * pipe preceded by a backslash is content, GFM spec §4.10). */
export function markdownCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '')
  return inner.split(/(?<!\\)\|/).map((c) => c.trim())
}

/** Every GFM table in the text: consecutive lines starting with `|`, header row first. */
export function markdownTables(text: string): string[][][] {
  const tables: string[][][] = []
  let current: string[][] | null = null
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      current ??= []
      current.push(markdownCells(line))
    } else if (current) {
      tables.push(current)
      current = null
    }
  }
  if (current) tables.push(current)
  return tables
}

export type OutputFormat = 'terminal' | 'json' | 'ndjson' | 'markdown' | 'csv' | 'html' | 'sarif'

// C0 controls other than LF, DEL, C1 controls, bidi overrides and zero-width characters: what
// a terminal, a viewer or a spreadsheet could act on. CR is allowed only before LF (CSV).
// Raw in an output, any of these is a defect: controls but the line end (LF or CRLF), format
// characters, separators, lone surrogates, Hangul fillers (what sanitize.ts's UNSAFE_CLASS escapes).
const RAW_CONTROL = /(?![\n\r])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u115f\u1160\u3164\uffa0]|\r(?!\n)/u
const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Throw unless `text`, rendered in `format` from a report of the hostile call, neutralised every
 * payload in `hostile` in that format's own sense:
 *  - every format: no raw control, C1, bidi or zero-width character anywhere (so no payload with
 *    an escape sequence can survive), and JSON formats still parse;
 *  - markdown: no raw `<` at all (no HTML), no link or image syntax, no payload verbatim unless
 *    backslash-escaped, and every table row has its header's number of cells;
 *  - html: no markup payload verbatim (the page's own tags are its business);
 *  - csv: RFC 4180 well-formed, every record as wide as the header, no text cell starting with
 *    `=`, `+`, `-`, `@`, tab or CR.
 */
export function assertNeutralised(format: OutputFormat, text: string, hostile: readonly string[]): void {
  const fail = (why: string): never => {
    throw new Error(`${format}: ${why}`)
  }
  const control = RAW_CONTROL.exec(text)
  if (control) fail(`raw control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${control.index}: ${JSON.stringify(text.slice(Math.max(0, control.index - 40), control.index + 40))}`)
  for (const payload of hostile) {
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/.test(payload) && text.includes(payload)) fail(`payload ${JSON.stringify(payload)} verbatim`)
  }
  if (format === 'json' || format === 'sarif') JSON.parse(text)
  if (format === 'ndjson') for (const line of text.trimEnd().split('\n')) JSON.parse(line)
  if (format === 'markdown') {
    if (text.includes('<')) fail('raw "<" (HTML) in Markdown')
    if (/(?<!\\)\]\(/.test(text) || /(?<!\\)!\[/.test(text)) fail('link or image syntax in Markdown')
    for (const payload of hostile) {
      if (new RegExp(`(?<!\\\\)${escapeRegExp(payload)}`).test(text)) fail(`payload ${JSON.stringify(payload)} unescaped`)
    }
    for (const table of markdownTables(text)) {
      const width = table[0]!.length
      for (const row of table) if (row.length !== width) fail(`table row of ${row.length} cells under a header of ${width}: ${row.join(' | ')}`)
    }
  }
  if (format === 'html') {
    for (const payload of hostile) if (/[<>]/.test(payload) && text.includes(payload)) fail(`payload ${JSON.stringify(payload)} verbatim`)
  }
  if (format === 'csv') {
    const rows = parseCsv(text)
    const width = rows[0]?.length ?? 0
    for (const row of rows) {
      if (row.length !== width) fail(`record of ${row.length} fields under a header of ${width}`)
      for (const cell of row) if (FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell)) fail(`cell starts a formula: ${JSON.stringify(cell)}`)
    }
  }
}
