import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {buildFlowsReport} from '../../src/flows/flows-report.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, ipv4, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'

const dir = tempDir('callaudit-wifi-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A radiotap header (no fields) and an 802.11 data frame To DS with LLC/SNAP (802.11-2020 §9.3.2.1). */
function radiotapData(payload: Buffer, protectedFrame: boolean): Buffer {
  const radiotap = Buffer.from([0, 0, 8, 0, 0, 0, 0, 0])
  const frameControl = Buffer.from([0x08, protectedFrame ? 0x41 : 0x01, 0, 0])
  const addresses = Buffer.concat([Buffer.from('020000000a01', 'hex'), Buffer.from('020000000002', 'hex'), Buffer.from('00163e000001', 'hex')])
  // A protected frame's body is ciphertext (CCMP header + data); here: its first bytes look like SNAP + IP anyway.
  const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, ETHERTYPE.IPV4 >> 8, ETHERTYPE.IPV4 & 0xff])
  return Buffer.concat([radiotap, frameControl, addresses, Buffer.from([0x10, 0]), snap, payload])
}

describe('IEEE 802.11 captures of a protected network', () => {
  it('counts protected frames, reads the open ones, and says how to decrypt the rest', async () => {
    const w = new PcapWriter({linkType: 127})
    const packet = (sport: number) => ipv4({src: '192.168.1.20', dst: '203.0.113.9', proto: IPPROTO.UDP}, udp({sport, dport: 8801}, Buffer.from('media')))
    let sec = 1_700_000_000
    for (const protectedFrame of [true, false, true, true, false]) w.add({sec: sec++, nsec: 0}, radiotapData(packet(50000), protectedFrame))
    const path = join(dir, 'wifi.pcap')
    writeFileSync(path, w.toBuffer())
    const collection = await collectFlows([path])
    expect(collection.stats.protectedWifiFrames).toBe(3)
    expect(collection.stats.nonIpPackets).toBe(3)
    const report = buildFlowsReport(collection)
    // The two open frames form the flow; the protected ones are not guessed at.
    expect(report.flows.map((f) => [f.server.ip, f.server.port, f.packets.toServer])).toEqual([['203.0.113.9', 8801, 2]])
    expect(report.summary.warnings).toContain(
      "3 IEEE 802.11 data frames are protected (WEP/WPA): what they carry cannot be read without the network's keys; decrypt them first (Wireshark: Preferences › Protocols › IEEE 802.11 › Decryption keys, then File › Export Packet Dissections or Export Specified Packets) and analyse that capture",
    )
  })

  it('says nothing of the kind for an open network', async () => {
    const w = new PcapWriter({linkType: 127})
    w.add({sec: 1_700_000_000, nsec: 0}, radiotapData(ipv4({src: '192.168.1.20', dst: '203.0.113.9', proto: IPPROTO.UDP}, udp({sport: 5, dport: 53}, Buffer.from('x'))), false))
    const path = join(dir, 'open.pcap')
    writeFileSync(path, w.toBuffer())
    const collection = await collectFlows([path])
    expect(collection.stats.protectedWifiFrames).toBe(0)
    expect(buildFlowsReport(collection).summary.warnings.join('\n')).not.toMatch(/protected/)
  })
})
