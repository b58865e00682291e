import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../../src/analysis/analyze.js'
import {discordIpDiscoveryAnalyzer} from '../../../src/protocols/discord/ip-discovery.js'
import {payloadPacketOf} from '../../../src/protocols/analyzer.js'
import {CaptureKit} from '../rtp/capture-kit.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {tempDir} from '../../helpers/temp-dir.js'

const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
const PUBLIC = '80.180.220.239' // embedded database: IT

/** A 74-byte IP discovery message: type, length 70, SSRC, NUL-padded address text, port. */
function discovery(type: number, ssrc: number, address = '', port = 0): Buffer {
  const b = Buffer.alloc(74)
  b.writeUInt16BE(type, 0)
  b.writeUInt16BE(70, 2)
  b.writeUInt32BE(ssrc, 4)
  b.write(address, 8, 'latin1')
  b.writeUInt16BE(port, 72)
  return b
}

const flow = {id: 1, transport: 'udp' as const, client: {ip: '192.168.2.100', port: 57955}, server: {ip: '66.22.196.173', port: 50004}}
const evidenceOf = (p: {frame: number; capture: number}) => ({frame: p.frame, capture: p.capture, time: 't'})

describe('Discord voice IP discovery', () => {
  it('reads the public address and port of the response, on raw bytes', () => {
    const request = payloadPacketOf(discovery(1, 0xace3), {frame: 20, capture: 0, sec: 0, nsec: 0, toServer: true})
    expect(discordIpDiscoveryAnalyzer.probe(flow, request)).toBe(true)
    const state = discordIpDiscoveryAnalyzer.start(flow, evidenceOf)
    expect(discordIpDiscoveryAnalyzer.feed(state, request)).toBe(true)
    discordIpDiscoveryAnalyzer.feed(state, payloadPacketOf(discovery(2, 0xace3, '84.59.132.100', 0xe263), {frame: 21, capture: 0, sec: 0, nsec: 0, toServer: false}))
    const facts = discordIpDiscoveryAnalyzer.finish(state)
    expect(facts).toEqual({address: '84.59.132.100', port: 0xe263, sentBy: 'server', ssrc: 0xace3, evidence: {frame: 21, capture: 0, time: 't'}, requests: 1})
    expect(discordIpDiscoveryAnalyzer.describe(facts!)).toEqual(['Discord IP discovery: public address 84.59.132.100:57955 sent in clear (frame 21)'])
  })

  it('takes nothing that is not such a message: another size or length field, an address that is not a dotted quad', () => {
    const at = {frame: 1, capture: 0, sec: 0, nsec: 0}
    expect(discordIpDiscoveryAnalyzer.probe(flow, payloadPacketOf(discovery(1, 1).subarray(0, 73), at))).toBe(false)
    const badLength = discovery(1, 1)
    badLength.writeUInt16BE(71, 2)
    expect(discordIpDiscoveryAnalyzer.probe(flow, payloadPacketOf(badLength, at))).toBe(false)
    expect(discordIpDiscoveryAnalyzer.probe(flow, payloadPacketOf(discovery(3, 1), at))).toBe(false)
    expect(discordIpDiscoveryAnalyzer.probe({...flow, transport: 'tcp'}, payloadPacketOf(discovery(1, 1), at))).toBe(false)
    for (const address of ['84.59.132.100\u001b[31m', 'evil.example', '999.1.1.1']) {
      const state = discordIpDiscoveryAnalyzer.start(flow, evidenceOf)
      discordIpDiscoveryAnalyzer.feed(state, payloadPacketOf(discovery(2, 1, address, 1), {...at, toServer: false}))
      expect(discordIpDiscoveryAnalyzer.finish(state), address).toBeUndefined()
    }
  })

  it('places the vantage as a STUN mapped address does, and the address is reported as visible', async () => {
    const kit = new CaptureKit()
    const client = {ip: '192.168.2.100', port: 57955}
    const server = {ip: '66.22.196.173', port: 50004}
    kit.udp(client, server, discovery(1, 0xace3))
    const response = kit.udp(server, client, discovery(2, 0xace3, PUBLIC, 0xe263))
    const path = join(tempDir('callaudit-discord-'), 'call.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    const {report} = await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.vantage.publicAddresses).toEqual([{ip: PUBLIC, frames: [response], attributes: ['Discord IP discovery'], inferred: false}])
    expect(report.vantage.country).toBe('IT')
    const visible = report.findings.find((f) => f.ruleId === 'CA-META-005')
    expect(visible?.evidence[0]).toMatchObject({frame: response, description: `Discord IP discovery ${PUBLIC} in Discord voice servers' responses (frames ${response})`})
  })

  it.skipIf(!HAVE_CORPUS || !corpusFiles().includes('discord.pcap'))('finds the caller of discord.pcap behind 84.59.132.100 (frame 21, as tshark shows the bytes)', async () => {
    const {report} = await analyzeCaptures({paths: [corpusPath('discord.pcap')], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.vantage.publicAddresses.map((p) => [p.ip, p.frames[0]])).toEqual([['84.59.132.100', 21]])
  })
})
