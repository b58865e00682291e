import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {tempDir} from '../helpers/temp-dir.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, udp} from '../support/packet-builder.js'

const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}

/** A short exchange with a public server, its first packet at `iso`. */
async function reportAt(iso: string) {
  const start = Date.parse(iso) / 1000
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  for (let i = 0; i < 4; i++) {
    const out = i % 2 === 0
    const packet = ipv4({src: out ? '192.168.1.20' : '8.8.8.8', dst: out ? '8.8.8.8' : '192.168.1.20', proto: IPPROTO.UDP, id: i + 1}, udp({sport: out ? 40000 : 3478, dport: out ? 3478 : 40000}, Buffer.alloc(40, i)))
    w.add({sec: start + i, nsec: 0}, ethernet({type: ETHERTYPE.IPV4}, packet))
  }
  const path = join(tempDir('callaudit-date-'), 'call.pcap')
  writeFileSync(path, w.toBuffer())
  const {report} = await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
  return report
}

describe('the capture\'s date against the GeoIP databases', () => {
  it('does not judge database ages against a capture dated from the epoch, and says why', async () => {
    const report = await reportAt('1970-01-01T01:00:00Z')
    const dateWarning = report.summary.warnings.find((w) => w.includes('before any real capture'))
    expect(dateWarning).toContain('dated from 1970-01-01')
    expect(report.captures[0]!.warnings).toContain(dateWarning)
    expect(report.databases.map((d) => d.ageDaysAtCapture)).toEqual(report.databases.map(() => null))
    expect(report.summary.warnings.join('\n')).not.toMatch(/the capture \(more than 90\)/)
  })

  it('says when the databases were built long after an old capture, and which day to match', async () => {
    const report = await reportAt('1999-06-01T12:00:00Z')
    expect(report.summary.warnings.join('\n')).not.toContain('before any real capture')
    const newer = report.summary.warnings.find((w) => w.includes('days after the capture'))
    expect(newer).toContain('not on the day of the call')
    expect(newer).toContain('use databases built near 1999-06-01')
    for (const d of report.databases) expect(d.ageDaysAtCapture).toBeLessThan(-90)
  })

  it('says nothing of age for a capture made within 90 days of the build', async () => {
    const report = await reportAt('2026-07-01T00:00:00Z')
    expect(report.summary.warnings.join('\n')).not.toMatch(/the capture \(more than 90\)|before any real capture/)
    for (const d of report.databases) expect(Math.abs(d.ageDaysAtCapture!)).toBeLessThanOrEqual(90)
  })
})
