import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, detBytes, dnsQuery, dnsResponse, ethernet, ipv4, rtp, tcp, tlsClientHello, tlsServerHello, udp} from '../support/packet-builder.js'

/**
 * Generated test calls for the diff: a client on a LAN that resolves names through its router,
 * opens TLS sessions (SNI in clear) and sends encrypted-looking RTP media. Every piece is a real
 * packet from test/support, so the captures go through the whole analysis.
 */

export const CLIENT = '192.168.0.105'
export const ROUTER = '192.168.0.1'
const BASE = 1_763_600_000

interface Frame {
  ms: number
  bytes: Buffer
}

function frame(ms: number, src: string, dst: string, l4: Buffer, proto: number): Frame {
  return {ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, l4))}
}

/** What a call consists of. */
export type CallPart =
  | {kind: 'dns'; name: string; ip: string}
  | {kind: 'tls'; ip: string; sni: string}
  | {kind: 'media'; ip: string; packets?: number; port?: number}


function partFrames(part: CallPart, start: number, index: number): Frame[] {
  switch (part.kind) {
    case 'dns': {
      const id = 0x1000 + index
      const sport = 53000 + index
      return [
        frame(start, CLIENT, ROUTER, udp({sport, dport: 53}, dnsQuery({id, name: part.name})), IPPROTO.UDP),
        frame(start + 5, ROUTER, CLIENT, udp({sport: 53, dport: sport}, dnsResponse({id, name: part.name, answers: [{name: part.name, type: 'A', ttl: 60, value: part.ip}]})), IPPROTO.UDP),
      ]
    }
    case 'tls': {
      const sport = 50100 + index
      const c = {sport, dport: 443}
      const s = {sport: 443, dport: sport}
      const hello = tlsClientHello({sni: part.sni, version: '1.2'})
      const answer = tlsServerHello({seed: part.sni, version: '1.2', cipher: 0xc02f})
      return [
        frame(start, CLIENT, part.ip, tcp({...c, seq: 1000, flags: 'S'}), IPPROTO.TCP),
        frame(start + 150, part.ip, CLIENT, tcp({...s, seq: 9000, ack: 1001, flags: 'SA'}), IPPROTO.TCP),
        frame(start + 150.1, CLIENT, part.ip, tcp({...c, seq: 1001, ack: 9001, flags: 'A'}), IPPROTO.TCP),
        frame(start + 150.2, CLIENT, part.ip, tcp({...c, seq: 1001, ack: 9001, flags: 'PA'}, hello), IPPROTO.TCP),
        frame(start + 300.3, part.ip, CLIENT, tcp({...s, seq: 9001, ack: 1001 + hello.length, flags: 'PA'}, answer), IPPROTO.TCP),
      ]
    }
    case 'media': {
      const frames: Frame[] = []
      const sport = 40000 + 2 * index
      const dport = part.port ?? 8801
      const ssrc = 0x0badc0de + index
      for (let i = 0; i < (part.packets ?? 40); i++) {
        // Encrypted-looking payloads: deterministic pseudo-random bytes, never repeating blocks.
        const packet = rtp({pt: 111, seq: 100 + i, timestamp: 960 * i, ssrc}, detBytes(`media:${part.ip}:${i}`, 160))
        frames.push(frame(start + 20 * i, CLIENT, part.ip, udp({sport, dport}, packet), IPPROTO.UDP))
      }
      return frames
    }
  }
}

/** The pcap bytes of a call made of these parts, one after another. */
export function callCapture(parts: CallPart[]): Buffer {
  const frames = parts.flatMap((part, i) => partFrames(part, i * 1000, i))
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  for (const f of frames.sort((a, b) => a.ms - b.ms)) {
    const us = Math.round(f.ms * 1000)
    w.add({sec: BASE + Math.floor(us / 1e6), nsec: (us % 1e6) * 1000}, f.bytes)
  }
  return w.toBuffer()
}

/** A temporary directory for one suite; `remove()` in afterAll. */
export function tempDir(): {dir: string; write: (name: string, bytes: Buffer | string) => string; remove: () => void} {
  const dir = mkdtempSync(join(tmpdir(), 'callaudit-diff-'))
  return {
    dir,
    write: (name, bytes) => {
      const path = join(dir, name)
      writeFileSync(path, bytes)
      return path
    },
    remove: () => rmSync(dir, {recursive: true, force: true}),
  }
}
