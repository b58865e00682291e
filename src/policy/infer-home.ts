/**
 * The home jurisdiction when the policy sets none: the vantage's country, said so; or, when the
 * vantage cannot be placed, a state in which countries are reported without being judged, with
 * the message telling the user how to set a home.
 */
import {countryName, resolveCountryToken} from './countries.js'
import {namesCountries, type Policy} from './policy.js'

export interface Vantage {
  /** The vantage's country code, when known. */
  country?: string
  /**
   * How the vantage was found, as a phrase that follows "from": `the vantage's public address
   * 203.0.113.7`, `--vantage ID`.
   */
  source: string
  /** `geolocated` (default): the country comes from a database; `given`: the user stated it. */
  method?: 'geolocated' | 'given'
  /** Why a vantage that was placed has no country, as a phrase after `source` (`--vantage
   * lat,lon` gives a point, not a country). */
  noCountry?: string
}

export type HomeResolution =
  /** The policy sets a home; `note` when the vantage lies outside it (a VPN, a test from abroad). */
  | {state: 'set'; policy: Policy; note?: string}
  /** Home taken from the vantage; `message` says so and must be shown. */
  | {state: 'inferred'; policy: Policy; message: string}
  /** No home: countries no deny or allow list names are reported without judging; `message`
   * says so and how to set a home. */
  | {state: 'unjudged'; policy: Policy; message: string}

export const SET_HOME_HINT = 'set one with --home CC (a country code or a group such as EU) or home: in callaudit.yml'

export function inferHome(policy: Policy, vantage?: Vantage): HomeResolution {
  const resolved = vantage?.country === undefined ? undefined : resolveCountryToken(vantage.country)
  const code = resolved?.kind === 'country' ? resolved.codes[0]! : undefined
  if (policy.home.length > 0) {
    if (code !== undefined && !policy.home.includes(code)) {
      const homeText = (policy.specs.home ?? policy.home).join(', ')
      return {state: 'set', policy, note: `the vantage (${vantage!.source}) is in ${code}, outside home (${homeText})`}
    }
    return {state: 'set', policy}
  }
  // Deny and allow still judge the countries they name (judgeCountry): the message says so.
  const unjudged = namesCountries(policy) ? 'countries that deny and allow do not name are reported without judging' : 'countries are reported without judging'
  if (vantage === undefined) {
    return {state: 'unjudged', policy, message: `no home jurisdiction and no vantage location: ${unjudged}; ${SET_HOME_HINT}`}
  }
  if (code === undefined) {
    const why = vantage.country === undefined || vantage.country.trim() === ''
      ? `${vantage.source} ${vantage.noCountry ?? 'has no known country'}`
      : `${vantage.source} is placed in "${vantage.country}", which is not a country`
    return {state: 'unjudged', policy, message: `no home jurisdiction: ${why}; ${unjudged}; ${SET_HOME_HINT}`}
  }
  const how = vantage.method === 'given' ? '' : 'geolocated '
  const message = `home inferred from ${vantage.source} (${how}${code}, ${countryName(code)})`
  const inferred: Policy = {
    ...policy,
    home: [code],
    specs: sortedSpecs({...policy.specs, home: [code]}),
    notes: [...policy.notes, message],
    source: {...policy.source, home: {from: 'inferred', detail: message}},
  }
  return {state: 'inferred', policy: inferred, message}
}

function sortedSpecs(specs: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(specs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
