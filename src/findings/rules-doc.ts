import {RULES} from './rules.js'

/** docs/rules.md, generated from the rule catalogue (`npm run docs:rules`). */
export function rulesMarkdown(): string {
  const lines = [
    '# Finding rules',
    '',
    '<!-- Generated from src/findings/rules.ts by `npm run docs:rules`; a test keeps it current. -->',
    '',
    'Each finding names its rule, carries evidence (flows, endpoints, frame numbers and times to open in',
    'Wireshark) and can be suppressed or re-rated in the policy file (`suppressions`,',
    '`severity-overrides`, see docs/policy.md). Severities: info < low < medium < high < critical;',
    '`--fail-on` (default high) decides the exit code.',
    '',
    '| id | title | default severity |',
    '|---|---|---|',
    ...RULES.map((r) => `| [${r.id}](#${r.id.toLowerCase()}) | ${r.title} | ${r.severity} |`),
    '',
  ]
  for (const r of RULES) {
    lines.push(`## ${r.id}`, '', `**${r.title}** — ${r.category}, ${r.severity}${r.severityNote ? ` (${r.severityNote})` : ''}.`, '', `Why: ${r.rationale}`, '', `What to do: ${r.remediation}`, '')
  }
  return lines.join('\n')
}
