/**
 * The policy model and the judgements made with it: which countries are home, allowed or
 * denied (globally, per role, per app), which endpoints are suppressed and why, and rule
 * severities. A Policy is plain JSON-able data (the report embeds it); compiled matchers are
 * cached beside it. Every function here is pure and deterministic.
 */
import {COUNTRY_GROUPS, resolveCountryToken} from './countries.js'
import {compileHostGlob, hostGlobMatches, type HostGlob} from './host-glob.js'
import {cidrContains, formatCidr, parseCidr, parseIpAddress, type CidrValue, type IpValue} from './ip-match.js'

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

/** `--fail-on` values: a severity, or `none` (never fail because of findings). */
export const FAIL_ON_VALUES = [...SEVERITIES, 'none'] as const
export type FailOn = (typeof FAIL_ON_VALUES)[number]

export const DEFAULT_FAIL_ON: FailOn = 'high'

export const ROLES = ['media', 'relay', 'vpn', 'control', 'telemetry', 'web', 'dns', 'lan', 'other'] as const
export type Role = (typeof ROLES)[number]

export const APPS = ['zoom', 'teams', 'webex', 'meet', 'jitsi', 'whatsapp', 'signal', 'telegram', 'facetime', 'discord', 'slack', 'webrtc'] as const
export type AppId = (typeof APPS)[number]

/** Other names for apps, as src/apps spells them (`google-meet`), mapped to the policy's ids. */
export const APP_ALIASES: Readonly<Record<string, AppId>> = {'google-meet': 'meet'}

/** The policy's id for an app name (`google-meet` → `meet`), undefined for apps it has no rules for. */
export function policyAppId(app: string | undefined): AppId | undefined {
  if (app === undefined) return undefined
  const lower = app.toLowerCase()
  return (APPS as readonly string[]).includes(lower) ? (lower as AppId) : APP_ALIASES[lower]
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)
}

export function isFailOn(value: unknown): value is FailOn {
  return typeof value === 'string' && (FAIL_ON_VALUES as readonly string[]).includes(value)
}

/** 0 (info) .. 4 (critical). */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity)
}

/** Negative when a is less severe than b: sorts info first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return severityRank(a) - severityRank(b)
}

/** Whether a finding of this severity makes the run fail (exit code 1) under the policy. */
export function failsPolicy(policy: Pick<Policy, 'failOn'>, severity: Severity): boolean {
  return policy.failOn !== 'none' && severityRank(severity) >= severityRank(policy.failOn)
}

/** Where a part of the policy came from. */
export type Origin =
  | {from: 'flag'; flag: string}
  | {from: 'file'; file: string; line: number}
  | {from: 'default'}
  | {from: 'inferred'; detail: string}

export interface CountryRule {
  /** Sorted alpha-2 codes. */
  allow?: string[]
  deny?: string[]
}

export interface RoleRule extends CountryRule {
  /** Severity of this role's traffic outside the policy (the jurisdiction rules' default). */
  severity?: Severity
}

export type SuppressionMatch = {address: string} | {cidr: string} | {host: string} | {asn: number}

export interface Suppression {
  match: SuppressionMatch
  /** Why the match is accepted; mandatory, repeated by the report. */
  reason: string
  /** Only these rule ids are suppressed; absent: every finding about the endpoint. */
  rules?: string[]
  origin?: Origin
}

export interface PolicySources {
  /** The policy file read, as named to the user (the --policy argument, or callaudit.yml). */
  file?: string
  home: Origin
  allow: Origin
  deny: Origin
  failOn: Origin
  roles?: Origin
  apps?: Origin
  suppressions?: Origin
  severityOverrides?: Origin
  /** File line of each rule id the file names: `severity-overrides.<id>`, `suppressions.<i>.rules.<id>`. */
  lines?: Record<string, number>
}

export interface Policy {
  /** Home jurisdiction: sorted codes; empty when none is set (see inferHome). */
  home: string[]
  allow: string[]
  deny: string[]
  failOn: FailOn
  roles: Partial<Record<Role, RoleRule>>
  apps: Partial<Record<AppId, CountryRule>>
  suppressions: Suppression[]
  /** Rule id → severity, the final word on a rule's severity. */
  severityOverrides: Record<string, Severity>
  /** Tokens as written (canonical spelling) per list path: `home`, `deny`, `roles.media.allow`, ... */
  specs: Record<string, string[]>
  /** Things the reader should know about how the policy was read (aliases, replaced lists). */
  notes: string[]
  source: PolicySources
}

