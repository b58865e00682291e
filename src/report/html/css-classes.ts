import {ROLES, SEVERITIES} from '../../policy/policy.js'

/**
 * CSS class names from report values. Only known values become classes; anything else (a
 * report edited by hand, a future value) falls back to a neutral class, so a class attribute
 * never carries text from the capture.
 */

const SEVERITY_SET: ReadonlySet<string> = new Set(SEVERITIES)
const VERDICTS: ReadonlySet<string> = new Set(['home', 'allowed', 'outside', 'denied', 'unknown', 'unjudged', 'local'])
const ROLE_SET: ReadonlySet<string> = new Set(ROLES)

/** `sev-high`..., or `sev-none` for no or an unknown severity. */
export function severityClass(severity: string | null | undefined): string {
  return severity && SEVERITY_SET.has(severity) ? `sev-${severity}` : 'sev-none'
}

/** `v-outside`..., or `v-unknown`. */
export function verdictClass(verdict: string | null | undefined): string {
  return verdict && VERDICTS.has(verdict) ? `v-${verdict}` : 'v-unknown'
}

/** `role-media`..., or `role-other`. */
export function roleClass(role: string | null | undefined): string {
  return role && ROLE_SET.has(role) ? `role-${role}` : 'role-other'
}
