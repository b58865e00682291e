import {describe, expect, it} from 'vitest'
import {parsePolicyText, policyFromSources, type PolicyFlagValues} from '../../src/policy/load-policy.js'
import {
  compareSeverity,
  defaultPolicy,
  effectiveSeverity,
  failsPolicy,
  judgeCountry,
  MAX_JUDGEMENTS,
  severityRank,
  SEVERITIES,
  type Policy,
} from '../../src/policy/policy.js'

function policy(yaml: string, flags: PolicyFlagValues = {}): Policy {
  return policyFromSources(flags, parsePolicyText(yaml, 'callaudit.yml'))
}

const base = policy(`
home: [EU, CH]
allow: [FIVE_EYES]
deny: [CN, RU, HU]
roles:
  control:
    deny: [US]
    severity: critical
  telemetry:
    allow: [IN]
    severity: low
  dns:
    allow: [CN]
apps:
  teams:
    allow: [SG]
  zoom:
    deny: [CA]
    allow: [IN]
`)

describe('judgeCountry', () => {
  it('home: a home country, named with the group that holds it', () => {
    expect(judgeCountry(base, 'DE')).toEqual({verdict: 'home', country: 'DE', reason: 'DE is home (home lists EU)', decidedBy: 'home', token: 'EU'})
    expect(judgeCountry(base, 'CH', 'media', 'zoom')).toMatchObject({verdict: 'home', token: 'CH'})
  })

  it('allowed: in the global allow list', () => {
    expect(judgeCountry(base, 'US', 'media')).toEqual({verdict: 'allowed', country: 'US', reason: 'US is allowed (allow lists FIVE_EYES)', decidedBy: 'allow', token: 'FIVE_EYES'})
  })

  it('outside: in no list, the reason naming home and allow', () => {
    expect(judgeCountry(base, 'SG', 'media')).toEqual({verdict: 'outside', country: 'SG', reason: 'SG is outside home (EU, CH) and allow (FIVE_EYES)'})
  })

  it('denied: the global deny list, even for a home country', () => {
    expect(judgeCountry(base, 'CN', 'media')).toEqual({verdict: 'denied', country: 'CN', reason: 'CN is denied (deny lists CN)', decidedBy: 'deny', token: 'CN'})
    expect(judgeCountry(base, 'HU')).toMatchObject({verdict: 'denied', decidedBy: 'deny'}) // home: EU, deny: HU
  })

  it('unknown: no code, or not a country', () => {
    expect(judgeCountry(base, undefined)).toEqual({verdict: 'unknown', reason: 'country unknown'})
    expect(judgeCountry(base, '')).toEqual({verdict: 'unknown', reason: 'country unknown'})
    expect(judgeCountry(base, 'EU')).toEqual({verdict: 'unknown', reason: '"EU" is not a country code'})
    expect(judgeCountry(base, 'ZZ')).toMatchObject({verdict: 'unknown'})
  })

  it('takes codes in any case and the UK alias', () => {
    expect(judgeCountry(base, 'de')).toMatchObject({verdict: 'home', country: 'DE'})
    expect(judgeCountry(base, 'uk')).toMatchObject({verdict: 'allowed', country: 'GB'})
  })

  it('per-role deny beats the global allow, and carries the role severity', () => {
    expect(judgeCountry(base, 'US', 'control')).toEqual({
      verdict: 'denied',
      country: 'US',
      reason: 'US is denied for control traffic (roles.control.deny lists US)',
      decidedBy: 'roles.control.deny',
      token: 'US',
      roleSeverity: 'critical',
    })
    // the same country for another role is still allowed globally
    expect(judgeCountry(base, 'US', 'media')).toMatchObject({verdict: 'allowed', decidedBy: 'allow'})
  })

  it('per-role allow: allowed for that role only', () => {
    expect(judgeCountry(base, 'IN', 'telemetry')).toEqual({
      verdict: 'allowed',
      country: 'IN',
      reason: 'IN is allowed for telemetry traffic (roles.telemetry.allow lists IN)',
      decidedBy: 'roles.telemetry.allow',
      token: 'IN',
      roleSeverity: 'low',
    })
    expect(judgeCountry(base, 'IN', 'media')).toMatchObject({verdict: 'outside'})
  })

  it('per-role allow overrides the global deny (the more specific rule wins)', () => {
    expect(judgeCountry(base, 'CN', 'dns')).toMatchObject({verdict: 'allowed', decidedBy: 'roles.dns.allow'})
    expect(judgeCountry(base, 'CN', 'media')).toMatchObject({verdict: 'denied', decidedBy: 'deny'})
  })

  it('per-app allow and deny', () => {
    expect(judgeCountry(base, 'SG', 'media', 'teams')).toEqual({
      verdict: 'allowed',
      country: 'SG',
      reason: 'SG is allowed for teams (apps.teams.allow lists SG)',
      decidedBy: 'apps.teams.allow',
      token: 'SG',
    })
    expect(judgeCountry(base, 'SG', 'media', 'zoom')).toMatchObject({verdict: 'outside'})
    expect(judgeCountry(base, 'CA', 'media', 'zoom')).toMatchObject({verdict: 'denied', decidedBy: 'apps.zoom.deny', reason: 'CA is denied for zoom (apps.zoom.deny lists CA)'})
    expect(judgeCountry(base, 'CA', 'media', 'teams')).toMatchObject({verdict: 'allowed', decidedBy: 'allow'})
  })

  it('takes app names as src/apps spells them (google-meet is meet)', () => {
    const p = policy('home: [DE]\napps:\n  meet:\n    allow: [US]\n')
    expect(judgeCountry(p, 'US', 'media', 'google-meet')).toMatchObject({verdict: 'allowed', decidedBy: 'apps.meet.allow', reason: 'US is allowed for meet (apps.meet.allow lists US)'})
    expect(judgeCountry(p, 'US', 'media', 'Meet')).toMatchObject({verdict: 'allowed'})
    expect(judgeCountry(p, 'US', 'media', 'zoom')).toMatchObject({verdict: 'outside'})
  })

  it('a specific deny beats a specific allow (role deny vs app allow)', () => {
    const p = policy('home: [DE]\nroles:\n  control:\n    deny: [SG]\napps:\n  teams:\n    allow: [SG]\n')
    expect(judgeCountry(p, 'SG', 'control', 'teams')).toMatchObject({verdict: 'denied', decidedBy: 'roles.control.deny'})
    expect(judgeCountry(p, 'SG', 'media', 'teams')).toMatchObject({verdict: 'allowed', decidedBy: 'apps.teams.allow'})
  })

  it('a home country listed by a role allow stays home', () => {
    const p = policy('home: [DE]\nroles:\n  media:\n    allow: [DE, US]\n')
    expect(judgeCountry(p, 'DE', 'media')).toMatchObject({verdict: 'home', decidedBy: 'home'})
  })

  it('outside names role and app allow lists that did not help', () => {
    const p = policy('home: [DE]\nroles:\n  media:\n    allow: [US]\napps:\n  zoom:\n    allow: [NL]\n')
    expect(judgeCountry(p, 'SG', 'media', 'zoom').reason).toBe('SG is outside home (DE) and roles.media.allow (US) and apps.zoom.allow (NL)')
  })

  it('ignores unknown roles and apps rather than matching another rule', () => {
    expect(judgeCountry(base, 'US', 'signalling', 'skype')).toMatchObject({verdict: 'allowed', decidedBy: 'allow'})
    expect(judgeCountry(base, 'US', undefined, undefined)).toMatchObject({verdict: 'allowed'})
  })

  it('remembers each (country, role, app) apart, also past the number of judgements it keeps', () => {
    const p = policy('home: [DE]\nroles:\n  control:\n    deny: [US]\napps:\n  zoom:\n    allow: [US]\n')
    const expected: Array<[string | undefined, string | undefined, string]> = [
      [undefined, undefined, 'outside'],
      ['control', undefined, 'denied'],
      ['control', 'zoom', 'denied'],
      ['media', 'zoom', 'allowed'],
      ['media', undefined, 'outside'],
      [undefined, 'zoom', 'allowed'],
    ]
    const check = () => {
      for (const [role, app, verdict] of expected) expect(judgeCountry(p, 'US', role, app).verdict).toBe(verdict)
    }
    check()
    check()
    // More distinct questions than the memo keeps: it starts afresh, and answers stay right.
    for (let i = 0; i <= MAX_JUDGEMENTS; i++) expect(judgeCountry(p, `X${i}`, 'media').reason).toBe(`"X${i}" is not a country code`)
    check()
  })

  it('unjudged: without a home, countries no list names are only reported', () => {
    const p = policy('deny: [CN]\nallow: [US]\n')
    expect(judgeCountry(p, 'SG')).toEqual({verdict: 'unjudged', country: 'SG', reason: 'no home set: SG is reported without judging'})
    expect(judgeCountry(p, 'CN')).toMatchObject({verdict: 'denied'})
    expect(judgeCountry(p, 'US')).toMatchObject({verdict: 'allowed'})
  })

  it('is deterministic: same policy and input, identical judgement', () => {
    const a = JSON.stringify(['DE', 'US', 'CN', 'SG', 'IN'].map((c) => judgeCountry(base, c, 'telemetry', 'zoom')))
    const again = policy(`
home: [CH, EU]
allow: [FIVE_EYES]
deny: [HU, RU, CN]
roles:
  dns:
    allow: [CN]
  telemetry:
    severity: low
    allow: [IN]
  control:
    severity: critical
    deny: [US]
apps:
  zoom:
    allow: [IN]
    deny: [CA]
  teams:
    allow: [SG]
`)
    const b = JSON.stringify(['DE', 'US', 'CN', 'SG', 'IN'].map((c) => judgeCountry(again, c, 'telemetry', 'zoom')))
    // only the spec order (home: [CH, EU]) may differ in reasons; verdicts and codes may not
    expect(JSON.parse(b).map((j: {verdict: string}) => j.verdict)).toEqual(JSON.parse(a).map((j: {verdict: string}) => j.verdict))
    expect(JSON.stringify(again.roles)).toBe(JSON.stringify(base.roles))
    expect(JSON.stringify(again.apps)).toBe(JSON.stringify(base.apps))
    expect(again.deny).toEqual(base.deny)
    expect(again.home).toEqual(base.home)
  })
})

