import {cappedList} from './capped-list.js'
import type {ReportVantage} from './report-model.js'

/**
 * The vantage's addresses as one phrase, the same in every renderer: `192.168.0.105 behind
 * 36.84.217.46` (private addresses, then the public ones STUN revealed; `192.168.0.105 (or
 * 10.0.0.7: 2 candidates)` when several private addresses could be the caller's), then
 * `2001:db8::5 (own public address, no NAT)` when the capturing host also has a public address
 * of its own (dual stack), else `none`. `show`
 * formats each address for the output (escaping, code spans); `none` is the text for no address.
 */
/**
 * Where `--vantage` put the vantage, as every renderer shows it (`-33.9, 151.2 (given with
 * --vantage)`, `ID (given with --vantage)`), or undefined when it was not given. The vantage's
 * `geo` is then only the public address's geolocation, which the flag overrides: renderers show
 * this instead of it.
 */
export function givenVantagePlace(v: ReportVantage): string | undefined {
  if (!v.source.startsWith('--vantage')) return undefined
  if (v.location) return `${v.location.lat}, ${v.location.lon} (given with --vantage)`
  if (v.country) return `${v.country} (given with --vantage)`
  return undefined
}

export function vantageAddressesText(v: ReportVantage, show: (ip: string) => string, none: string): string {
  // Without NAT, STUN maps the host's own address to itself: it is not "behind" it.
  const mapped = v.publicAddresses.filter((p) => p.ip !== v.hostPublicAddress)
  const publics = mapped.length ? ` behind ${cappedList(mapped.map((p) => `${show(p.ip)}${p.inferred ? ' (inferred)' : ''}`))}` : ''
  const own = v.hostPublicAddress ? `${show(v.hostPublicAddress)} (own public address, no NAT)` : ''
  // Several private addresses are candidates (several hosts, or one with several addresses):
  // the first is the best, the others are named as alternatives, not as the same host's.
  const [first, ...others] = v.privateAddresses
  const privates = first === undefined ? '' : others.length ? `${show(first)} (or ${cappedList(others.map(show))}: ${v.privateAddresses.length} candidates)` : show(first)
  if (privates) return `${privates}${publics}${own ? `; ${own}` : ''}`
  if (own) return `${own}${publics}`
  return `${none}${publics}`
}