/** The policy in effect when nothing is given: no home (inferred later), fail on high. */
export function defaultPolicy(): Policy {
  return {
    home: [],
    allow: [],
    deny: [],
    failOn: DEFAULT_FAIL_ON,
    roles: {},
    apps: {},
    suppressions: [],
    severityOverrides: {},
    specs: {},
    notes: [],
    source: {home: {from: 'default'}, allow: {from: 'default'}, deny: {from: 'default'}, failOn: {from: 'default'}},
  }
}

// ---------------------------------------------------------------------------------------------
// Countries

/** The lists a policy judges countries with, as the Policy and the report's policy hold them. */
export interface CountryLists {
  allow: readonly string[]
  deny: readonly string[]
  roles: Readonly<Record<string, CountryRule | undefined>>
  apps: Readonly<Record<string, CountryRule | undefined>>
}

/**
 * Whether any deny or allow list (global, per role, per app) names a country: without a home
 * those countries are still judged (denied, allowed), the others only reported.
 */
export function namesCountries(p: CountryLists): boolean {
  if (p.allow.length > 0 || p.deny.length > 0) return true
  for (const rules of [p.roles, p.apps]) {
    for (const rule of Object.values(rules)) if ((rule?.allow?.length ?? 0) > 0 || (rule?.deny?.length ?? 0) > 0) return true
  }
  return false
}

export type Verdict = 'home' | 'allowed' | 'outside' | 'denied' | 'unknown' | 'unjudged'

export interface Judgement {
  /**
   * home / allowed / denied: the policy placed the country; outside: not home and not allowed;
   * unknown: no usable country code; unjudged: no home is set, so the country is only reported.
   */
  verdict: Verdict
  /** Upper-case code judged (absent when unknown). */
  country?: string
  /** One sentence naming the list that decided: `CN is denied (deny lists CN)`. */
  reason: string
  /** Policy path that decided: `home`, `allow`, `deny`, `roles.media.deny`, `apps.zoom.allow`. */
  decidedBy?: string
  /** The token of that list that holds the country (`EU` for DE in `home: EU`). */
  token?: string
  /** The role's severity override, for the jurisdiction rules to use on outside verdicts. */
  roleSeverity?: Severity
}

/**
 * Judge a country for traffic of a role and app. Order: a role or app deny (denied), a role or
 * app allow (allowed, or home when home and not denied), the global deny (denied, even a home
 * country: `home: EU` with `deny: HU`), home, the global allow, else outside. The most specific
 * rule wins, and deny wins at equal specificity. Without a home, countries not named by a list
 * are unjudged.
 */
export function judgeCountry(policy: Policy, country: string | undefined, role?: Role | string, app?: AppId | string): Judgement {
  // Pure in its arguments and asked once per flow: a capture of 100 k flows has a few hundred
  // distinct (country, role, app). The answer is shared, so it is frozen. Looked up argument by
  // argument: a key string made per call cost more than the lookup.
  let memo = judgements.get(policy)
  if (!memo) judgements.set(policy, (memo = {byCountry: new Map(), size: 0}))
  const known = memo.byCountry.get(country)?.get(role)?.get(app)
  if (known) return known
  if (memo.size >= MAX_JUDGEMENTS) {
    memo.byCountry.clear()
    memo.size = 0
  }
  const judgement = Object.freeze(judgeCountryOnce(policy, country, role, app))
  let byRole = memo.byCountry.get(country)
  if (!byRole) memo.byCountry.set(country, (byRole = new Map()))
  let byApp = byRole.get(role)
  if (!byApp) byRole.set(role, (byApp = new Map()))
  byApp.set(app, judgement)
  memo.size++
  return judgement
}

/** Judgements made with one policy, by country, role and app; `size` counts them. */
interface JudgementMemo {
  byCountry: Map<string | undefined, Map<string | undefined, Map<string | undefined, Judgement>>>
  size: number
}

/** Judgements kept per policy: past this many the memo starts afresh. */
export const MAX_JUDGEMENTS = 4096
const judgements = new WeakMap<Policy, JudgementMemo>()

