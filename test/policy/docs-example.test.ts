import {readFileSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {loadPolicy} from '../../src/policy/load-policy.js'
import {judgeCountry, suppressionFor} from '../../src/policy/policy.js'
import {policyFlags} from '../../src/policy/flags.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

describe('docs/policy.md and examples/callaudit.yml', () => {
  it('the documented full example is the example file', () => {
    const doc = readFileSync(resolve(root, 'docs/policy.md'), 'utf8')
    const block = /<!-- example:start -->\n```yaml\n([\s\S]*?)```\n<!-- example:end -->/.exec(doc)
    expect(block).not.toBeNull()
    expect(block![1]).toBe(readFileSync(resolve(root, 'examples/callaudit.yml'), 'utf8'))
  })

  it('the example loads and means what its comments say', () => {
    const policy = loadPolicy({policy: 'examples/callaudit.yml'}, {cwd: root})
    expect(policy.specs.home).toEqual(['EU', 'CH'])
    expect(policy.allow).toEqual(['GB', 'NO'])
    expect(policy.failOn).toBe('high')
    expect(judgeCountry(policy, 'US', 'control', 'teams')).toMatchObject({verdict: 'denied', roleSeverity: 'critical'})
    expect(judgeCountry(policy, 'US', 'media', 'teams')).toMatchObject({verdict: 'allowed', decidedBy: 'apps.teams.allow'})
    expect(judgeCountry(policy, 'US', 'media', 'zoom')).toMatchObject({verdict: 'outside'})
    expect(judgeCountry(policy, 'US', 'telemetry')).toMatchObject({verdict: 'allowed', roleSeverity: 'low'})
    expect(suppressionFor(policy, {ip: '52.113.9.9'})?.reason).toBe('Microsoft Teams transport relays, accepted in the 2025 DPIA')
    expect(suppressionFor(policy, {hosts: ['ministry.zoom.us']}, 'CA-META-002')?.rule).toBe('host *.zoom.us')
    expect(suppressionFor(policy, {hosts: ['ministry.zoom.us']}, 'CA-META-001')).toBeUndefined()
    expect(policy.severityOverrides).toEqual({'CA-META-001': 'low', 'CA-META-003': 'info'})
    expect(suppressionFor(policy, {ip: '8.8.8.8', asn: 15169})?.rule).toBe('asn AS15169')
  })

  it('the documented flags exist, in the POLICY help group, without defaults', () => {
    expect(Object.keys(policyFlags)).toEqual(['home', 'allow', 'deny', 'fail-on', 'policy'])
    for (const flag of Object.values(policyFlags)) {
      expect(flag.helpGroup).toBe('POLICY')
      expect(flag.default).toBeUndefined()
      expect(flag.description!.length).toBeGreaterThan(30)
    }
    expect(policyFlags['fail-on'].options).toEqual(['info', 'low', 'medium', 'high', 'critical', 'none'])
  })
})
