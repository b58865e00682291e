import {describe, expect, it} from 'vitest'
import {compileGlob, hasSuffix, isPrivateAddress, isPublicAddress, normalizeName} from '../../src/apps/match.js'
import {defaultSignatures} from '../../src/apps/signatures.js'

const sig = defaultSignatures()
const appsFor = (name: string, source: Parameters<typeof sig.matchName>[1] = 'sni') => [...new Set(sig.matchName(name, source).map((m) => m.app))]

describe('name matching', () => {
  it('matches a suffix on a label boundary only', () => {
    expect(appsFor('zoom.us')).toEqual(['zoom'])
    expect(appsFor('ministry.zoom.us')).toEqual(['zoom'])
    expect(appsFor('notzoom.us')).toEqual([])
    expect(appsFor('zoom.us.evil.com')).toEqual([])
    expect(appsFor('zoom.usa')).toEqual([])
    expect(appsFor('evil-zoom.us')).toEqual([])
    expect(hasSuffix('a.zoom.us', 'zoom.us')).toBe(true)
    expect(hasSuffix('xzoom.us', 'zoom.us')).toBe(false)
  })

  it('compares case-insensitively and ignores one trailing dot', () => {
    expect(appsFor('ZOOMFR84ZC.Zoom.US.')).toEqual(['zoom'])
    expect(appsFor('Teams.Microsoft.COM')).toEqual(['teams'])
  })

  it('never matches text that cannot be a host name', () => {
    for (const bad of ['zoom.us\u0000', 'zoom .us', 'a..zoom.us', '.zoom.us', '', 'x'.repeat(250) + '.zoom.us', 'zoom.us/evil', 'zoom\\.us']) {
      expect(appsFor(bad), JSON.stringify(bad)).toEqual([])
    }
    expect(normalizeName('a'.repeat(260))).toBeUndefined()
  })

  it('reads glob patterns: a leading * is one or more labels, an inner * stays in its label', () => {
    const teams = compileGlob('*.teams.microsoft.com')
    expect(teams.test('presence.teams.microsoft.com')).toBe(true)
    expect(teams.test('a.b.teams.microsoft.com')).toBe(true)
    expect(teams.test('teams.microsoft.com')).toBe(false)
    expect(teams.test('evilteams.microsoft.com')).toBe(false)
    const turn = compileGlob('turn*.**')
    expect(turn.test('turn.l.google.com')).toBe(true)
    expect(turn.test('turns.example.org')).toBe(true)
    expect(turn.test('turn')).toBe(false)
    expect(turn.test('xturn.example.org')).toBe(false)
    const inner = compileGlob('*-turnrelay.jitsi.net')
    expect(inner.test('meet-jit-si-turnrelay.jitsi.net')).toBe(true)
    expect(inner.test('a.b-turnrelay.jitsi.net')).toBe(false)
    expect(compileGlob('meet.google.com').test('meet.google.com')).toBe(true)
    expect(compileGlob('meet.google.com').test('xmeet.google.com')).toBe(false)
  })

  it('matches exact names and source-restricted names only where they apply', () => {
    expect(appsFor('meet.google.com')).toEqual(['google-meet'])
    expect(appsFor('notmeet.google.com')).toEqual([])
    expect(appsFor('teams.microsoft.com')).toEqual(['teams'])
    // The "hangouts" certificate name counts only as a certificate name.
    expect(appsFor('hangouts', 'cert')).toEqual(['google-meet'])
    expect(appsFor('hangouts', 'sni')).toEqual([])
    // A wildcard certificate name for the service matches its suffix.
    expect(appsFor('*.zoom.us', 'cert')).toEqual(['zoom'])
    expect(appsFor('*.google.com', 'cert')).toEqual([])
  })

  it('caps certificate, NRB and DNS-query names at medium', () => {
    expect(sig.matchName('zoom.us', 'sni')[0]!.confidence).toBe('high')
    expect(sig.matchName('zoom.us', 'dns')[0]!.confidence).toBe('high')
    expect(sig.matchName('zoom.us', 'cert')[0]!.confidence).toBe('medium')
    expect(sig.matchName('zoom.us', 'nrb')[0]!.confidence).toBe('medium')
    expect(sig.matchName('zoom.us', 'dns-query')[0]!.confidence).toBe('medium')
    // unverified source: one level lower
    expect(sig.matchName('ciscoen.webex.com', 'sni')[0]!.confidence).toBe('medium')
  })
})

