/**
 * Endpoints before and after, keyed by address but also matched by what the server is: CDN and
 * SFU servers change addresses between runs, so a new address whose name (DNS, SNI, NRB) and
 * country were seen before is the same service having moved, not a new destination. Servers
 * without any name (media relays reached by address from the signalling) are matched more
 * cautiously: same operator (ASN), country, role and app, and only to an address that is gone.
 */
import type {Report, ReportEndpoint} from '../report/report-model.js'
import {compareText, sortedUnique} from '../report/compare-text.js'
import type {ChangeCounts, EndpointChange, EndpointState} from './diff-model.js'

export interface EndpointDiff {
  changes: EndpointChange[]
  counts: ChangeCounts & {moved: number}
  /** After address → the before address it is taken for (moved ones), for finding identities. */
  canonical: Map<string, string>
}

/** Local endpoints (the LAN, broadcast) are not destinations: they take no part in the diff. */
function remote(report: Report): ReportEndpoint[] {
  return report.endpoints.filter((e) => e.judgement.verdict !== 'local')
}

function lowerNames(e: ReportEndpoint): string[] {
  return sortedUnique(e.names.map((n) => n.toLowerCase().replace(/\.$/, '')))
}

export function endpointState(e: ReportEndpoint): EndpointState {
  return {
    ip: e.ip,
    names: sortedUnique(e.names),
    roles: [...e.roles],
    apps: [...e.apps],
    country: e.geo?.country ?? null,
    asn: e.geo?.asn ?? null,
    asOrg: e.geo?.asOrg ?? null,
    bytes: e.bytes,
    verdict: e.judgement.verdict,
  }
}

/** What differs between two states of one server, as `field before → after` phrases. */
function differences(before: EndpointState, after: EndpointState): string[] {
  const out: string[] = []
  if (before.country !== after.country) out.push(`country ${before.country ?? 'unknown'} → ${after.country ?? 'unknown'}`)
  if (before.verdict !== after.verdict) out.push(`verdict ${before.verdict} → ${after.verdict}`)
  return out
}

interface Candidate {
  endpoint: ReportEndpoint
  gone: boolean
  shared: string[]
}

