import type {ReportCountryRule, ReportPolicy, ReportSuppression} from './report-model.js'

/**
 * The per-role and per-app rules of a report's policy, one text each, in the policy's order:
 * `roles.control: deny US; severity critical`, `apps.teams: allow US`. Lists are shown as the
 * user wrote them (`EU`, not its 27 codes) when the report has the spec. Plain text: each
 * renderer escapes it for its format.
 */
export function countryRuleTexts(policy: Pick<ReportPolicy, 'roles' | 'apps' | 'specs'>): string[] {
  const out: string[] = []
  for (const [kind, rules] of [['roles', policy.roles], ['apps', policy.apps]] as const) {
    for (const [name, rule] of Object.entries(rules as Record<string, ReportCountryRule>)) {
      const parts: string[] = []
      for (const list of ['allow', 'deny'] as const) {
        const codes = rule[list]
        if (codes === undefined) continue
        const tokens = policy.specs[`${kind}.${name}.${list}`] ?? codes
        parts.push(`${list} ${tokens.length ? tokens.join(', ') : 'none'}`)
      }
      if (rule.severity) parts.push(`severity ${rule.severity}`)
      out.push(`${kind}.${name}: ${parts.join('; ') || 'no rules'}`)
    }
  }
  return out
}

/** What a suppression applies to: `CA-META-002 only`, or `every rule`. */
export function suppressionScopeText(s: Pick<ReportSuppression, 'rules'>): string {
  return s.rules?.length ? `${s.rules.join(', ')} only` : 'every rule'
}
