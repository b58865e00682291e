import {describe, expect, it} from 'vitest'
import {inferHome} from '../../src/policy/infer-home.js'
import {judgeCountry} from '../../src/policy/policy.js'
import {parsePolicyText, policyFromSources} from '../../src/policy/load-policy.js'

const noHome = policyFromSources({deny: 'CN'}, undefined)
const withHome = policyFromSources({home: 'EU'}, undefined)
const publicAddress = "the vantage's public address 203.0.113.7"

describe('inferHome', () => {
  it('takes the vantage\'s geolocated country and says so', () => {
    const result = inferHome(noHome, {country: 'ID', source: publicAddress})
    expect(result.state).toBe('inferred')
    expect(result.message).toBe("home inferred from the vantage's public address 203.0.113.7 (geolocated ID, Indonesia)")
    expect(result.policy.home).toEqual(['ID'])
    expect(result.policy.specs.home).toEqual(['ID'])
    expect(result.policy.source.home).toEqual({from: 'inferred', detail: result.message})
    expect(result.policy.notes).toEqual([result.message])
    expect(result.policy.deny).toEqual(['CN'])
    // the input policy is left as it was
    expect(noHome.home).toEqual([])
    expect(noHome.notes).toEqual([])
    // and the inferred home is used for judging
    expect(judgeCountry(result.policy, 'ID').verdict).toBe('home')
    expect(judgeCountry(result.policy, 'SG').verdict).toBe('outside')
    expect(judgeCountry(noHome, 'SG').verdict).toBe('unjudged')
  })

  it('a vantage country given by the user is not called geolocated', () => {
    const result = inferHome(noHome, {country: 'id', source: '--vantage ID', method: 'given'})
    expect(result.message).toBe('home inferred from --vantage ID (ID, Indonesia)')
    expect(result.policy.home).toEqual(['ID'])
  })

  it('leaves a set home alone, noting a vantage outside it', () => {
    expect(inferHome(withHome, {country: 'DE', source: publicAddress})).toEqual({state: 'set', policy: withHome})
    expect(inferHome(withHome, undefined)).toEqual({state: 'set', policy: withHome})
    expect(inferHome(withHome, {country: 'US', source: publicAddress})).toEqual({
      state: 'set',
      policy: withHome,
      note: "the vantage (the vantage's public address 203.0.113.7) is in US, outside home (EU)",
    })
  })

  it('without a usable vantage country: unjudged, telling how to set a home', () => {
    const hint = 'set one with --home CC (a country code or a group such as EU) or home: in callaudit.yml'
    // noHome denies CN: deny still judges the countries it names, and the message says so.
    const some = 'countries that deny and allow do not name are reported without judging'
    const none = inferHome(noHome, undefined)
    expect(none).toEqual({state: 'unjudged', policy: noHome, message: `no home jurisdiction and no vantage location: ${some}; ${hint}`})
    const unplaced = inferHome(noHome, {source: publicAddress})
    expect(unplaced.state).toBe('unjudged')
    expect(unplaced.message).toBe(`no home jurisdiction: the vantage's public address 203.0.113.7 has no known country; ${some}; ${hint}`)
    const notCountry = inferHome(noHome, {country: 'EU', source: publicAddress})
    expect(notCountry.state).toBe('unjudged')
    expect(notCountry.message).toBe(`no home jurisdiction: the vantage's public address 203.0.113.7 is placed in "EU", which is not a country; ${some}; ${hint}`)
    expect(notCountry.policy.home).toEqual([])
    // No list at all: no country is judged.
    expect(inferHome(policyFromSources({}, undefined), undefined).message).toBe(`no home jurisdiction and no vantage location: countries are reported without judging; ${hint}`)
    // A role's or an app's list counts as well as the global ones.
    for (const text of ['allow: [DE]\n', 'roles:\n  control: {deny: [US]}\n', 'apps:\n  zoom: {allow: [US]}\n']) {
      const withLists = policyFromSources({}, parsePolicyText(text, 'callaudit.yml'))
      expect(inferHome(withLists, undefined).message, text).toBe(`no home jurisdiction and no vantage location: ${some}; ${hint}`)
    }
    // An empty role rule names no country.
    expect(inferHome(policyFromSources({}, parsePolicyText('roles:\n  dns: {severity: high}\n', 'callaudit.yml')), undefined).message).toContain(': countries are reported without judging;')
    // --vantage lat,lon: placed, but on a point, which names no country.
    const point = inferHome(noHome, {source: '--vantage -33.9,151.2', method: 'given', noCountry: 'gives a point, not a country'})
    expect(point).toEqual({state: 'unjudged', policy: noHome, message: `no home jurisdiction: --vantage -33.9,151.2 gives a point, not a country; ${some}; ${hint}`})
  })

  it('a home set in the file counts as set', () => {
    const fromFile = policyFromSources({}, parsePolicyText('home: [NL]\n', 'callaudit.yml'))
    expect(inferHome(fromFile, {country: 'NL', source: publicAddress}).state).toBe('set')
  })

  it('is deterministic', () => {
    const a = JSON.stringify(inferHome(noHome, {country: 'ID', source: publicAddress}))
    const b = JSON.stringify(inferHome(noHome, {country: 'ID', source: publicAddress}))
    expect(a).toBe(b)
    expect(Object.keys(JSON.parse(a).policy.specs)).toEqual(['deny', 'home'])
  })
})
