import {describe, expect, it} from 'vitest'
import {compileHostGlob, hostGlobMatches, normalizeHostName} from '../../src/policy/host-glob.js'
import {cidrContains, formatCidr, formatIp, parseCidr, parseIpAddress, type CidrValue} from '../../src/policy/ip-match.js'
import {parsePolicyText, policyFromSources} from '../../src/policy/load-policy.js'
import {hostSuppressionForNames, suppressionFor, type Policy, type Suppression} from '../../src/policy/policy.js'

function cidr(text: string): CidrValue {
  const parsed = parseCidr(text)
  if ('error' in parsed) throw new Error(`${text}: ${parsed.error}`)
  return parsed.cidr
}

function inside(prefix: string, address: string): boolean {
  const ip = parseIpAddress(address)
  if (ip === undefined) throw new Error(`not an address: ${address}`)
  return cidrContains(cidr(prefix), ip)
}

function withSuppressions(...suppressions: Suppression[]): Pick<Policy, 'suppressions'> {
  return {suppressions}
}

describe('addresses', () => {
  it('parses IPv4 and IPv6 strictly', () => {
    expect(parseIpAddress('192.0.2.1')).toEqual({version: 4, value: 0xc0000201n})
    expect(parseIpAddress('2001:db8::1')).toEqual({version: 6, value: (0x20010db8n << 96n) | 1n})
    expect(parseIpAddress('::')).toEqual({version: 6, value: 0n})
    for (const bad of ['1.2.3', '256.1.1.1', '01.2.3.4', 'fe80::1%eth0', 'example.com', '', '1.2.3.4/32', ':::1', '1::2::3']) {
      expect(parseIpAddress(bad), bad).toBeUndefined()
    }
  })

  it('takes IPv4-mapped IPv6 as IPv4, in both notations', () => {
    expect(parseIpAddress('::ffff:192.0.2.1')).toEqual({version: 4, value: 0xc0000201n})
    expect(parseIpAddress('::FFFF:c000:0201')).toEqual({version: 4, value: 0xc0000201n})
    // IPv4-compatible (deprecated) and NAT64 addresses are not mapped: they stay IPv6
    expect(parseIpAddress('::192.0.2.1')!.version).toBe(6)
    expect(parseIpAddress('64:ff9b::192.0.2.1')!.version).toBe(6)
  })

  it('formats canonically (RFC 5952)', () => {
    expect(formatIp(parseIpAddress('2001:DB8:0:0:0:0:0:1')!)).toBe('2001:db8::1')
    expect(formatIp(parseIpAddress('2001:db8:0:1:0:0:0:1')!)).toBe('2001:db8:0:1::1')
    expect(formatIp(parseIpAddress('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1')
    expect(formatIp(parseIpAddress('::')!)).toBe('::')
    expect(formatIp(parseIpAddress('::ffff:10.0.0.1')!)).toBe('10.0.0.1')
  })
})

describe('CIDR matching', () => {
  it('IPv4 /0 matches every IPv4 address and no IPv6 one', () => {
    expect(inside('0.0.0.0/0', '0.0.0.0')).toBe(true)
    expect(inside('0.0.0.0/0', '255.255.255.255')).toBe(true)
    expect(inside('0.0.0.0/0', '::ffff:8.8.8.8')).toBe(true)
    expect(inside('0.0.0.0/0', '2001:db8::1')).toBe(false)
  })

  it('IPv6 /0 matches every IPv6 address and no IPv4 one, mapped included', () => {
    expect(inside('::/0', '::')).toBe(true)
    expect(inside('::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(inside('::/0', '192.0.2.1')).toBe(false)
    expect(inside('::/0', '::ffff:192.0.2.1')).toBe(false)
  })

  it('/32 is one IPv4 address; /128 one IPv6 address', () => {
    expect(inside('192.0.2.7/32', '192.0.2.7')).toBe(true)
    expect(inside('192.0.2.7/32', '192.0.2.6')).toBe(false)
    expect(inside('192.0.2.7/32', '192.0.2.8')).toBe(false)
    expect(inside('2001:db8::7/128', '2001:db8::7')).toBe(true)
    expect(inside('2001:db8::7/128', '2001:db8::6')).toBe(false)
    expect(inside('2001:db8::7/128', '2001:db8::8')).toBe(false)
  })

  it('prefix boundaries, first and last address', () => {
    expect(inside('52.112.0.0/14', '52.112.0.0')).toBe(true)
    expect(inside('52.112.0.0/14', '52.115.255.255')).toBe(true)
    expect(inside('52.112.0.0/14', '52.116.0.0')).toBe(false)
    expect(inside('52.112.0.0/14', '52.111.255.255')).toBe(false)
    expect(inside('10.0.0.0/31', '10.0.0.1')).toBe(true)
    expect(inside('10.0.0.0/31', '10.0.0.2')).toBe(false)
    expect(inside('2603:1000::/24', '2603:10ff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(inside('2603:1000::/24', '2603:1100::')).toBe(false)
    expect(inside('2001:db8::/127', '2001:db8::1')).toBe(true)
    expect(inside('2001:db8::/127', '2001:db8::2')).toBe(false)
    expect(inside('8000::/1', 'ffff::')).toBe(true)
    expect(inside('8000::/1', '7fff::')).toBe(false)
  })

  it('IPv4 prefixes match IPv4-mapped addresses; mapped prefixes are IPv4 prefixes', () => {
    expect(inside('192.0.2.0/24', '::ffff:192.0.2.200')).toBe(true)
    expect(inside('192.0.2.0/24', '::ffff:192.0.3.1')).toBe(false)
    expect(formatCidr(cidr('::ffff:192.0.2.0/120'))).toBe('192.0.2.0/24')
    expect(inside('::ffff:192.0.2.0/120', '192.0.2.9')).toBe(true)
    expect(inside('::ffff:0:0/96', '203.0.113.1')).toBe(true)
    expect(formatCidr(cidr('::ffff:0:0/96'))).toBe('0.0.0.0/0')
  })

  it('refuses bad prefixes with the reason', () => {
    expect(parseCidr('10.0.0.0/33')).toEqual({error: 'prefix must be 0-32 for IPv4'})
    expect(parseCidr('2001:db8::/129')).toEqual({error: 'prefix must be 0-128 for IPv6'})
    expect(parseCidr('10.0.0.0/')).toEqual({error: 'prefix must be 0-32 for IPv4'})
    expect(parseCidr('10.0.0.0/08')).toEqual({error: 'prefix must be 0-32 for IPv4'})
    expect(parseCidr('10.0.0.0/-1')).toEqual({error: 'prefix must be 0-32 for IPv4'})
    expect(parseCidr('10.0.0.1/8')).toEqual({error: 'host bits set; did you mean 10.0.0.0/8?'})
    expect(parseCidr('2001:db8::1/32')).toEqual({error: 'host bits set; did you mean 2001:db8::/32?'})
    expect(parseCidr('10.0.0.1')).toEqual({error: 'no /prefix (use address: for a single address)'})
    expect(parseCidr('10.0.0/8')).toEqual({error: '"10.0.0" is not an IP address'})
    expect(parseCidr('zoom.us')).toEqual({error: 'not an address/prefix'})
    expect(formatCidr(cidr('2001:0db8:0000::/32'))).toBe('2001:db8::/32')
  })
})

describe('host patterns', () => {
  const glob = (pattern: string) => {
    const compiled = compileHostGlob(pattern)
    if ('error' in compiled) throw new Error(compiled.error)
    return compiled.glob
  }

  it('* matches one or more characters across dots, not the bare parent', () => {
    const zoom = glob('*.zoom.us')
    expect(hostGlobMatches(zoom, 'ministry.zoom.us')).toBe(true)
    expect(hostGlobMatches(zoom, 'a.b.zoom.us')).toBe(true)
    expect(hostGlobMatches(zoom, 'zoom.us')).toBe(false)
    expect(hostGlobMatches(zoom, 'evilzoom.us')).toBe(false)
    expect(hostGlobMatches(zoom, 'zoom.us.evil.example')).toBe(false)
  })

  it('is case-insensitive and ignores a trailing dot on both sides', () => {
    const teams = glob('*.Teams.Microsoft.com.')
    expect(teams.pattern).toBe('*.teams.microsoft.com')
    expect(hostGlobMatches(teams, 'API.teams.microsoft.COM.')).toBe(true)
    expect(normalizeHostName(' Example.COM. ')).toBe('example.com')
  })

  it('? matches one character other than a dot; literal dots and dashes are literal', () => {
    const web = glob('us0?web.zoom.us')
    expect(hostGlobMatches(web, 'us04web.zoom.us')).toBe(true)
    expect(hostGlobMatches(web, 'us0web.zoom.us')).toBe(false)
    expect(hostGlobMatches(web, 'us0.web.zoom.us')).toBe(false)
    expect(hostGlobMatches(glob('a.b'), 'axb')).toBe(false)
    expect(hostGlobMatches(glob('zoom*.example.com'), 'zoom-eu.example.com')).toBe(true)
    expect(hostGlobMatches(glob('zoom*.example.com'), 'zoom.example.com')).toBe(false) // * is one or more
  })

  it('refuses bad patterns with the reason', () => {
    const error = (pattern: string) => {
      const compiled = compileHostGlob(pattern)
      return 'error' in compiled ? compiled.error : undefined
    }
    expect(error('')).toBe('empty pattern')
    expect(error('*')).toBe('matches every host name')
    expect(error('*.*')).toBe('matches every host name')
    expect(error('*.zoom..us')).toBe('empty label')
    expect(error('.zoom.us')).toBe('empty label')
    expect(error('**.zoom.us')).toBe('"**" is not needed: * already matches across dots')
    expect(error('zoom.us/path')).toBe('character "/" cannot appear in a host name')
    expect(error('zoom us')).toBe('character " " cannot appear in a host name')
    expect(error('bücher.example')).toBe('not ASCII; write internationalised names in their xn-- form')
    expect(error('192.0.2.1')).toBe('an IP address; use address: or cidr:')
    expect(error(`${'a'.repeat(250)}.com`)).toBe('longer than 253 characters')
    expect(error('xn--bcher-kva.example')).toBeUndefined()
  })
})

describe('suppressionFor', () => {
  const policy = policyFromSources({}, parsePolicyText(`
suppressions:
  - match: {address: "::ffff:198.51.100.7"}
    reason: the lab TURN server
  - match: {cidr: 52.112.0.0/14}
    reason: Teams relays, DPIA 2025
  - match: {cidr: "2603:1000::/24"}
    reason: Microsoft 365 IPv6
  - match: {host: "*.zoom.us"}
    reason: tenant names are public
    rules: [sni.tenant-name, dns.tenant-name]
  - match: {asn: AS15169}
    reason: Google public DNS on purpose
  - match: {cidr: 0.0.0.0/0}
    reason: everything else, for the telemetry rule only
    rules: [telemetry.abroad]
`, 'callaudit.yml'))

  it('matches an address, also written as IPv4-mapped IPv6 on either side', () => {
    expect(suppressionFor(policy, {ip: '198.51.100.7'})).toEqual({
      reason: 'the lab TURN server',
      rule: 'address 198.51.100.7',
      matched: '198.51.100.7',
      index: 0,
      origin: {from: 'file', file: 'callaudit.yml', line: 3},
    })
    expect(suppressionFor(policy, {ip: '::ffff:198.51.100.7'})?.index).toBe(0)
    expect(suppressionFor(policy, {ip: '198.51.100.8'})).toBeUndefined()
  })

  it('matches CIDRs, v4 and v6, first entry in file order', () => {
    expect(suppressionFor(policy, {ip: '52.113.1.1'})).toMatchObject({rule: 'cidr 52.112.0.0/14', index: 1, reason: 'Teams relays, DPIA 2025'})
    expect(suppressionFor(policy, {ip: '::ffff:52.114.0.1'})).toMatchObject({index: 1})
    expect(suppressionFor(policy, {ip: '2603:1047::10'})).toMatchObject({rule: 'cidr 2603:1000::/24', index: 2})
    expect(suppressionFor(policy, {ip: '2603:1100::1'})).toBeUndefined()
  })

  it('host patterns try every name and respect the rules limit', () => {
    const target = {ip: '203.0.113.50', hosts: ['zoom.us', 'Ministry.Zoom.US.']}
    expect(suppressionFor(policy, target)).toBeUndefined() // limited to rules, no rule given
    expect(suppressionFor(policy, target, 'sni.tenant-name')).toEqual({
      reason: 'tenant names are public',
      rule: 'host *.zoom.us',
      matched: 'Ministry.Zoom.US.',
      index: 3,
      origin: {from: 'file', file: 'callaudit.yml', line: 9},
    })
    expect(suppressionFor(policy, target, 'dns.tenant-name')?.index).toBe(3)
    expect(suppressionFor(policy, target, 'rtp.cleartext')).toBeUndefined()
    expect(suppressionFor(policy, {hosts: []}, 'sni.tenant-name')).toBeUndefined()
  })

  it('matches an ASN, not a neighbour or a missing one', () => {
    expect(suppressionFor(policy, {ip: '8.8.8.8', asn: 15169})).toMatchObject({rule: 'asn AS15169', matched: 'AS15169', index: 4})
    expect(suppressionFor(policy, {ip: '8.8.8.8', asn: 15168})).toBeUndefined()
    expect(suppressionFor(policy, {ip: '8.8.8.8'})).toBeUndefined()
  })

  it('a /0 limited to one rule suppresses only that rule, for IPv4 only', () => {
    expect(suppressionFor(policy, {ip: '9.9.9.9'}, 'telemetry.abroad')).toMatchObject({rule: 'cidr 0.0.0.0/0', index: 5})
    expect(suppressionFor(policy, {ip: '9.9.9.9'}, 'media.abroad')).toBeUndefined()
    expect(suppressionFor(policy, {ip: '2001:db8::9'}, 'telemetry.abroad')).toBeUndefined()
  })

  it('an unparseable target address matches no address rule but may match by name', () => {
    expect(suppressionFor(policy, {ip: 'not-an-ip', hosts: ['x.zoom.us']}, 'sni.tenant-name')?.index).toBe(3)
    expect(suppressionFor(policy, {ip: 'not-an-ip'})).toBeUndefined()
  })

  it('works on a hand-built policy too, and is deterministic', () => {
    const p = withSuppressions(
      {match: {cidr: '10.0.0.0/8'}, reason: 'b'},
      {match: {address: '10.1.2.3'}, reason: 'a'},
    )
    expect(suppressionFor(p, {ip: '10.1.2.3'})).toEqual({reason: 'b', rule: 'cidr 10.0.0.0/8', matched: '10.1.2.3', index: 0})
    expect(JSON.stringify(suppressionFor(p, {ip: '10.1.2.3'}))).toBe(JSON.stringify(suppressionFor(p, {ip: '10.1.2.3'})))
  })
})

describe('hostSuppressionForNames (findings about names, not an endpoint)', () => {
  const p = withSuppressions(
    {match: {address: '192.0.2.1'}, reason: 'not a host match'},
    {match: {host: '*.zoom.us'}, reason: 'tenant names only', rules: ['CA-META-002']},
    {match: {host: 'teams.microsoft.com'}, reason: 'teams, any rule'},
    {match: {host: 'zoom.us'}, reason: 'the bare domain, any rule'},
    {match: {host: '*.zoom.us'}, reason: 'zoom names, any rule'},
  )

  it('matches when host entries cover every name, reporting the first entry used, respecting the rules limit', () => {
    expect(hostSuppressionForNames(p, ['ministry.zoom.us'], 'CA-META-002')).toEqual({reason: 'tenant names only', rule: 'host *.zoom.us', matched: 'ministry.zoom.us', index: 1})
    expect(hostSuppressionForNames(p, ['Ministry.Zoom.US.', 'log.zoom.us'], 'CA-META-002')).toMatchObject({index: 1, matched: 'Ministry.Zoom.US.'})
    // Limited to CA-META-002: for another rule the next entry that covers the name decides.
    expect(hostSuppressionForNames(p, ['ministry.zoom.us'], 'CA-META-001')).toMatchObject({index: 4, reason: 'zoom names, any rule'})
    // Several entries together: zoom.us (entry 3) and *.zoom.us (entry 4); the first in order is reported.
    expect(hostSuppressionForNames(p, ['ministry.zoom.us', 'zoom.us'], 'CA-META-001')).toMatchObject({index: 3, matched: 'zoom.us'})
    expect(hostSuppressionForNames(p, ['teams.microsoft.com', 'zoom.us'], 'CA-META-001')).toMatchObject({index: 2, matched: 'teams.microsoft.com'})
  })

  it('a name no entry covers keeps the finding: every name, not one', () => {
    expect(hostSuppressionForNames(p, ['ministry.zoom.us', 'meet.google.com'], 'CA-META-002')).toBeUndefined()
    expect(hostSuppressionForNames(p, ['ministry.zoom.us', 'zoom.us.example'], 'CA-META-001')).toBeUndefined()
    // Limited to CA-META-002 and CA-META-003 is asked: the limited entry is not used.
    const limited = withSuppressions({match: {host: '*.zoom.us'}, reason: 'x', rules: ['CA-META-002']})
    expect(hostSuppressionForNames(limited, ['ministry.zoom.us'], 'CA-META-003')).toBeUndefined()
  })

  it('takes host entries only, and no names match nothing', () => {
    expect(hostSuppressionForNames(p, ['192.0.2.1'], 'CA-META-001')).toBeUndefined()
    expect(hostSuppressionForNames(p, [], 'CA-META-001')).toBeUndefined()
  })
})
