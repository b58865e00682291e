import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import type {Report} from '../../src/report/report-model.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, rtcpSdes, rtp, stunBindingRequest, stunBindingSuccess, tcp, tlsClientHello, tlsServerHello, udp} from '../support/packet-builder.js'
import {CA_DER, LEAF_DER} from '../protocols/tls/test-certificates.js'
import {certificateBody, handshake} from '../protocols/tls/tls-builders.js'
import {tempDir} from '../helpers/temp-dir.js'

/**
 * One generated capture per rule that must trigger it, and a near twin that must not: the
 * checks are judged on exactly the evidence they are about.
 */

const CLIENT = '192.168.0.105'
const BASE = 1_763_600_000

interface Frame {
  ms: number
  bytes: Buffer
}

function frame(ms: number, src: string, dst: string, l4: Buffer, proto: number): Frame {
  return {ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, l4))}
}

/** A TCP connection with a measured handshake RTT and a TLS ClientHello/ServerHello. */
function tlsSession(server: string, rttMs: number, hello: {sni: string; serverHello: Buffer}, start = 0): Frame[] {
  const c = {sport: 50500, dport: 443}
  const s = {sport: 443, dport: 50500}
  const ch = tlsClientHello({sni: hello.sni, version: '1.2'})
  return [
    frame(start, CLIENT, server, tcp({...c, seq: 1000, flags: 'S'}), IPPROTO.TCP),
    frame(start + rttMs, server, CLIENT, tcp({...s, seq: 9000, ack: 1001, flags: 'SA'}), IPPROTO.TCP),
    frame(start + rttMs + 0.1, CLIENT, server, tcp({...c, seq: 1001, ack: 9001, flags: 'A'}), IPPROTO.TCP),
    frame(start + rttMs + 0.2, CLIENT, server, tcp({...c, seq: 1001, ack: 9001, flags: 'PA'}, ch), IPPROTO.TCP),
    frame(start + 2 * rttMs + 0.3, server, CLIENT, tcp({...s, seq: 9001, ack: 1001 + ch.length, flags: 'PA'}, hello.serverHello), IPPROTO.TCP),
  ]
}

function write(frames: Frame[], base = BASE): string {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  for (const f of [...frames].sort((a, b) => a.ms - b.ms)) {
    const us = Math.round(f.ms * 1000)
    w.add({sec: base + Math.floor(us / 1e6), nsec: (us % 1e6) * 1000}, f.bytes)
  }
  const dir = tempDir('callaudit-rule-')
  const path = join(dir, 'capture.pcap')
  writeFileSync(path, w.toBuffer())
  return path
}

async function run(frames: Frame[], policy: Record<string, string> = {}, vantage?: string, base = BASE): Promise<Report> {
  const {report} = await analyzeCaptures({
    paths: [write(frames, base)],
    geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true},
    policy,
    vantage,
    cwd: tempDir('callaudit-cwd-'),
    toolVersion: 'test',
  })
  return report
}

const ids = (r: Report) => r.findings.map((f) => f.ruleId)

/** Server hello bytes with the legacy version set (0x0301 = TLS 1.0) for a TLS 1.2-style hello. */
function serverHello(cipher: number, version = 0x0303): Buffer {
  const b = Buffer.from(tlsServerHello({seed: 'x', version: '1.2', cipher}))
  b.writeUInt16BE(version, 1) // record version
  b.writeUInt16BE(version, 9) // ServerHello.legacy_version
  return b
}

const ASHBURN = '52.202.62.196' // embedded database: Ashburn, US (city-level)
const JAKARTA = '-6.2,106.8'

