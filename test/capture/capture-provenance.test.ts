import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {readCapture} from '../../src/capture/read-capture.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {captureRecords} from '../../src/flows/flow-records.js'
import {runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'
import {epbBlock, idbBlock, OPT, opt, shbBlock} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, ethernet, ipv4, udp} from '../support/packet-builder.js'

/** if_filter: a filter-type byte (0 = libpcap filter string), then the filter. */
function filterOption(type: number, text: string) {
  return {code: OPT.if_filter, value: Buffer.concat([Buffer.from([type]), Buffer.from(text, 'utf8')])}
}

function capture(interfaces: Array<{name?: string; description?: string; filter?: [number, string]}>, shb = true): string {
  const blocks = [
    shbBlock('le', {options: shb ? [opt.string(OPT.shb_userappl, 'Dumpcap (Wireshark) 4.0.17'), opt.string(OPT.shb_os, 'Linux 6.1.0'), opt.string(OPT.shb_hardware, 'x86_64')] : []}),
  ]
  for (const i of interfaces) {
    const options = [...(i.name ? [opt.string(OPT.if_name, i.name)] : []), ...(i.description ? [opt.string(OPT.if_description, i.description)] : []), ...(i.filter ? [filterOption(i.filter[0], i.filter[1])] : [])]
    blocks.push(idbBlock('le', {linkType: 1, snaplen: 65535, options}))
  }
  const packet = ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.168.1.2', dst: '203.0.113.5', proto: IPPROTO.UDP}, udp({sport: 5000, dport: 8801}, Buffer.alloc(20))))
  blocks.push(epbBlock('le', {ifId: 0, ts: 1_763_600_000_000_000n, data: packet, origLen: packet.length}))
  const path = join(tempDir('callaudit-provenance-'), 'call.pcapng')
  writeFileSync(path, Buffer.concat(blocks))
  return path
}

describe('what recorded a capture, on which interfaces, with which filter', () => {
  it('reports the application, OS and hardware, the interfaces\' names and their distinct filters', async () => {
    const path = capture([{name: 'any', filter: [0, 'udp port 8801 or tcp port 443']}, {name: 'eth0', filter: [0, 'udp port 8801 or tcp port 443']}, {name: 'any'}])
    const [record] = captureRecords(await collectFlows([path]))
    expect(record!.recordedBy).toEqual({application: 'Dumpcap (Wireshark) 4.0.17', os: 'Linux 6.1.0', hardware: 'x86_64'})
    expect(record!.interfaceNames).toEqual(['any', 'eth0'])
    expect(record!.captureFilters).toEqual(['udp port 8801 or tcp port 443'])
    expect(record!.warnings).toContain(`${path}: recorded with the capture filter "udp port 8801 or tcp port 443": packets it left out were never recorded, so a report that finds none of them does not show that none was sent`)
  })

  it('names an interface by its description too (Npcap: a device GUID, described as Wi-Fi)', async () => {
    const path = capture([{name: '\\Device\\NPF_{6B4A1D2C}', description: 'Wi-Fi'}, {description: 'Ethernet 2'}, {name: 'lo', description: 'lo'}])
    const [record] = captureRecords(await collectFlows([path]))
    expect(record!.interfaceNames).toEqual(['\\Device\\NPF_{6B4A1D2C} (Wi-Fi)', 'Ethernet 2', 'lo'])
  })

  it('says a compiled filter was used without reading it, and says nothing when there is none', async () => {
    const compiled = await readCapture(capture([{name: 'en0', filter: [1, '\u0000\u0001']}]), () => {})
    expect(compiled.interfaces[0]!.filter).toBe('a compiled filter program (type 1)')
    const [plain] = captureRecords(await collectFlows([capture([{name: 'en0'}], false)]))
    expect(plain!.recordedBy).toEqual({})
    expect(plain!.captureFilters).toEqual([])
    expect(plain!.warnings.join('\n')).not.toContain('capture filter')
  })

  it('keeps a hostile filter text from acting on the terminal, and bounds its length', async () => {
    const hostile = `udp\u001b[2J\u001b]8;;http://x\u0007 or ${'x'.repeat(5000)}`
    const path = capture([{name: 'eth0', filter: [0, hostile]}])
    const summary = await readCapture(path, () => {})
    // 512 characters and the cut mark.
    expect(summary.interfaces[0]!.filter!.length).toBeLessThanOrEqual(513)
    expect(summary.interfaces[0]!.filter!.endsWith('…')).toBe(true)
    const {stderr} = await runCli(['flows', path])
    expect(stderr).toContain('recorded with the capture filter')
    expect(stderr).not.toContain('\u001b')
    expect(stderr).not.toContain('\u0007')
  })

  it('names the capture filter in CA-CALL-001 when a capture without a call was filtered', async () => {
    const analyse = async (path: string) =>
      (await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})).report
    const filtered = await analyse(capture([{name: 'en0', filter: [0, 'tcp port 443']}]))
    expect(filtered.findings.find((f) => f.ruleId === 'CA-CALL-001')?.detail).toContain('The capture was recorded with the capture filter "tcp port 443": the call\'s traffic may be what it left out.')
    const plain = await analyse(capture([{name: 'en0'}]))
    expect(plain.findings.find((f) => f.ruleId === 'CA-CALL-001')?.detail).not.toContain('capture filter')
  })
})
