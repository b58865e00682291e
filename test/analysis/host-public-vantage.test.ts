import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv6, tcp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'

/**
 * A capture made on a host with a public address (IPv6 without NAT, a cloud test machine):
 * there is no private client address and no STUN response, yet the host's own address places
 * the vantage, as an analyst reading the capture would place it.
 */
const HOST = '2a01:cb01:2049:8b07::29' // embedded database: FR (Orange)
const SERVER = '2a04:4e42:200::396' // embedded database: US (Fastly)

function capture(): string {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  let t = 0
  const add = (src: string, dst: string, l4: Buffer) => w.add({sec: 1_700_000_000, nsec: (t += 10) * 1e6}, ethernet({type: ETHERTYPE.IPV6}, ipv6({src, dst, next: IPPROTO.TCP}, l4)))
  for (const sport of [50100, 50101, 50102]) {
    add(HOST, SERVER, tcp({sport, dport: 443, seq: 1, flags: 'S'}))
    add(SERVER, HOST, tcp({sport: 443, dport: sport, seq: 7, ack: 2, flags: 'SA'}))
    add(HOST, SERVER, tcp({sport, dport: 443, seq: 2, ack: 8, flags: 'A'}))
  }
  const path = join(tempDir('callaudit-host-'), 'ipv6.pcap')
  writeFileSync(path, w.toBuffer())
  return path
}

describe("the capturing host's own public address places the vantage", () => {
  it('geolocates it, infers home from it and never lists it as an endpoint', async () => {
    const {report} = await analyzeCaptures({
      paths: [capture()],
      geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true},
      policy: {},
      cwd: tempDir('callaudit-cwd-'),
      toolVersion: 'test',
    })
    expect(report.vantage.hostPublicAddress).toBe(HOST)
    expect(report.vantage.publicAddresses).toEqual([]) // no STUN: nothing to call "revealed"
    expect(report.vantage.country).toBe('FR')
    expect(report.vantage.source).toBe(`the capturing host's own public address ${HOST} (no NAT: the client of 3 of 3 flows)`)
    expect(report.policy.homeState).toBe('inferred')
    expect(report.policy.home).toEqual(['FR'])
    expect(report.endpoints.map((e) => e.ip)).toEqual([SERVER])
    // The server is judged against the inferred home (the bare connections are no call's, so
    // CA-GEO-001 does not report them; the endpoint's verdict shows the judgement).
    expect(report.endpoints.map((e) => e.judgement.verdict)).toEqual(['outside'])
    expect(report.findings.map((f) => f.ruleId)).not.toContain('CA-META-005')
    expect(renderAnalyzeTable(report)).toContain(`${HOST} (own public address, no NAT)`)
  })
})
