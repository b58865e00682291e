import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {InputError} from '../../src/errors.js'
import {checkRuleIds, findPolicyFile, loadPolicy, parsePolicyText, policyFromSources, type PolicyFlagValues} from '../../src/policy/load-policy.js'
import {PolicyInputError} from '../../src/policy/policy-error.js'

let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'callaudit-policy-'))
})

afterEach(() => {
  rmSync(dir, {recursive: true, force: true})
})

function write(name: string, text: string): void {
  writeFileSync(join(dir, name), text)
}

/** The one-line message loadPolicy fails with (fails the test if it does not). */
function failure(flags: PolicyFlagValues): string {
  try {
    loadPolicy(flags, {cwd: dir})
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyInputError)
    expect(error).toBeInstanceOf(InputError)
    return (error as PolicyInputError).oneLine()
  }
  throw new Error('expected a PolicyInputError')
}

/** The message for a callaudit.yml with this text. */
function fileError(yaml: string): string {
  write('callaudit.yml', yaml)
  return failure({})
}

describe('precedence: flags > file > defaults', () => {
  it('defaults: no home, nothing allowed or denied, fail on high', () => {
    const policy = loadPolicy({}, {cwd: dir})
    expect(policy).toEqual({
      home: [],
      allow: [],
      deny: [],
      failOn: 'high',
      roles: {},
      apps: {},
      suppressions: [],
      severityOverrides: {},
      specs: {},
      notes: [],
      source: {home: {from: 'default'}, allow: {from: 'default'}, deny: {from: 'default'}, failOn: {from: 'default'}},
    })
  })

  it('the file over the defaults, with the line each part came from', () => {
    write('callaudit.yml', 'home: DE\nallow: [US]\ndeny: CN, RU\nfail-on: MEDIUM\n')
    const policy = loadPolicy({}, {cwd: dir})
    expect(policy.home).toEqual(['DE'])
    expect(policy.allow).toEqual(['US'])
    expect(policy.deny).toEqual(['CN', 'RU'])
    expect(policy.failOn).toBe('medium')
    expect(policy.source).toEqual({
      file: 'callaudit.yml',
      home: {from: 'file', file: 'callaudit.yml', line: 1},
      allow: {from: 'file', file: 'callaudit.yml', line: 2},
      deny: {from: 'file', file: 'callaudit.yml', line: 3},
      failOn: {from: 'file', file: 'callaudit.yml', line: 4},
    })
  })

  it('flags over the file, key by key, noting what they replaced', () => {
    write('callaudit.yml', 'home: DE\nallow: [US]\ndeny: [CN, RU]\nfail-on: medium\n')
    const policy = loadPolicy({deny: 'IR', 'fail-on': 'critical'}, {cwd: dir})
    expect(policy.home).toEqual(['DE'])
    expect(policy.allow).toEqual(['US'])
    expect(policy.deny).toEqual(['IR'])
    expect(policy.failOn).toBe('critical')
    expect(policy.source.deny).toEqual({from: 'flag', flag: '--deny'})
    expect(policy.source.failOn).toEqual({from: 'flag', flag: '--fail-on'})
    expect(policy.source.home).toEqual({from: 'file', file: 'callaudit.yml', line: 1})
    expect(policy.notes).toEqual(['--deny replaces deny from callaudit.yml (CN, RU)', '--fail-on replaces fail-on from callaudit.yml (medium)'])
  })

  it('--fail-on over the file\'s fail-on: none is noted like the lists (a CI gate the file switched off)', () => {
    write('callaudit.yml', 'fail-on: none\n')
    expect(loadPolicy({'fail-on': 'high'}, {cwd: dir}).notes).toEqual(['--fail-on replaces fail-on from callaudit.yml (none)'])
    // Without the flag, or without the key in the file, nothing was replaced.
    expect(loadPolicy({}, {cwd: dir}).notes).toEqual([])
    write('callaudit.yml', 'home: DE\n')
    expect(loadPolicy({'fail-on': 'high'}, {cwd: dir}).notes).toEqual([])
  })

  it('flags alone over the defaults, with groups and aliases', () => {
    const policy = loadPolicy({home: 'eu,ch', allow: 'UK', deny: 'hu', 'fail-on': 'none'}, {cwd: dir})
    expect(policy.home).toHaveLength(28)
    expect(policy.home).toContain('CH')
    expect(policy.allow).toEqual(['GB'])
    expect(policy.failOn).toBe('none')
    expect(policy.specs).toEqual({allow: ['GB'], deny: ['HU'], home: ['EU', 'CH']})
    expect(policy.notes).toEqual(['UK taken as GB, the ISO 3166-1 code of the United Kingdom', 'deny takes HU out of home'])
  })

  it('an empty --allow clears the file\'s allow list', () => {
    write('callaudit.yml', 'allow: [US]\n')
    const policy = loadPolicy({allow: ''}, {cwd: dir})
    expect(policy.allow).toEqual([])
    expect(policy.source.allow).toEqual({from: 'flag', flag: '--allow'})
  })

  it('notes a country both allowed and denied', () => {
    expect(loadPolicy({allow: 'US,CN', deny: 'CN'}, {cwd: dir}).notes).toEqual(['CN both allowed and denied: deny wins'])
  })
})

