import {describe, expect, it} from 'vitest'
import type {Report} from '../../src/report/report-model.js'
import {runCli} from '../helpers/run-cli.js'

/**
 * The report's `policy` says what the policy was (docs/policy.md, "In the report"): the lists,
 * role and app rules, suppressions with their rule scope and file line, overrides, the tokens
 * as written and where each part came from, through the real CLI as a user runs it.
 */
describe('analyze --json: the policy in effect', () => {
  it('carries roles, apps, specs, source, and suppressions with their rules and lines', async () => {
    const run = await runCli(['analyze', 'fixtures/demo-jakarta-call.pcapng', '--policy', 'examples/callaudit.yml', '--fail-on', 'none', '--json', '--no-system-geoip'])
    expect(run.code).toBe(0)
    const p = (JSON.parse(run.stdout) as Report).policy
    const file = 'examples/callaudit.yml'
    expect(p.roles).toEqual({control: {deny: ['US'], severity: 'critical'}, telemetry: {allow: ['US'], severity: 'low'}, dns: {allow: ['US']}})
    expect(p.apps).toEqual({teams: {allow: ['US']}})
    expect(p.suppressions).toEqual([
      {match: 'cidr 52.112.0.0/14', reason: 'Microsoft Teams transport relays, accepted in the 2025 DPIA', line: 36},
      // Limited to one rule: the report says so, rather than showing a blanket suppression.
      {match: 'host *.zoom.us', reason: 'Zoom tenant names are not secret for this organisation', rules: ['CA-META-002'], line: 38},
      {match: 'asn AS15169', reason: 'Google public DNS, used on purpose by the test laptop', line: 41},
      {match: 'address 2001:db8::53', reason: 'the lab resolver', line: 43},
    ])
    expect(p.severityOverrides).toEqual({'CA-META-001': 'low', 'CA-META-003': 'info'})
    expect(p.specs).toEqual({
      allow: ['NO', 'GB'],
      'apps.teams.allow': ['US'],
      deny: ['CN', 'RU', 'IR'],
      home: ['EU', 'CH'],
      'roles.control.deny': ['US'],
      'roles.dns.allow': ['US'],
      'roles.telemetry.allow': ['US'],
    })
    expect(p.source).toEqual({
      home: {from: 'file', file, line: 7},
      allow: {from: 'file', file, line: 8},
      deny: {from: 'file', file, line: 9},
      failOn: {from: 'flag', flag: '--fail-on'},
      roles: {from: 'file', file, line: 16},
      apps: {from: 'file', file, line: 28},
      suppressions: {from: 'file', file, line: 35},
      severityOverrides: {from: 'file', file, line: 47},
    })
    // --fail-on replaced the file's fail-on: noted, as --home, --allow and --deny are.
    expect(p.failOn).toBe('none')
    expect(p.notes).toContain(`--fail-on replaces fail-on from ${file} (high)`)
  })

  it('without a file: empty rules, the defaults and the inferred home as their sources', async () => {
    const run = await runCli(['analyze', 'fixtures/demo-jakarta-call.pcapng', '--deny', 'five-eyes', '--json', '--no-system-geoip'])
    const p = (JSON.parse(run.stdout) as Report).policy
    expect(p.roles).toEqual({})
    expect(p.apps).toEqual({})
    expect(p.suppressions).toEqual([])
    expect(p.specs).toEqual({deny: ['FIVE_EYES'], home: ['ID']})
    expect(p.source).toEqual({
      home: {from: 'inferred', detail: "home inferred from the vantage's public address 36.84.217.46 (geolocated ID, Indonesia)"},
      allow: {from: 'default'},
      deny: {from: 'flag', flag: '--deny'},
      failOn: {from: 'default'},
    })
  })
})