describe('CA-GEO-005: location not plausible for the measured round trip', () => {
  it('fires when Ashburn answers Jakarta in 2 ms', async () => {
    const r = await run(tlsSession(ASHBURN, 2, {sni: 'log.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'ID'}, JAKARTA)
    const f = r.findings.find((x) => x.ruleId === 'CA-GEO-005')
    expect(f?.endpoint).toBe(ASHBURN)
    expect(f?.detail).toMatch(/2 ms/)
  })

  it('stays quiet for a physically possible 240 ms', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'log.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'ID'}, JAKARTA)
    expect(ids(r)).not.toContain('CA-GEO-005')
  })
})

describe('CA-CRYPTO-001/002: obsolete versions and weak suites on call servers', () => {
  it('fires on TLS 1.0 with RC4 to a Zoom server', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(0x0005, 0x0301)}), {home: 'US'})
    expect(ids(r)).toEqual(expect.arrayContaining(['CA-CRYPTO-001', 'CA-CRYPTO-002']))
  })

  it('stays quiet on TLS 1.2 with AES-GCM', async () => {
    const r = await run(tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: serverHello(0xc02f)}), {home: 'US'})
    expect(ids(r).filter((id) => id.startsWith('CA-CRYPTO'))).toEqual([])
  })
})

describe('CA-GEO-002: located at home, registered abroad', () => {
  const media = () => tlsSession('149.137.41.57', 20, {sni: 'zoomsg41mmr.sg.zoom.us', serverHello: serverHello(0xc02f)}) // SG, registered US
  it('fires when home is SG and the block is registered in the US', async () => {
    expect(ids(await run(media(), {home: 'SG'}))).toContain('CA-GEO-002')
  })
  it('stays quiet when the US is allowed too', async () => {
    expect(ids(await run(media(), {home: 'SG', allow: 'US'}))).not.toContain('CA-GEO-002')
  })
})

describe('CA-META-006: unencrypted RTP', () => {
  function stream(payload: (i: number) => Buffer): Frame[] {
    const frames: Frame[] = []
    for (let i = 0; i < 60; i++) {
      const packet = rtp({pt: 0, seq: 100 + i, timestamp: 160 * i, ssrc: 0x11223344}, payload(i))
      frames.push(frame(20 * i, CLIENT, '149.137.41.57', udp({sport: 40000, dport: 40002}, packet), IPPROTO.UDP))
      frames.push(frame(20 * i + 5, '149.137.41.57', CLIENT, udp({sport: 40002, dport: 40000}, rtp({pt: 0, seq: 500 + i, timestamp: 160 * i, ssrc: 0x55667788}, payload(i + 1000))), IPPROTO.UDP))
    }
    return frames
  }
  // PCMU (G.711 µ-law) near silence: bytes around 0xff/0x7f, the textbook plain-RTP payload.
  const pcmuSilence = (i: number) => Buffer.from(Array.from({length: 160}, (_, k) => ((i + k) % 7 === 0 ? 0xfe : 0xff)))
  // Encrypted payloads look uniformly random; a fixed-seed generator keeps the test stable.
  const random = (i: number) => {
    let x = (i + 1) * 2654435761
    return Buffer.from(Array.from({length: 160}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)))
  }
  it('fires on plain G.711 audio', async () => {
    expect(ids(await run(stream(pcmuSilence), {home: 'SG'}))).toContain('CA-META-006')
  })
  it('stays quiet when the payload looks encrypted', async () => {
    expect(ids(await run(stream(random), {home: 'SG'}))).not.toContain('CA-META-006')
  })
})

describe('CA-CRYPTO-004: repeated cipher blocks (ECB)', () => {
  // A random 16-byte "ciphertext" per distinct plaintext block, the same every time it recurs,
  // as AES-ECB gives; the plaintext is mostly a repeated silence frame.
  const codebook = new Map<number, Buffer>()
  const ecbBlock = (plain: number) => {
    if (!codebook.has(plain)) {
      let x = (plain + 7) * 2246822519
      codebook.set(plain, Buffer.from(Array.from({length: 16}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24))))
    }
    return codebook.get(plain)!
  }
  const ecbPayload = (i: number) => Buffer.concat(Array.from({length: 10}, (_, k) => ecbBlock(i % 4 === 0 ? i * 10 + k : k)))
  const ctrPayload = (i: number) => {
    let x = (i + 3) * 2654435761
    return Buffer.from(Array.from({length: 160}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)))
  }
  function media(payload: (i: number) => Buffer): Frame[] {
    return Array.from({length: 60}, (_, i) => frame(20 * i, CLIENT, '149.137.41.57', udp({sport: 40000, dport: 40002}, rtp({pt: 111, seq: 100 + i, timestamp: 960 * i, ssrc: 0x0badcafe}, payload(i))), IPPROTO.UDP))
  }
  it('fires when encrypted-looking media repeats whole blocks', async () => {
    const r = await run(media(ecbPayload), {home: 'SG'})
    const f = r.findings.find((x) => x.ruleId === 'CA-CRYPTO-004')
    expect(f?.evidence[0]?.description).toMatch(/repeat an earlier block/)
    expect(ids(r)).not.toContain("CA-META-006")
  })
  it('stays quiet for media encrypted in a proper mode', async () => {
    expect(ids(await run(media(ctrPayload), {home: 'SG'}))).not.toContain('CA-CRYPTO-004')
  })
})