function judgeCountryOnce(policy: Policy, country: string | undefined, role?: Role | string, app?: AppId | string): Judgement {
  const roleRule = role !== undefined && (ROLES as readonly string[]).includes(role) ? policy.roles[role as Role] : undefined
  const appId = policyAppId(app)
  const appRule = appId === undefined ? undefined : policy.apps[appId]
  const roleSeverity = roleRule?.severity
  const extra = roleSeverity === undefined ? {} : {roleSeverity}
  const code = normalizeCountry(country)
  if (code === undefined) {
    const reason = country === undefined || country.trim() === '' ? 'country unknown' : `"${country}" is not a country code`
    return {verdict: 'unknown', reason, ...extra}
  }

  const decided = (verdict: Verdict, path: string, qualifier: string): Judgement => {
    const token = tokenFor(policy, path, code)
    const verb = verdict === 'home' ? 'home' : verdict
    return {verdict, country: code, reason: `${code} is ${verb}${qualifier} (${path} lists ${token})`, decidedBy: path, token, ...extra}
  }

  const specific: Array<[string, CountryRule | undefined, string]> = [
    [`roles.${role}`, roleRule, ` for ${role} traffic`],
    [`apps.${appId}`, appRule, ` for ${appId}`],
  ]
  for (const [path, rule, qualifier] of specific) {
    if (rule?.deny?.includes(code)) return decided('denied', `${path}.deny`, qualifier)
  }
  for (const [path, rule, qualifier] of specific) {
    if (rule?.allow?.includes(code)) {
      if (policy.home.includes(code) && !policy.deny.includes(code)) return decided('home', 'home', '')
      return decided('allowed', `${path}.allow`, qualifier)
    }
  }
  if (policy.deny.includes(code)) return decided('denied', 'deny', '')
  if (policy.home.includes(code)) return decided('home', 'home', '')
  if (policy.allow.includes(code)) return decided('allowed', 'allow', '')
  if (policy.home.length === 0) {
    return {verdict: 'unjudged', country: code, reason: `no home set: ${code} is reported without judging`, ...extra}
  }
  const lists = [`home (${specText(policy, 'home')})`]
  if (policy.allow.length > 0) lists.push(`allow (${specText(policy, 'allow')})`)
  for (const [path, rule] of specific) {
    if (rule?.allow !== undefined && rule.allow.length > 0) lists.push(`${path}.allow (${specText(policy, `${path}.allow`)})`)
  }
  return {verdict: 'outside', country: code, reason: `${code} is outside ${lists.join(' and ')}`, ...extra}
}

function normalizeCountry(country: string | undefined): string | undefined {
  if (country === undefined) return undefined
  const resolved = resolveCountryToken(country)
  return resolved.kind === 'country' ? resolved.codes[0] : undefined
}

function specText(policy: Policy, path: string): string {
  return (policy.specs[path] ?? listAt(policy, path) ?? []).join(', ')
}

function listAt(policy: Policy, path: string): string[] | undefined {
  if (path === 'home' || path === 'allow' || path === 'deny') return policy[path]
  const [kind, name, list] = path.split('.') as [string, string, 'allow' | 'deny']
  const rules = (kind === 'roles' ? policy.roles : policy.apps) as Record<string, CountryRule | undefined>
  return rules[name]?.[list]
}

/** The first token of a list's spec that holds the code (a group or the code itself). */
function tokenFor(policy: Policy, path: string, code: string): string {
  for (const token of policy.specs[path] ?? []) {
    if (token === code) return token
    if (COUNTRY_GROUPS.get(token)?.members.includes(code)) return token
  }
  return code
}

// ---------------------------------------------------------------------------------------------
// Suppressions

export interface SuppressionTarget {
  /** The endpoint's address. */
  ip?: string
  /** Names seen for it: SNI, DNS answers, certificate names. */
  hosts?: readonly string[]
  asn?: number
}

export interface SuppressionHit {
  reason: string
  /** The match in words: `cidr 52.112.0.0/14`, `host *.zoom.us`, `asn AS8075`, `address 192.0.2.7`. */
  rule: string
  /** What matched it: the address, the host name, or `AS8075`. */
  matched: string
  /** Position in the policy's suppression list (0-based). */
  index: number
  origin?: Origin
}

/** A suppression's match in words, as the report shows it and names what suppressed a finding:
 * `address 192.0.2.7`, `cidr 52.112.0.0/14`, `host *.zoom.us`, `asn AS8075`. */
export function suppressionMatchText(match: SuppressionMatch): string {
  if ('address' in match) return `address ${match.address}`
  if ('cidr' in match) return `cidr ${match.cidr}`
  if ('host' in match) return `host ${match.host}`
  return `asn AS${match.asn}`
}

type CompiledSuppression =
  | {kind: 'address'; ip: IpValue; text: string}
  | {kind: 'cidr'; cidr: CidrValue; text: string}
  | {kind: 'host'; glob: HostGlob}
  | {kind: 'asn'; asn: number}
  | {kind: 'invalid'}

const compiledCache = new WeakMap<readonly Suppression[], CompiledSuppression[]>()