describe('STUN matching', () => {
  it('matches SOFTWARE prefixes case-insensitively and knows generic servers', () => {
    expect(sig.matchStunSoftware('cisco-spark 1.2').map((m) => m.app)).toEqual(['webex'])
    expect(sig.matchStunSoftware('Coturn-4.5.0.5 \'dan Eider\'')).toEqual([])
    expect(sig.isGenericStunSoftware('Coturn-4.5.0.5 \'dan Eider\'')).toBe(true)
    expect(sig.isGenericStunSoftware('2.0.1.211')).toBe(false)
  })

  it("matches Microsoft's STUN attribute types", () => {
    expect(sig.matchStunAttribute(0x8008).map((m) => [m.app, m.confidence])).toEqual([['teams', 'high']])
    expect(sig.matchStunAttribute(0x0020)).toEqual([])
  })
})

describe('ranges and ports', () => {
  it('finds addresses in published ranges, IPv4 and IPv6, at the boundaries', () => {
    const apps = (ip: string) => sig.matchAddress(ip).map((m) => `${m.app} ${m.pattern} ${m.confidence}`)
    expect(apps('52.112.0.0')).toEqual(['teams 52.112.0.0/14 medium'])
    expect(apps('52.115.255.255')).toEqual(['teams 52.112.0.0/14 medium'])
    expect(apps('52.116.0.0')).toEqual([])
    expect(apps('52.111.255.255')).toEqual([])
    expect(apps('74.125.247.128')).toEqual(['google-meet 74.125.247.128/32 medium'])
    expect(apps('74.125.247.129')).toEqual([])
    expect(apps('2001:4860:4864:6::81')).toEqual(['google-meet 2001:4860:4864:6::/64 medium'])
    expect(apps('2001:4860:4864:7::81')).toEqual([])
    expect(apps('2603:1063:0:1::5')).toEqual(['teams 2603:1063::/38 medium'])
    expect(apps('162.255.37.14')).toEqual(['zoom 162.255.36.0/22 medium'])
    // Apple's whole /8 is FaceTime evidence of the lowest kind only.
    expect(apps('17.57.144.116')).toEqual(['facetime 17.0.0.0/8 low'])
    expect(apps('not an address')).toEqual([])
    expect(apps('192.168.1.1')).toEqual([])
  })

  it('prefers the most specific range first when ranges nest', () => {
    // 52.122.0.0/15 (current edition) lies inside 52.120.0.0/14 (earlier edition).
    expect(sig.matchAddress('52.122.1.1').map((m) => m.pattern)).toEqual(['52.122.0.0/15', '52.120.0.0/14'])
  })

  it('never takes a generic port as app evidence', () => {
    expect(sig.matchPort('udp', 8801).map((m) => m.app)).toEqual(['zoom'])
    expect(sig.matchPort('udp', 8810).map((m) => m.app)).toEqual(['zoom'])
    expect(sig.matchPort('udp', 8811)).toEqual([])
    expect(sig.matchPort('tcp', 8801).map((m) => m.app)).toEqual(['zoom'])
    expect(sig.matchPort('udp', 3478)).toEqual([]) // generic STUN, though Zoom/Teams/Meet list it
    expect(sig.matchPort('udp', 3479)).toEqual([])
    expect(sig.matchPort('udp', 5004)).toEqual([]) // generic RTP, though Webex lists it
    expect(sig.matchPort('udp', 3480).map((m) => m.app).sort()).toEqual(['facetime', 'teams'])
    expect(sig.matchPort('udp', 19302).map((m) => [m.app, m.confidence])).toEqual([['google-meet', 'low']])
    expect(sig.matchPort('icmp', 8801)).toEqual([])
  })
})