describe('finding the policy file', () => {
  it('picks up callaudit.yml, or callaudit.yaml, in the working directory', () => {
    expect(findPolicyFile(dir)).toBeUndefined()
    write('callaudit.yaml', 'home: [NL]\n')
    expect(findPolicyFile(dir)).toBe('callaudit.yaml')
    const policy = loadPolicy({}, {cwd: dir})
    expect(policy.home).toEqual(['NL'])
    expect(policy.source.file).toBe('callaudit.yaml')
  })

  it('refuses to guess when both are present', () => {
    write('callaudit.yml', 'home: DE\n')
    write('callaudit.yaml', 'home: NL\n')
    expect(failure({})).toBe('both callaudit.yml and callaudit.yaml are in the working directory: keep one, or choose with --policy')
    expect(loadPolicy({policy: 'callaudit.yaml'}, {cwd: dir}).home).toEqual(['NL'])
  })

  it('--policy wins over the discovered file and is resolved against cwd', () => {
    write('callaudit.yml', 'home: DE\n')
    mkdirSync(join(dir, 'policies'))
    write('policies/strict.yml', 'home: FR\n')
    const policy = loadPolicy({policy: 'policies/strict.yml'}, {cwd: dir})
    expect(policy.home).toEqual(['FR'])
    expect(policy.source.file).toBe('policies/strict.yml')
  })

  it('looks in the given cwd only', () => {
    const inner = join(dir, 'sub')
    mkdirSync(inner)
    write('callaudit.yml', 'home: DE\n')
    expect(loadPolicy({}, {cwd: inner}).home).toEqual([])
  })

  it('a --policy file that cannot be read is an error naming it', () => {
    expect(failure({policy: 'missing.yml'})).toBe('missing.yml: cannot read the policy file: no such file')
    mkdirSync(join(dir, 'adir'))
    expect(failure({policy: 'adir'})).toBe('adir: cannot read the policy file: is a directory')
    expect(failure({policy: ' '})).toBe('--policy needs a file name')
  })

  it('an empty or comment-only file is the defaults', () => {
    write('callaudit.yml', '# nothing yet\n')
    const policy = loadPolicy({}, {cwd: dir})
    expect(policy.failOn).toBe('high')
    expect(policy.source.file).toBe('callaudit.yml')
  })
})