function compileSuppressions(list: readonly Suppression[]): CompiledSuppression[] {
  let compiled = compiledCache.get(list)
  if (compiled) return compiled
  compiled = list.map((s): CompiledSuppression => {
    const m = s.match
    if ('address' in m) {
      const ip = parseIpAddress(m.address)
      return ip ? {kind: 'address', ip, text: m.address} : {kind: 'invalid'}
    }
    if ('cidr' in m) {
      const parsed = parseCidr(m.cidr)
      return 'cidr' in parsed ? {kind: 'cidr', cidr: parsed.cidr, text: formatCidr(parsed.cidr)} : {kind: 'invalid'}
    }
    if ('host' in m) {
      const parsed = compileHostGlob(m.host)
      return 'glob' in parsed ? {kind: 'host', glob: parsed.glob} : {kind: 'invalid'}
    }
    return {kind: 'asn', asn: m.asn}
  })
  compiledCache.set(list, compiled)
  return compiled
}

/**
 * The first suppression (in policy order) matching the endpoint, or undefined. With a rule id,
 * suppressions limited to other rules are skipped; without one, only unlimited suppressions
 * count. Address and CIDR matches compare IPv4-mapped IPv6 as IPv4; host patterns are tried
 * against every name; ASN matches the endpoint's AS number.
 */
export function suppressionFor(policy: Pick<Policy, 'suppressions'>, target: SuppressionTarget, ruleId?: string): SuppressionHit | undefined {
  const compiled = compileSuppressions(policy.suppressions)
  const ip = target.ip === undefined ? undefined : parseIpAddress(target.ip)
  for (let index = 0; index < compiled.length; index++) {
    const suppression = policy.suppressions[index]!
    if (suppression.rules !== undefined && (ruleId === undefined || !suppression.rules.includes(ruleId))) continue
    const c = compiled[index]!
    let rule: string | undefined
    let matched: string | undefined
    if (c.kind === 'address' && ip && ip.version === c.ip.version && ip.value === c.ip.value) {
      rule = `address ${c.text}`
      matched = target.ip
    } else if (c.kind === 'cidr' && ip && cidrContains(c.cidr, ip)) {
      rule = `cidr ${c.text}`
      matched = target.ip
    } else if (c.kind === 'host') {
      const name = target.hosts?.find((h) => hostGlobMatches(c.glob, h))
      if (name !== undefined) {
        rule = `host ${c.glob.pattern}`
        matched = name
      }
    } else if (c.kind === 'asn' && target.asn === c.asn) {
      rule = `asn AS${c.asn}`
      matched = `AS${c.asn}`
    }
    if (rule !== undefined && matched !== undefined) {
      return {reason: suppression.reason, rule, matched, index, ...(suppression.origin ? {origin: suppression.origin} : {})}
    }
  }
  return undefined
}

/**
 * The suppression of a finding about `names` rather than an endpoint (CA-META-002's tenant
 * names, the names CA-META-001 saw asked in clear, the server names CA-META-003 saw): found when
 * every name is matched by a host entry (one pattern, or several: `*.zoom.us` and `zoom.us`).
 * A finding that also names something no entry covers is about that too, and stays. Of the
 * entries that matched, the first in policy order is the one reported. Rule limits as in
 * suppressionFor. Undefined for an empty list.
 */
export function hostSuppressionForNames(policy: Pick<Policy, 'suppressions'>, names: readonly string[], ruleId?: string): SuppressionHit | undefined {
  if (names.length === 0) return undefined
  const compiled = compileSuppressions(policy.suppressions)
  let first: {index: number; glob: HostGlob; name: string} | undefined
  for (const name of names) {
    let found: {index: number; glob: HostGlob} | undefined
    for (let index = 0; index < compiled.length && found === undefined; index++) {
      const suppression = policy.suppressions[index]!
      if (suppression.rules !== undefined && (ruleId === undefined || !suppression.rules.includes(ruleId))) continue
      const c = compiled[index]!
      if (c.kind === 'host' && hostGlobMatches(c.glob, name)) found = {index, glob: c.glob}
    }
    if (found === undefined) return undefined
    if (first === undefined || found.index < first.index) first = {...found, name}
  }
  const suppression = policy.suppressions[first!.index]!
  return {reason: suppression.reason, rule: `host ${first!.glob.pattern}`, matched: first!.name, index: first!.index, ...(suppression.origin ? {origin: suppression.origin} : {})}
}

// ---------------------------------------------------------------------------------------------
// Severities

/**
 * A rule's severity under the policy: `severity-overrides` for the rule if set, else the
 * fallback (the rule's default, or for jurisdiction rules the judgement's roleSeverity).
 */
export function effectiveSeverity(policy: Pick<Policy, 'severityOverrides'>, ruleId: string, fallback: Severity): Severity {
  return Object.hasOwn(policy.severityOverrides, ruleId) ? policy.severityOverrides[ruleId]! : fallback
}