describe('CA-CRYPTO-003: certificates expired at the time of the call', () => {
  // LEAF_DER is valid 2023-03-01 .. 2023-06-01 (test/protocols/tls/test-certificates.ts).
  const certificateRecord = () => {
    const body = handshake(11, certificateBody([LEAF_DER, CA_DER]))
    const head = Buffer.from([22, 3, 3, 0, 0])
    head.writeUInt16BE(body.length, 3)
    return Buffer.concat([head, body])
  }
  const session = () => tlsSession(ASHBURN, 240, {sni: 'zoomus.zoom.us', serverHello: Buffer.concat([serverHello(0xc02f), certificateRecord()])})
  it('fires for a call captured after the certificate expired', async () => {
    const r = await run(session(), {home: 'US'}, undefined, 1_700_000_000) // November 2023
    expect(r.findings.find((f) => f.ruleId === 'CA-CRYPTO-003')?.evidence[0]?.description).toMatch(/expired/)
  })
  it('stays quiet for a call captured while it was valid', async () => {
    expect(ids(await run(session(), {home: 'US'}, undefined, 1_681_516_800))).not.toContain('CA-CRYPTO-003') // April 2023
  })
})

describe('metadata rules stay quiet when there is nothing to leak', () => {
  it('CA-META-008: cleartext HTTP without meeting links, secrets, cookies or credentials', async () => {
    const request = Buffer.from('GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: test\r\n\r\n')
    const c = {sport: 50600, dport: 80}
    const frames = [
      frame(0, CLIENT, ASHBURN, tcp({...c, seq: 1, flags: 'S'}), IPPROTO.TCP),
      frame(200, ASHBURN, CLIENT, tcp({sport: 80, dport: 50600, seq: 7, ack: 2, flags: 'SA'}), IPPROTO.TCP),
      frame(201, CLIENT, ASHBURN, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, request), IPPROTO.TCP),
    ]
    const r = await run(frames, {home: 'US'})
    expect(r.flows.some((f) => f.protocols?.['http'])).toBe(true)
    expect(ids(r)).not.toContain('CA-META-008')
  })

  it('CA-META-007: RTCP with only a random CNAME', async () => {
    const frames: Frame[] = []
    for (let i = 0; i < 6; i++) {
      frames.push(frame(1000 * i, CLIENT, '149.137.41.57', udp({sport: 40001, dport: 40003}, rtcpSdes([{ssrc: 0x0a0b0c0d, items: [{type: 'CNAME', text: 'k3J9xQ2mZp'}]}])), IPPROTO.UDP))
    }
    const r = await run(frames, {home: 'SG'})
    // The SDES item was read (so the rule looked at it) and judged harmless.
    expect(JSON.stringify(r.flows.map((f) => f.protocols?.['rtp'] ?? null))).toContain('k3J9xQ2mZp')
    expect(ids(r)).not.toContain('CA-META-007')
  })

  it('CA-META-004: STUN that reveals only the public address', async () => {
    const txid = Buffer.alloc(12, 7)
    const frames = [
      frame(0, CLIENT, '149.137.41.57', udp({sport: 41000, dport: 3478}, stunBindingRequest({txid})), IPPROTO.UDP),
      frame(20, '149.137.41.57', CLIENT, udp({sport: 3478, dport: 41000}, stunBindingSuccess({txid, mapped: {ip: '36.84.217.46', port: 41000}})), IPPROTO.UDP),
    ]
    const r = await run(frames, {home: 'SG'})
    expect(ids(r)).toContain('CA-META-005') // the public address is what STUN is for
    expect(ids(r)).not.toContain('CA-META-004')
  })
})