describe('severities', () => {
  it('order info < low < medium < high < critical', () => {
    expect(SEVERITIES).toEqual(['info', 'low', 'medium', 'high', 'critical'])
    expect(severityRank('info')).toBe(0)
    expect(severityRank('critical')).toBe(4)
    expect(compareSeverity('low', 'high')).toBeLessThan(0)
    expect(compareSeverity('critical', 'medium')).toBeGreaterThan(0)
    expect(compareSeverity('high', 'high')).toBe(0)
  })

  it('failsPolicy: at or above fail-on; none never fails', () => {
    const p = defaultPolicy()
    expect(p.failOn).toBe('high')
    expect(failsPolicy(p, 'medium')).toBe(false)
    expect(failsPolicy(p, 'high')).toBe(true)
    expect(failsPolicy(p, 'critical')).toBe(true)
    expect(failsPolicy({failOn: 'info'}, 'info')).toBe(true)
    expect(failsPolicy({failOn: 'none'}, 'critical')).toBe(false)
  })

  it('effectiveSeverity: the override for the rule, else the fallback', () => {
    const p = policy('severity-overrides:\n  tls.no-ech: info\n  dns.cleartext: critical\n')
    expect(effectiveSeverity(p, 'tls.no-ech', 'medium')).toBe('info')
    expect(effectiveSeverity(p, 'dns.cleartext', 'low')).toBe('critical')
    expect(effectiveSeverity(p, 'stun.private-address', 'high')).toBe('high')
    expect(effectiveSeverity(p, 'constructor', 'low')).toBe('low') // not an inherited property
  })
})
