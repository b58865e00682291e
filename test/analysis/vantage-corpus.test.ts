import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import type {Report} from '../../src/report/report-model.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'

/**
 * The vantage's private addresses on real calls: the caller's host, not the router that resolves
 * its names nor the LAN devices a capture hears broadcasting (docs/apps.md, "Vantage").
 */
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}

async function report(name: string): Promise<Report> {
  return (await analyzeCaptures({paths: [corpusPath(name)], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})).report
}

const have = (name: string) => HAVE_CORPUS && corpusFiles().includes(name)

describe.skipIf(!HAVE_CORPUS)('the vantage on corpus calls', () => {
  it.skipIf(!have('wa_voice.pcap'))('wa_voice.pcap: the phone, not its DNS resolver broadcasting Dropbox and Spotify discovery', async () => {
    const r = await report('wa_voice.pcap')
    expect(r.vantage.privateAddresses).toEqual(['192.168.2.12'])
    expect(r.vantage.notes).toContain('not the vantage: 169.254.162.244 (seen only in LAN broadcasts and multicasts), 192.168.2.1 (the DNS resolver 192.168.2.12 queries), fe80::414:409d:8afd:9f05 (seen only in LAN broadcasts and multicasts)')
    // The resolver is a server the caller used: an endpoint (local), no longer hidden as "ours".
    expect(r.endpoints.find((e) => e.ip === '192.168.2.1')).toMatchObject({roles: expect.arrayContaining(['dns']), judgement: {verdict: 'local'}})
    expect(renderAnalyzeTable(r)).toMatch(/Vantage +192\.168\.2\.12 behind 80\.180\.162\.48/)
  })

  it.skipIf(!have('teams.pcap'))('teams.pcap: the laptop behind 80.181.206.72, not a switch asking DHCP nor a Spotify host', async () => {
    const r = await report('teams.pcap')
    expect(r.vantage.privateAddresses).toEqual(['192.168.1.6'])
    expect(r.vantage.publicAddresses.map((p) => p.ip)).toEqual(['80.181.206.72'])
    expect(r.vantage.notes).toContain('not the vantage: 192.168.0.1 (seen only in LAN broadcasts and multicasts), 192.168.1.112 (seen only in LAN broadcasts and multicasts)')
  })

  it.skipIf(!have('zoom.pcap'))('zoom.pcap: the Zoom client first; the GTP-tunnelled phone stays a named alternative', async () => {
    const r = await report('zoom.pcap')
    expect(r.vantage.privateAddresses).toEqual(['192.168.1.117', '10.140.117.35'])
    expect(renderAnalyzeTable(r)).toContain('192.168.1.117 (or 10.140.117.35: 2 candidates) behind 80.180.220.239 (inferred)')
    expect(r.vantage.notes[0]).toMatch(/^2 private addresses talk to public servers .*: 192\.168\.1\.117 is taken first, the client of \d+ of the call's flows$/)
  })
})
