import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {hasRealDate} from '../../src/capture/timestamp.js'
import {PcapngWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'

describe('a capture dated past the year 9999 (a corrupt 64-bit pcapng timestamp)', () => {
  it('is analysed, its date called corrupt, not a crash (fuzzing found "Invalid time value")', async () => {
    const dir = tempDir('callaudit-future-')
    const w = new PcapngWriter()
    w.sectionStart({byteOrder: 'le'})
    w.iface({linkType: LINKTYPE.ETHERNET})
    // 10 605 035 723 853 s after 1970: past what a JavaScript Date holds (8.64e12 s).
    w.packet({sec: 10_605_035_723_853, nsec: 500_711_000}, ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.168.0.5', dst: '149.137.41.57', proto: IPPROTO.UDP}, udp({sport: 4000, dport: 8801}, Buffer.from('x')))))
    const path = join(dir, 'future.pcapng')
    writeFileSync(path, w.toBuffer())
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: dir, toolVersion: 'test'})
    expect(report.captures[0]!.packets).toBe(1)
    expect(report.summary.warnings.join('\n')).toContain('its packets are dated from 10605035723853.500711000 (seconds since 1970), after the year 9999: a corrupt or mis-scaled timestamp')
    expect(report.databases.every((d) => d.ageDaysAtCapture === null)).toBe(true)
  })

  it('hasRealDate: 1990 up to the year 9999', () => {
    expect(hasRealDate(Date.UTC(2020, 0, 1) / 1000)).toBe(true)
    expect(hasRealDate(Date.UTC(9999, 11, 31) / 1000)).toBe(true)
    expect(hasRealDate(Date.UTC(10000, 0, 1) / 1000)).toBe(false)
    expect(hasRealDate(86400)).toBe(false)
  })
})
