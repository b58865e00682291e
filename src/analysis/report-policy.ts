import type {HomeResolution} from '../policy/infer-home.js'
import {type Origin, type Policy, type RoleRule, suppressionMatchText} from '../policy/policy.js'
import type {ReportCountryRule, ReportOrigin, ReportPolicy, ReportPolicySource} from '../report/report-model.js'

/**
 * The report's `policy`: the policy in effect as the user gave it (flags over the file over the
 * defaults) with the home decided for this capture: the lists, per-role and per-app rules,
 * suppressions with their rule scope and file line, overrides, the tokens as written and where
 * each part came from (docs/policy.md, "In the report"). Plain data in a fixed key order.
 */
export function reportPolicy(home: HomeResolution): ReportPolicy {
  const policy: Policy = home.policy
  return {
    home: [...policy.home],
    allow: [...policy.allow],
    deny: [...policy.deny],
    failOn: policy.failOn,
    homeState: home.state,
    roles: countryRules(policy.roles),
    apps: countryRules(policy.apps),
    notes: home.state === 'set' ? [...(home.note ? [home.note] : []), ...policy.notes] : [home.message, ...policy.notes.filter((n) => n !== home.message)],
    file: policy.source.file ?? null,
    suppressions: policy.suppressions.map((s) => ({
      match: suppressionMatchText(s.match),
      reason: s.reason,
      ...(s.rules ? {rules: [...s.rules]} : {}),
      ...(s.origin?.from === 'file' ? {line: s.origin.line} : {}),
    })),
    severityOverrides: {...policy.severityOverrides},
    specs: Object.fromEntries(Object.entries(policy.specs).map(([path, tokens]) => [path, [...tokens]])),
    source: policySource(policy),
  }
}

function countryRules(rules: Policy['roles'] | Policy['apps']): Record<string, ReportCountryRule> {
  const out: Record<string, ReportCountryRule> = {}
  for (const [name, rule] of Object.entries(rules as Record<string, RoleRule | undefined>)) {
    if (!rule) continue
    const copy: ReportCountryRule = {}
    if (rule.allow) copy.allow = [...rule.allow]
    if (rule.deny) copy.deny = [...rule.deny]
    if (rule.severity) copy.severity = rule.severity
    out[name] = copy
  }
  return out
}

function policySource(policy: Policy): ReportPolicySource {
  const s = policy.source
  const out: ReportPolicySource = {home: origin(s.home), allow: origin(s.allow), deny: origin(s.deny), failOn: origin(s.failOn)}
  if (s.roles) out.roles = origin(s.roles)
  if (s.apps) out.apps = origin(s.apps)
  if (s.suppressions) out.suppressions = origin(s.suppressions)
  if (s.severityOverrides) out.severityOverrides = origin(s.severityOverrides)
  return out
}

function origin(o: Origin): ReportOrigin {
  switch (o.from) {
    case 'flag':
      return {from: 'flag', flag: o.flag}
    case 'file':
      return {from: 'file', file: o.file, line: o.line}
    case 'inferred':
      return {from: 'inferred', detail: o.detail}
    default:
      return {from: 'default'}
  }
}
