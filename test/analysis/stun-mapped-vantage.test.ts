import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {stunMappedAddresses} from '../../src/analysis/flow-evidence.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {stunAnalyzer} from '../../src/protocols/stun/analyzer.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {detBytes, stunMessage, stunXorMappedAddress} from '../support/packet-builder.js'
import {CaptureKit} from '../protocols/rtp/capture-kit.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'

/**
 * Which STUN addresses are the caller's public address (docs/apps.md, "Vantage"): XOR-MAPPED-ADDRESS
 * of Binding and Allocate success responses, MAPPED-ADDRESS of Binding success responses (RFC 3489
 * §11.2.1, RFC 8489 §14.1), and Zoom's STUN-like 0x0103, marked inferred.
 */
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const client = {ip: '192.168.1.117', port: 23903}
const PUBLIC = '80.180.220.239' // embedded database: IT (Telecom Italia)

/** An RFC 3489 message: type, length, 128-bit transaction id, attributes (no magic cookie). */
function classic(type: number, txid: string, attrs: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type >> 8, type & 255, attrs.length >> 8, attrs.length & 255]), hex(txid), attrs])
}

/** A MAPPED-ADDRESS value (RFC 3489 §11.2.1, RFC 8489 §14.1): reserved, family 1, port, IPv4. */
function mappedValue(ip: string, port: number): Buffer {
  return Buffer.concat([Buffer.from([0, 1, port >> 8, port & 255]), Buffer.from(ip.split('.').map(Number))])
}

/** A whole MAPPED-ADDRESS attribute, for the raw classic messages. */
function address(type: number, ip: string, port: number): Buffer {
  return Buffer.concat([Buffer.from([type >> 8, type & 255, 0, 8]), mappedValue(ip, port)])
}

async function analyzeKit(kit: CaptureKit) {
  const path = join(tempDir('callaudit-mapped-'), 'call.pcap')
  writeFileSync(path, kit.writer.toBuffer())
  return (await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})).report
}

describe('the vantage’s public address from STUN', () => {
  it('classic STUN: the MAPPED-ADDRESS of a Binding Response places the vantage and is reported as visible', async () => {
    const kit = new CaptureKit()
    const server = {ip: '162.255.37.14', port: 3478}
    const txid = '9429ef88294dd52632c72931cb8dbb4c'
    kit.udp(client, server, classic(0x0001, txid, hex('0003 0004 00000000')))
    const response = kit.udp(server, client, classic(0x0101, txid, address(0x0001, PUBLIC, 65397)))
    const report = await analyzeKit(kit)
    expect(report.vantage.publicAddresses).toEqual([{ip: PUBLIC, frames: [response], attributes: ['MAPPED-ADDRESS'], inferred: false}])
    expect(report.vantage.source).toBe(`the vantage's public address ${PUBLIC}`)
    expect(report.vantage.country).toBe('IT')
    const visible = report.findings.find((f) => f.ruleId === 'CA-META-005')
    expect(visible?.evidence[0]).toMatchObject({frame: response, description: `MAPPED-ADDRESS ${PUBLIC} in STUN responses (frames ${response})`})
  })

  it('MAPPED-ADDRESS counts only in Binding success responses, and never relayed inside TURN DATA', async () => {
    const kit = new CaptureKit()
    const server = {ip: '31.13.86.48', port: 3478}
    const txid = detBytes('alloc', 12)
    // An Allocate success response whose MAPPED-ADDRESS is not the client's reflexive address.
    kit.udp(client, server, stunMessage({type: 0x0003, txid, attrs: [{type: 0x0019, value: hex('11000000')}]}))
    kit.udp(server, client, stunMessage({type: 0x0103, txid, attrs: [{type: 0x0001, value: mappedValue('93.47.226.1', 11162)}]}))
    // A peer's Binding response inside a Data indication: the peer's address, not ours.
    const inner = stunMessage({type: 0x0101, txid: detBytes('peer', 12), attrs: [{type: 0x0001, value: mappedValue('93.47.225.70', 12165)}]})
    const di = detBytes('di', 12)
    kit.udp(server, client, stunMessage({type: 0x0017, txid: di, attrs: [{...stunXorMappedAddress('93.47.225.70', 12165, di), type: 0x0012}, {type: 0x0013, value: inner}]}))
    const records = flowRecords(await collectFlows([writeKit(kit)], {analyzers: [stunAnalyzer]}))
    expect(stunMappedAddresses(records)).toEqual([])
    // The same address in a Binding success response counts.
    const bound = new CaptureKit()
    const bt = detBytes('bind', 12)
    const frame = bound.udp(server, client, stunMessage({type: 0x0101, txid: bt, attrs: [{type: 0x0001, value: mappedValue('93.47.226.1', 11162)}]}))
    const boundRecords = flowRecords(await collectFlows([writeKit(bound)], {analyzers: [stunAnalyzer]}))
    expect(stunMappedAddresses(boundRecords)).toEqual([{ip: '93.47.226.1', port: 11162, frame, receivedBy: client.ip, attribute: 'MAPPED-ADDRESS'}])
  })
})

function writeKit(kit: CaptureKit): string {
  const path = join(tempDir('callaudit-mapped-'), 'stun.pcap')
  writeFileSync(path, kit.writer.toBuffer())
  return path
}

describe.skipIf(!HAVE_CORPUS)('the vantage’s public address on the corpus', () => {
  it('zoom.pcap: Zoom’s 0x0103 places the vantage, said to be inferred', async () => {
    if (!corpusFiles().includes('zoom.pcap')) return
    const {report} = await analyzeCaptures({paths: [corpusPath('zoom.pcap')], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.vantage.publicAddresses).toEqual([{ip: PUBLIC, frames: [60, 65, 81], attributes: ['ZOOM-MAPPED-ADDRESS (0x0103, inferred)'], inferred: true}])
    expect(report.vantage.source).toBe(`the vantage's public address ${PUBLIC} (inferred from Zoom's STUN-like attribute 0x0103)`)
    expect(report.vantage.notes.join('\n')).toContain(`the public address ${PUBLIC} is read from Zoom's STUN-like attribute 0x0103 alone`)
    expect(report.findings.map((f) => f.ruleId)).toContain('CA-META-005')
    expect(renderAnalyzeTable(report)).toContain(`behind ${PUBLIC} (inferred)`)
  })

  it('stun.pcap: the Facebook Binding responses that hold only MAPPED-ADDRESS (frames 26, 28) are read', async () => {
    const records = flowRecords(await collectFlows([corpusPath('stun.pcap')], {analyzers: [stunAnalyzer]}))
    const mapped = stunMappedAddresses(records).filter((m) => m.attribute === 'MAPPED-ADDRESS')
    expect(mapped).toContainEqual({ip: '2001:1670:c:eb04:70af:f67f:8e49:f603', port: 56880, frame: 26, receivedBy: '3516:bf0b:fc53:75e7:70af:f67f:8e49:f603', attribute: 'MAPPED-ADDRESS'})
  })
})
