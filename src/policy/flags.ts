/**
 * oclif flag definitions for the policy (analyze and any later command that judges), and the
 * glue from parsed flags to loadPolicy. No defaults here: loadPolicy must see which flags were
 * given to apply flags > file > defaults.
 */
import * as Flags from '@oclif/core/flags'
import {FAIL_ON_VALUES} from './policy.js'
import type {PolicyFlagValues} from './load-policy.js'

export const policyFlags = {
  home: Flags.string({
    helpGroup: 'POLICY',
    helpValue: 'CC,...',
    description: 'Home jurisdiction: ISO country codes and/or groups (EU, EEA, EFTA, SCHENGEN, FIVE_EYES, NINE_EYES, FOURTEEN_EYES, NATO, G7), comma-separated, e.g. --home DE or --home EU,CH. Default: home: in the policy file, else the vantage\'s country (said so in the report).',
  }),
  allow: Flags.string({
    helpGroup: 'POLICY',
    helpValue: 'CC,...',
    description: 'Countries or groups also permitted besides home, comma-separated. Replaces allow: from the policy file.',
  }),
  deny: Flags.string({
    helpGroup: 'POLICY',
    helpValue: 'CC,...',
    description: 'Countries or groups never permitted (critical findings), comma-separated; wins over home and allow. Replaces deny: from the policy file.',
  }),
  'fail-on': Flags.string({
    helpGroup: 'POLICY',
    options: [...FAIL_ON_VALUES],
    description: 'Exit with code 1 when a finding is at or above this severity (none: never). Default: fail-on: in the policy file, else high.',
  }),
  policy: Flags.string({
    helpGroup: 'POLICY',
    helpValue: 'FILE',
    description: 'Policy file (YAML, see docs/policy.md): home, allow, deny, fail-on, per-role and per-app rules, suppressions with reasons, severity overrides. Default: callaudit.yml or callaudit.yaml in the working directory, if present.',
  }),
}

/** The policy flags' values as oclif parses them, ready for loadPolicy. */
export function policyFlagValues(flags: Partial<Record<keyof typeof policyFlags, string | undefined>>): PolicyFlagValues {
  const out: PolicyFlagValues = {}
  for (const name of ['home', 'allow', 'deny', 'fail-on', 'policy'] as const) {
    const value = flags[name]
    if (value !== undefined) out[name] = value
  }
  return out
}
