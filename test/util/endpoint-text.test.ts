import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {flowEndText, hostPort} from '../../src/util/ip-text.js'
import {corpusPath, HAVE_CORPUS} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'

describe('endpoints as text', () => {
  it('brackets an IPv6 address before its port (RFC 5952 §6), leaves IPv4 alone, and drops the port of portless protocols', () => {
    expect(hostPort('192.0.2.1', 443)).toBe('192.0.2.1:443')
    expect(hostPort('2001:4860:4864:6::81', 19305)).toBe('[2001:4860:4864:6::81]:19305')
    expect(flowEndText('2001:db8::1', 0, 'icmpv6')).toBe('[2001:db8::1]')
    expect(flowEndText('192.0.2.1', 0, 'icmp')).toBe('192.0.2.1')
    expect(flowEndText('2001:db8::1', 5060, 'sctp')).toBe('[2001:db8::1]:5060')
  })
})

describe.skipIf(!HAVE_CORPUS)('endpoints in a report (stun_google_meet.pcapng: a call over IPv6)', () => {
  it('names each IPv6 end of a flow so that its port cannot be read as part of the address', async () => {
    const {report} = await analyzeCaptures({paths: [corpusPath('stun_google_meet.pcapng')], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    const evidence = report.findings.flatMap((f) => f.evidence.map((e) => e.description))
    expect(evidence).toContain('flow #7 udp [2001:b07:a3d:c112:48a1:1094:1227:281e]:45572 → [2001:4860:4864:6::81]:19305: media (google-meet), 40890 bytes')
    // Nowhere in the findings' text does a port follow an IPv6 address without brackets.
    for (const text of [...evidence, ...report.findings.map((f) => f.detail)]) {
      expect(text).not.toContain('281e:45572')
      expect(text).not.toContain('6::81:19305')
    }
  })
})
