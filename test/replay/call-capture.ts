import {CA_DER, LEAF_DER} from '../protocols/tls/test-certificates.js'
import {certificateBody, handshake} from '../protocols/tls/tls-builders.js'
import {LINKTYPE, ETHERTYPE, IPPROTO, dnsQuery, dnsResponse, ethernet, ipv4, rtcpReceiverReport, rtcpSdes, rtp, stunBindingRequest, stunBindingSuccess, stunMessage, STUN_ATTR, STUN_TYPE, stunU32, stunText, stunXorMappedAddress, tcp, tlsClientHello, tlsServerHello, turnRequestedTransport, turnXorRelayedAddress, udp} from '../support/packet-builder.js'
import {PcapngWriter, PcapWriter} from '../support/capture-writer.js'

/**
 * A generated test call whose every moment is known from its construction: each frame has a
 * label, and the frame number and time it was written with (from the writer's own record of what
 * it wrote). Tests check replay's events against these, not against the code's own output.
 */

export const CLIENT = '192.168.0.105'
export const ROUTER = '192.168.0.1'
export const WEB = '170.114.10.73'
export const STUN_SERVER = '149.137.41.57'
export const TURN_SERVER = '206.247.118.34'
export const PUBLIC = '36.84.217.46'
export const SNI = 'acme-corp.zoom.us'
export const CLIENT_SSRC = 0x5b1d0a01
export const SERVER_SSRC = 0x7c3e9f20
/** An SDES NAME with a terminal escape (ESC [2J clears the screen) and a C1 CSI (U+009B). */
export const HOSTILE_NAME = 'Budi \u001b[2J\u009b31m Santoso'
export const BASE_SEC = 1_763_600_000

export interface CallFrame {
  label: string
  /** Milliseconds from BASE_SEC (whole microseconds). */
  ms: number
  bytes: Buffer
}

export interface WrittenFrame {
  frame: number
  /** ISO-8601 with microseconds, computed here from the written timestamp. */
  time: string
  /** Seconds from the first frame, as a decimal string with 6 digits. */
  relative: string
}

function at(ms: number, label: string, src: string, dst: string, l4: Buffer, proto: number): CallFrame {
  return {label, ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, l4))}
}

/** Encrypted-looking RTP payload: a fixed-seed generator, so the capture is the same every time. */
function noise(seed: number, length = 120): Buffer {
  let x = (seed + 1) * 2654435761
  return Buffer.from(Array.from({length}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)))
}