describe('the file schema', () => {
  it('reads roles, apps, suppressions and overrides, canonicalised', () => {
    write('callaudit.yml', `version: 1
home: [EU]
roles:
  telemetry: {allow: [US], severity: LOW}
  control:
    deny: [US]
  dns:
apps:
  teams: {allow: "US, IE"}
suppressions:
  - match: {cidr: "2001:0DB8::/32"}
    reason: |
      documentation
      prefix
  - match: {asn: 8075}
    reason: Microsoft
  - match: {address: "::ffff:192.0.2.1"}
    reason: mapped
  - match: {host: "*.Zoom.US"}
    reason: tenant
    rules: sni.tenant-name, dns.tenant-name
severity-overrides:
  z.rule: info
  a.rule: critical
`)
    const policy = loadPolicy({}, {cwd: dir})
    expect(policy.roles).toEqual({control: {deny: ['US']}, telemetry: {allow: ['US'], severity: 'low'}, dns: {}})
    expect(Object.keys(policy.roles)).toEqual(['control', 'telemetry', 'dns'])
    expect(policy.apps).toEqual({teams: {allow: ['IE', 'US']}})
    expect(policy.suppressions.map((s) => [s.match, s.reason, s.rules, s.origin])).toEqual([
      [{cidr: '2001:db8::/32'}, 'documentation prefix', undefined, {from: 'file', file: 'callaudit.yml', line: 11}],
      [{asn: 8075}, 'Microsoft', undefined, {from: 'file', file: 'callaudit.yml', line: 15}],
      [{address: '192.0.2.1'}, 'mapped', undefined, {from: 'file', file: 'callaudit.yml', line: 17}],
      [{host: '*.zoom.us'}, 'tenant', ['sni.tenant-name', 'dns.tenant-name'], {from: 'file', file: 'callaudit.yml', line: 19}],
    ])
    expect(policy.severityOverrides).toEqual({'a.rule': 'critical', 'z.rule': 'info'})
    expect(Object.keys(policy.severityOverrides)).toEqual(['a.rule', 'z.rule'])
    expect(policy.specs['apps.teams.allow']).toEqual(['US', 'IE'])
    expect(policy.source.lines).toEqual({
      'suppressions.3.rules.sni.tenant-name': 21,
      'suppressions.3.rules.dns.tenant-name': 21,
      'severity-overrides.z.rule': 23,
      'severity-overrides.a.rule': 24,
    })
  })

  it('reads NO as Norway (YAML 1.2), and block lists', () => {
    write('callaudit.yml', 'deny:\n  - no\n  - NO\n')
    expect(loadPolicy({}, {cwd: dir}).deny).toEqual(['NO'])
  })

  it('resolves YAML aliases', () => {
    write('callaudit.yml', 'home: &eu [EU]\nallow: *eu\n')
    const policy = loadPolicy({}, {cwd: dir})
    expect(policy.allow).toEqual(policy.home)
    expect(policy.allow).toHaveLength(27)
  })

  it('is deterministic: same inputs, byte-identical JSON', () => {
    const text = 'home: [EU, CH]\ndeny: [RU, CN]\nroles:\n  media: {deny: [US]}\n'
    const a = JSON.stringify(policyFromSources({allow: 'US,GB'}, parsePolicyText(text, 'callaudit.yml')))
    const b = JSON.stringify(policyFromSources({allow: 'US,GB'}, parsePolicyText(text, 'callaudit.yml')))
    expect(a).toBe(b)
    expect(JSON.parse(a).deny).toEqual(['CN', 'RU'])
  })
})