describe('remembered answers', () => {
  // matchName, matchPort, tenantOf and normalizeName remember answers per value: asking again,
  // or asking about a neighbour in between, must never hand back another value's answer.
  it('keeps name matches apart by source', () => {
    for (let round = 0; round < 2; round++) {
      expect(sig.matchName('zoom.us', 'sni')[0]!.confidence).toBe('high')
      expect(sig.matchName('zoom.us', 'cert')[0]!.confidence).toBe('medium')
      expect(sig.matchName('zoom.us', 'dns')[0]!.confidence).toBe('high')
    }
  })

  it('keeps port matches apart by protocol and port', () => {
    for (let round = 0; round < 2; round++) {
      expect(sig.matchPort('udp', 8801).map((m) => m.app)).toEqual(['zoom'])
      expect(sig.matchPort('udp', 8811)).toEqual([])
      expect(sig.matchPort('udp', 3478)).toEqual([])
      expect(sig.matchPort('tcp', 8801).map((m) => m.app)).toEqual(['zoom'])
      expect(sig.matchPort('icmp', 8801)).toEqual([])
      expect(sig.matchPort('udp', 3480).map((m) => m.app).sort()).toEqual(['facetime', 'teams'])
      expect(sig.matchPort('tcp', 3480)).toEqual([])
      expect(sig.matchPort('udp', 8803).map((m) => m.app)).toEqual(['zoom'])
      expect(sig.matchPort('tcp', 8803)).toEqual([])
    }
  })

  it('keeps tenants and normalised names apart by name', () => {
    for (let round = 0; round < 2; round++) {
      expect(sig.tenantOf('ministry.zoom.us')?.org).toBe('ministry')
      expect(sig.tenantOf('other.zoom.us')?.org).toBe('other')
      expect(sig.tenantOf('zoom.us')).toBeUndefined()
      expect(normalizeName('Zoom.US.')).toBe('zoom.us')
      expect(normalizeName('zoom.us')).toBe('zoom.us')
      expect(normalizeName('bad name.example')).toBeUndefined()
      expect(normalizeName('a..b')).toBeUndefined()
    }
  })
})

describe('tenant and vanity names', () => {
  const org = (name: string) => sig.tenantOf(name)?.org
  it('reads the organisation from vanity names', () => {
    expect(sig.tenantOf('ministry.zoom.us')).toMatchObject({app: 'zoom', org: 'ministry', suffix: 'zoom.us'})
    expect(org('MINISTRY.Zoom.US.')).toBe('ministry')
    expect(org('acme-corp.zoomgov.com')).toBe('acme-corp')
    expect(sig.tenantOf('ciscoen.webex.com')).toMatchObject({app: 'webex', org: 'ciscoen', suffix: 'webex.com'})
    expect(sig.tenantOf('acme.my.webex.com')).toMatchObject({app: 'webex', org: 'acme', suffix: 'my.webex.com'})
    expect(sig.tenantOf('contoso-my.sharepoint.com')).toMatchObject({app: 'teams', org: 'contoso'})
    expect(org('contoso.sharepoint.com')).toBe('contoso')
    expect(sig.tenantOf('bigco.slack.com')).toMatchObject({app: 'slack', org: 'bigco'})
  })

  it("ignores the services' own infrastructure names", () => {
    for (const infra of ['us05web.zoom.us', 'us02web.zoom.us', 'zoomfrn99mmr.zoom.us', 'zoomfr84zc.zoom.us', 'zoomam104zc.zoom.us', 'log.zoom.us', 'www.zoom.us', 'www3.zoom.us', 'api.zoom.us', 'ssrweb.zoom.us', 'zoom.us']) {
      expect(org(infra), infra).toBeUndefined()
    }
    for (const infra of ['www.webex.com', 'my.webex.com', 'idbroker.webex.com', 'nsa1.webex.com', 'app.slack.com', 'wss-primary.slack.com', 'files.slack.com']) {
      expect(org(infra), infra).toBeUndefined()
    }
  })

  it('needs exactly one label below the suffix and a real suffix', () => {
    expect(org('a.ministry.zoom.us')).toBeUndefined()
    expect(org('ministry.zoom.us.evil.com')).toBeUndefined()
    expect(org('ministry.notzoom.us')).toBeUndefined()
    expect(org('*.zoom.us')).toBeUndefined()
    expect(org('-bad-.zoom.us')).toBeUndefined()
  })
})

describe('address classes', () => {
  it('tells private from public', () => {
    expect(isPrivateAddress('10.1.2.3')).toBe(true)
    expect(isPrivateAddress('100.64.0.1')).toBe(true)
    expect(isPrivateAddress('fe80::1')).toBe(true)
    expect(isPrivateAddress('fd00::1')).toBe(true)
    expect(isPrivateAddress('8.8.8.8')).toBe(false)
    expect(isPublicAddress('80.181.206.72')).toBe(true)
    expect(isPublicAddress('2001:b07:a3d:c112::1')).toBe(true)
    for (const notPublic of ['192.168.1.1', '224.0.0.251', '255.255.255.255', '0.0.0.0', '203.0.113.9', '2001:db8::1', 'ff02::fb', 'bogus']) {
      expect(isPublicAddress(notPublic), notPublic).toBe(false)
    }
  })
})