export function callFrames(): CallFrame[] {
  const frames: CallFrame[] = []
  const u = (sport: number, dport: number, data: Buffer) => udp({sport, dport}, data)
  frames.push(at(0, 'dns-query', CLIENT, ROUTER, u(53000, 53, dnsQuery({id: 0x1111, name: 'zoom.us'})), IPPROTO.UDP))
  frames.push(at(15, 'dns-answer', ROUTER, CLIENT, u(53, 53000, dnsResponse({id: 0x1111, name: 'zoom.us', answers: [{name: 'zoom.us', type: 'A', ttl: 60, value: WEB}]})), IPPROTO.UDP))

  const c = {sport: 50500, dport: 443}
  const s = {sport: 443, dport: 50500}
  const hello = tlsClientHello({sni: SNI, version: '1.2'})
  const certificate = handshake(11, certificateBody([LEAF_DER, CA_DER]))
  const certRecord = Buffer.concat([Buffer.from([22, 3, 3, certificate.length >> 8, certificate.length & 0xff]), certificate])
  const serverFlight = Buffer.concat([tlsServerHello({seed: 'replay', version: '1.2', cipher: 0xc02f}), certRecord])
  frames.push(at(20, 'syn', CLIENT, WEB, tcp({...c, seq: 1000, flags: 'S'}), IPPROTO.TCP))
  frames.push(at(260, 'synack', WEB, CLIENT, tcp({...s, seq: 9000, ack: 1001, flags: 'SA'}), IPPROTO.TCP))
  frames.push(at(261, 'ack', CLIENT, WEB, tcp({...c, seq: 1001, ack: 9001, flags: 'A'}), IPPROTO.TCP))
  frames.push(at(262, 'client-hello', CLIENT, WEB, tcp({...c, seq: 1001, ack: 9001, flags: 'PA'}, hello), IPPROTO.TCP))
  frames.push(at(502, 'server-hello', WEB, CLIENT, tcp({...s, seq: 9001, ack: 1001 + hello.length, flags: 'PA'}, serverFlight), IPPROTO.TCP))

  const bindTx = Buffer.from('bind-tx-0001')
  frames.push(at(1000, 'stun-request', CLIENT, STUN_SERVER, u(61520, 3478, stunBindingRequest({txid: bindTx})), IPPROTO.UDP))
  frames.push(at(1017, 'stun-response', STUN_SERVER, CLIENT, u(3478, 61520, stunBindingSuccess({txid: bindTx, mapped: {ip: PUBLIC, port: 40396}})), IPPROTO.UDP))

  const allocTx = Buffer.from('alloc-tx-001')
  const allocate = stunMessage({type: STUN_TYPE.ALLOCATE_REQUEST, txid: allocTx, attrs: [turnRequestedTransport(17)], fingerprint: true})
  const allocated = stunMessage({
    type: STUN_TYPE.ALLOCATE_SUCCESS,
    txid: allocTx,
    attrs: [turnXorRelayedAddress(TURN_SERVER, 52718, allocTx), stunXorMappedAddress(PUBLIC, 40411, allocTx), stunU32(STUN_ATTR.LIFETIME, 600), stunText(STUN_ATTR.REALM, 'zoom.us')],
    fingerprint: true,
  })
  frames.push(at(1100, 'turn-allocate', CLIENT, TURN_SERVER, u(61530, 3478, allocate), IPPROTO.UDP))
  frames.push(at(1350, 'turn-allocated', TURN_SERVER, CLIENT, u(3478, 61530, allocated), IPPROTO.UDP))

  // Media: the client's stream from 2.0 s to 2.58 s, the server's from 2.01 s to 8.01 s.
  for (let i = 0; i < 30; i++) {
    frames.push(at(2000 + 20 * i, `client-rtp-${i}`, CLIENT, STUN_SERVER, u(61520, 8801, rtp({pt: 111, seq: 100 + i, timestamp: 960 * i, ssrc: CLIENT_SSRC}, noise(i))), IPPROTO.UDP))
  }
  for (let i = 0; i < 31; i++) {
    frames.push(at(2010 + 200 * i, `server-rtp-${i}`, STUN_SERVER, CLIENT, u(8801, 61520, rtp({pt: 111, seq: 500 + i, timestamp: 960 * i, ssrc: SERVER_SSRC}, noise(1000 + i))), IPPROTO.UDP))
  }
  const sdes = Buffer.concat([rtcpReceiverReport({ssrc: CLIENT_SSRC}), rtcpSdes([{ssrc: CLIENT_SSRC, items: [{type: 'CNAME', text: `bsantoso@${CLIENT}`}, {type: 'NAME', text: HOSTILE_NAME}]}])])
  frames.push(at(2305, 'sdes', CLIENT, STUN_SERVER, u(61520, 8801, sdes), IPPROTO.UDP))
  frames.push(at(10000, 'late-dns-query', CLIENT, ROUTER, u(53001, 53, dnsQuery({id: 0x2222, name: 'example.org'})), IPPROTO.UDP))
  return frames.sort((a, b) => a.ms - b.ms)
}

function timestamp(ms: number): {sec: number; nsec: number} {
  const us = Math.round(ms * 1000)
  return {sec: BASE_SEC + Math.floor(us / 1e6), nsec: (us % 1e6) * 1000}
}

function describe(ms: number, frame: number, firstMs: number): WrittenFrame {
  const t = timestamp(ms)
  const iso = new Date(t.sec * 1000).toISOString().replace('.000Z', `.${String(t.nsec / 1000).padStart(6, '0')}Z`)
  return {frame, time: iso, relative: ((Math.round(ms * 1000) - Math.round(firstMs * 1000)) / 1e6).toFixed(6)}
}

export interface WrittenCall {
  bytes: Buffer
  frames: Map<string, WrittenFrame>
  /** Byte offset where each record (pcap) or block (pcapng) of a frame starts, by frame number. */
  offsets: number[]
}

export function writeCallPcap(frames = callFrames()): WrittenCall {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  const out = new Map<string, WrittenFrame>()
  for (const f of frames) {
    const p = w.add(timestamp(f.ms), f.bytes)
    out.set(f.label, describe(f.ms, p.frame, frames[0]!.ms))
  }
  return {bytes: w.toBuffer(), frames: out, offsets: w.packets.map((p) => p.offset)}
}

export function writeCallPcapng(frames = callFrames()): WrittenCall {
  const w = new PcapngWriter()
  w.sectionStart({byteOrder: 'le'})
  w.iface({linkType: LINKTYPE.ETHERNET})
  const out = new Map<string, WrittenFrame>()
  for (const f of frames) {
    const p = w.packet(timestamp(f.ms), f.bytes)
    out.set(f.label, describe(f.ms, p.frame, frames[0]!.ms))
  }
  return {bytes: w.toBuffer(), frames: out, offsets: w.packets.map((p) => p.offset)}
}