describe('validation errors: file, line, what is wrong', () => {
  it('unknown country, with the line of the item and a suggestion', () => {
    expect(fileError('version: 1\nhome: [EU]\n\n# deny list\n\ndeny:\n  - XX\n')).toBe('callaudit.yml: line 7: unknown country "XX" in deny (did you mean XK?)')
    expect(fileError('home: EU, Germany\n')).toBe('callaudit.yml: line 1: unknown country or group "Germany" in home (did you mean DE?)')
    expect(fileError('roles:\n  media:\n    allow:\n      - US\n      - USA\n')).toBe('callaudit.yml: line 5: unknown country or group "USA" in roles.media.allow (did you mean US?)')
    expect(fileError('apps:\n  zoom:\n    deny: [CN, SU]\n')).toBe('callaudit.yml: line 3: withdrawn country code "SU" in apps.zoom.deny (Soviet Union until 1992; use the successor states\' codes such as RU, UA, BY)')
    expect(fileError('home: [EU, -HU]\n')).toBe('callaudit.yml: line 1: unsupported exclusion "-HU" in home (put HU in deny instead)')
  })

  it('unknown keys, with the valid ones and a suggestion', () => {
    expect(fileError('home: DE\nfailOn: low\n')).toBe(
      'callaudit.yml: line 2: unknown key "failOn" (did you mean fail-on? valid keys: version, home, allow, deny, fail-on, roles, apps, suppressions, severity-overrides)',
    )
    expect(fileError('hme: DE\n')).toBe(
      'callaudit.yml: line 1: unknown key "hme" (did you mean home? valid keys: version, home, allow, deny, fail-on, roles, apps, suppressions, severity-overrides)',
    )
    expect(fileError('colour: red\n')).toBe(
      'callaudit.yml: line 1: unknown key "colour" (valid keys: version, home, allow, deny, fail-on, roles, apps, suppressions, severity-overrides)',
    )
    expect(fileError('roles:\n  signalling: {deny: [US]}\n')).toBe(
      'callaudit.yml: line 2: unknown role "signalling" in roles (did you mean control? valid roles: media, relay, vpn, control, telemetry, web, dns, lan, other)',
    )
    expect(fileError('apps:\n  skype: {deny: [US]}\n')).toBe(
      'callaudit.yml: line 2: unknown app "skype" in apps (did you mean teams? valid apps: zoom, teams, webex, meet, jitsi, whatsapp, signal, telegram, facetime, discord, slack, webrtc)',
    )
    expect(fileError('roles:\n  media:\n    alow: [US]\n')).toBe('callaudit.yml: line 3: unknown key "alow" in roles.media (did you mean allow? valid keys: allow, deny, severity)')
    expect(fileError('apps:\n  zoom:\n    severity: low\n')).toBe('callaudit.yml: line 3: unknown key "severity" in apps.zoom (valid keys: allow, deny)')
    expect(fileError('suppressions:\n  - match: {ip: 192.0.2.1}\n    reason: x\n')).toBe(
      'callaudit.yml: line 2: unknown key "ip" in suppression 1 match (did you mean address? valid keys: address, cidr, host, asn)',
    )
    expect(fileError('suppressions:\n  - match: {address: 192.0.2.1}\n    why: x\n')).toBe(
      'callaudit.yml: line 3: unknown key "why" in suppression 1 (did you mean reason? valid keys: match, reason, rules)',
    )
  })

  it('app keys: google-meet is meet, and one app may not appear twice', () => {
    write('callaudit.yml', 'apps:\n  google-meet: {deny: [US]}\n')
    expect(loadPolicy({}, {cwd: dir}).apps).toEqual({meet: {deny: ['US']}})
    expect(fileError('apps:\n  meet: {deny: [US]}\n  google-meet: {allow: [US]}\n')).toBe('callaudit.yml: line 3: app "meet" appears twice in apps')
  })

  it('wrong types', () => {
    expect(fileError('deny:\n  CN: true\n')).toBe('callaudit.yml: line 2: deny must be a list of country codes or groups, or a comma-separated string; got a mapping')
    expect(fileError('allow: [US, 42]\n')).toBe('callaudit.yml: line 1: allow lists countries or groups; got the number 42')
    expect(fileError('%YAML 1.1\n---\ndeny: [CN, NO]\n')).toBe('callaudit.yml: line 3: deny lists countries or groups; got false (quote it: "NO")')
    expect(fileError('- home\n- DE\n')).toBe(
      'callaudit.yml: line 1: a policy file is a mapping of keys (version, home, allow, deny, fail-on, roles, apps, suppressions, severity-overrides); got a list',
    )
    expect(fileError('roles: [media]\n')).toBe(
      'callaudit.yml: line 1: roles must be a mapping of role names (media, relay, vpn, control, telemetry, web, dns, lan, other) to rules; got a list',
    )
    expect(fileError('roles:\n  media: [US]\n')).toBe('callaudit.yml: line 2: roles.media must be a mapping with allow, deny or severity; got a list')
    expect(fileError('suppressions:\n  match: {asn: 1}\n')).toBe('callaudit.yml: line 2: suppressions must be a list of entries with match and reason; got a mapping')
    expect(fileError('suppressions:\n  - 192.0.2.1\n')).toBe('callaudit.yml: line 2: suppression 1 must be a mapping with match and reason; got "192.0.2.1"')
    expect(fileError('severity-overrides: [a]\n')).toBe('callaudit.yml: line 1: severity-overrides must be a mapping of rule id to severity; got a list')
    expect(fileError('version: 2\n')).toBe('callaudit.yml: line 1: unsupported version 2 (this callaudit reads version 1)')
  })

  it('bad severities', () => {
    expect(fileError('home: DE\nfail-on: hi\n')).toBe('callaudit.yml: line 2: unknown severity "hi" in fail-on (expected info, low, medium, high, critical or none)')
    expect(fileError('fail-on: 3\n')).toBe('callaudit.yml: line 1: fail-on must be a severity (expected info, low, medium, high, critical or none); got the number 3')
    expect(fileError('roles:\n  media:\n    severity: none\n')).toBe('callaudit.yml: line 3: unknown severity "none" in roles.media.severity (expected info, low, medium, high or critical)')
    expect(fileError('severity-overrides:\n  tls.no-ech: severe\n')).toBe(
      'callaudit.yml: line 2: unknown severity "severe" in severity-overrides for tls.no-ech (expected info, low, medium, high or critical)',
    )
    expect(fileError('severity-overrides:\n  "bad id": low\n')).toBe('callaudit.yml: line 2: invalid rule id "bad id" in severity-overrides')
  })

  it('suppression reasons are mandatory and non-empty', () => {
    expect(fileError('suppressions:\n  - match: {asn: 1}\n    reason: x\n  - match: {asn: 2}\n    reason: "   "\n')).toBe(
      'callaudit.yml: line 5: suppression 2 has an empty reason (say why it is accepted; the report repeats it)',
    )
    expect(fileError('suppressions:\n  - match: {asn: 1}\n    reason:\n')).toBe('callaudit.yml: line 3: suppression 1 has an empty reason (say why it is accepted; the report repeats it)')
    expect(fileError('suppressions:\n  - match: {asn: 1}\n')).toBe('callaudit.yml: line 2: suppression 1 has no reason (say why it is accepted; the report repeats it)')
    expect(fileError('suppressions:\n  - reason: x\n')).toBe('callaudit.yml: line 2: suppression 1 has no match (one of address, cidr, host or asn)')
    expect(fileError('suppressions:\n  - match: {asn: 1}\n    reason: [a]\n')).toBe('callaudit.yml: line 3: suppression 1 reason must be text; got a list')
  })

  it('suppression matches: exactly one, and each valid', () => {
    expect(fileError('suppressions:\n  - match: {asn: 1, host: a.example}\n    reason: x\n')).toBe(
      'callaudit.yml: line 2: suppression 1 must match on exactly one of address, cidr, host or asn; got asn and host',
    )
    expect(fileError('suppressions:\n  - match: {}\n    reason: x\n')).toBe('callaudit.yml: line 2: suppression 1 must match on exactly one of address, cidr, host or asn; got none')
    expect(fileError('suppressions:\n  - match:\n      cidr: 10.0.0.1/8\n    reason: x\n')).toBe(
      'callaudit.yml: line 3: invalid CIDR "10.0.0.1/8" in suppression 1 (host bits set; did you mean 10.0.0.0/8?)',
    )
    expect(fileError('suppressions:\n  - match: {cidr: "2001:db8::/200"}\n    reason: x\n')).toBe(
      'callaudit.yml: line 2: invalid CIDR "2001:db8::/200" in suppression 1 (prefix must be 0-128 for IPv6)',
    )
    expect(fileError('suppressions:\n  - match: {address: 192.0.2.0/24}\n    reason: x\n')).toBe(
      'callaudit.yml: line 2: invalid address "192.0.2.0/24" in suppression 1 (a prefix: use cidr:)',
    )
    expect(fileError('suppressions:\n  - match: {address: 192.0.2}\n    reason: x\n')).toBe('callaudit.yml: line 2: invalid address "192.0.2" in suppression 1')
    expect(fileError('suppressions:\n  - match: {host: "*"}\n    reason: x\n')).toBe('callaudit.yml: line 2: invalid host pattern "*" in suppression 1 (matches every host name)')
    expect(fileError('suppressions:\n  - match: {host: "https://zoom.us"}\n    reason: x\n')).toBe(
      'callaudit.yml: line 2: invalid host pattern "https://zoom.us" in suppression 1 (character ":" cannot appear in a host name)',
    )
    expect(fileError('suppressions:\n  - match: {asn: ASX}\n    reason: x\n')).toBe('callaudit.yml: line 2: invalid ASN "ASX" in suppression 1 (expected a number such as 8075 or AS8075)')
    expect(fileError('suppressions:\n  - match: {asn: 4294967296}\n    reason: x\n')).toBe(
      'callaudit.yml: line 2: invalid ASN "4294967296" in suppression 1 (expected a number such as 8075 or AS8075)',
    )
    expect(fileError('suppressions:\n  - match: {host: 42}\n    reason: x\n')).toBe('callaudit.yml: line 2: suppression 1 host must be text; got the number 42')
    expect(fileError('suppressions:\n  - match: {asn: 1}\n    reason: x\n    rules: []\n')).toBe(
      'callaudit.yml: line 4: suppression 1 rules is empty (leave rules out to suppress every finding)',
    )
  })

  it('invalid YAML, with the line', () => {
    expect(fileError('home: DE\nhome: NL\n')).toBe('callaudit.yml: line 2: invalid YAML: map keys must be unique')
    expect(fileError('home: [DE\ndeny: CN\n')).toMatch(/^callaudit\.yml: line \d: invalid YAML: /)
    expect(fileError('home: DE\n---\nhome: NL\n')).toBe('callaudit.yml: line 2: invalid YAML: source contains multiple documents; please use YAML.parseAllDocuments()')
  })

  it('counts lines the same in files with a BOM and CRLF line ends', () => {
    expect(fileError('\uFEFFhome: DE\r\n\r\ndeny:\r\n  - XX\r\n')).toBe('callaudit.yml: line 4: unknown country "XX" in deny (did you mean XK?)')
  })

  it('flag errors name the flag', () => {
    expect(failure({deny: 'CN,XX'})).toBe('unknown country "XX" in --deny (did you mean XK?)')
    expect(failure({home: 'EU,-HU'})).toBe('unsupported exclusion "-HU" in --home (put HU in deny instead)')
    expect(failure({home: ' , '})).toBe('--home needs a country code or group (e.g. --home DE or --home EU)')
    expect(failure({'fail-on': 'severe'})).toBe('unknown severity "severe" in --fail-on (expected info, low, medium, high, critical or none)')
  })

  it('flags are checked even when the file is fine, and the file even when flags are fine', () => {
    write('callaudit.yml', 'home: DE\n')
    expect(failure({allow: 'ZZ'})).toBe('unknown country "ZZ" in --allow (did you mean ZA, ZM or ZW?)')
    write('callaudit.yml', 'home: DD\n')
    expect(failure({home: 'DE'})).toBe('callaudit.yml: line 1: withdrawn country code "DD" in home (German Democratic Republic until 1990; use DE)')
  })
})

describe('checkRuleIds', () => {
  it('passes known ids and names the line of an unknown one', () => {
    write('callaudit.yml', 'severity-overrides:\n  tls.no-ech: info\nsuppressions:\n  - match: {asn: 1}\n    reason: x\n    rules: [tls.no-ech, sni.tenant-nam]\n')
    const policy = loadPolicy({}, {cwd: dir})
    expect(() => checkRuleIds(policy, ['tls.no-ech', 'sni.tenant-nam', 'other'])).not.toThrow()
    let message = ''
    try {
      checkRuleIds(policy, ['tls.no-ech', 'sni.tenant-name-x'])
    } catch (error) {
      message = (error as PolicyInputError).oneLine()
    }
    expect(message).toBe('callaudit.yml: line 6: unknown rule id "sni.tenant-nam" in suppression 1 rules (did you mean sni.tenant-name-x?)')
    try {
      checkRuleIds(policy, ['tls.no-ecn', 'sni.tenant-nam'])
    } catch (error) {
      message = (error as PolicyInputError).oneLine()
    }
    expect(message).toBe('callaudit.yml: line 2: unknown rule id "tls.no-ech" in severity-overrides (did you mean tls.no-ecn?)')
  })
})