export function diffEndpoints(before: Report, after: Report): EndpointDiff {
  const beforeList = remote(before)
  const afterList = remote(after)
  const beforeByIp = new Map(beforeList.map((e) => [e.ip, e]))
  const afterByIp = new Map(afterList.map((e) => [e.ip, e]))
  const beforeNames = new Map(beforeList.map((e) => [e.ip, lowerNames(e)]))
  // Indexes, so that matching a new address looks only at the addresses that could match it
  // (a capture of a browsing session has thousands of CDN addresses on each side).
  const byName = new Map<string, ReportEndpoint[]>()
  // Unnamed gone addresses per operator, country, apps and role, each list in address order
  // with a head past the claimed ones: a new unnamed address takes the lowest unclaimed one of
  // its roles' lists (a scan has hundreds of thousands of unnamed addresses of one operator,
  // which a search per new address went through one by one).
  const unnamedGone = new Map<string, {list: ReportEndpoint[]; head: number}>()
  for (const old of beforeList) {
    const names = beforeNames.get(old.ip)!
    for (const n of names) appendTo(byName, n, old)
    if (!names.length && !afterByIp.has(old.ip) && old.geo?.asn !== undefined) {
      for (const role of new Set(old.roles)) {
        const key = unnamedKey(old.geo.country ?? null, old.geo.asn, old.apps, role)
        const queue = unnamedGone.get(key)
        if (queue) queue.list.push(old)
        else unnamedGone.set(key, {list: [old], head: 0})
      }
    }
  }
  for (const queue of unnamedGone.values()) queue.list.sort((x, y) => compareText(x.ip, y.ip))
  const changes: EndpointChange[] = []
  const canonical = new Map<string, string>()
  let unchanged = 0

  for (const e of afterList) {
    const old = beforeByIp.get(e.ip)
    if (!old) continue
    const b = endpointState(old)
    const a = endpointState(e)
    const what = differences(b, a)
    if (what.length) changes.push({status: 'changed', ip: e.ip, changes: what, before: b, after: a})
    else unchanged++
  }

  // New addresses, largest first so that the main server of a pair claims the gone address first.
  const fresh = afterList.filter((e) => !beforeByIp.has(e.ip)).sort((x, y) => y.bytes - x.bytes || compareText(x.ip, y.ip))
  const claimed = new Set<string>()
  for (const e of fresh) {
    const names = lowerNames(e)
    const country = e.geo?.country ?? null
    let best: Candidate | undefined
    let match: 'name' | 'operator' = 'name'
    // Every earlier address with a name in common, with the names it shares (in `names` order).
    const sharing = new Map<ReportEndpoint, string[]>()
    for (const n of names) for (const old of byName.get(n) ?? []) appendTo(sharing, old, n)
    for (const [old, shared] of sharing) {
      if ((old.geo?.country ?? null) !== country) continue
      const candidate = {endpoint: old, gone: !afterByIp.has(old.ip), shared}
      // rank() ends with the address, so the choice does not depend on the order looked at.
      if (!best || better(rank(candidate, claimed), rank(best, claimed))) best = candidate
    }
    if (!best && names.length === 0) {
      // Unnamed servers: only an unnamed, gone address of the same operator, country, role and app.
      for (const role of e.geo?.asn === undefined ? [] : new Set(e.roles)) {
        const queue = unnamedGone.get(unnamedKey(country, e.geo!.asn!, e.apps, role))
        if (!queue) continue
        while (queue.head < queue.list.length && claimed.has(queue.list[queue.head]!.ip)) queue.head++
        const old = queue.list[queue.head]
        if (old && (!best || compareText(old.ip, best.endpoint.ip) < 0)) best = {endpoint: old, gone: true, shared: []}
      }
      match = 'operator'
    }
    const a = endpointState(e)
    if (!best) {
      changes.push({status: 'new', ip: e.ip, before: null, after: a})
      continue
    }
    if (best.gone) claimed.add(best.endpoint.ip)
    canonical.set(e.ip, best.endpoint.ip)
    const b = endpointState(best.endpoint)
    const what = differences(b, a)
    changes.push({
      status: 'moved',
      ip: e.ip,
      from: best.endpoint.ip,
      match,
      ...(match === 'name' ? {sharedNames: best.shared} : {}),
      ...(what.length ? {changes: what} : {}),
      before: b,
      after: a,
    })
  }

  for (const old of beforeList) {
    if (afterByIp.has(old.ip) || claimed.has(old.ip)) continue
    changes.push({status: 'gone', ip: old.ip, before: endpointState(old), after: null})
  }

  changes.sort(compareEndpointChanges)
  const count = (s: EndpointChange['status']) => changes.filter((c) => c.status === s).length
  return {changes, canonical, counts: {new: count('new'), gone: count('gone'), changed: count('changed'), moved: count('moved'), unchanged}}
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** Operator, country, the set of apps (in any order, as compared before) and one role. */
function unnamedKey(country: string | null, asn: number, apps: readonly string[], role: string): string {
  return `${country ?? ''}|${asn}|${sortedUnique(apps).join(',')}|${role}`
}

/** Lower is better: an unclaimed gone address, then a claimed gone one, then one still in use;
 * then more shared names; then the lower address (so the choice is deterministic). */
function rank(c: Candidate, claimed: ReadonlySet<string>): [number, number, string] {
  return [c.gone ? (claimed.has(c.endpoint.ip) ? 1 : 0) : 2, -c.shared.length, c.endpoint.ip]
}

/** Rank tuples compared element by element. */
function better(a: [number, number, string], b: [number, number, string]): boolean {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : compareText(a[2], b[2]) < 0
}

const STATUS_ORDER: Record<EndpointChange['status'], number> = {new: 0, moved: 1, changed: 2, gone: 3}

function compareEndpointChanges(x: EndpointChange, y: EndpointChange): number {
  const bytes = (c: EndpointChange) => (c.after ?? c.before)?.bytes ?? 0
  return STATUS_ORDER[x.status] - STATUS_ORDER[y.status] || bytes(y) - bytes(x) || compareText(x.ip, y.ip)
}
