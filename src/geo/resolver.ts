/**
 * Layered lookups: each database in order contributes the fields not yet answered, so the most
 * specific source answers first (the user's own ranges, then City, then ASN...) and every field
 * names its source. Each unique address is resolved once per resolver (= once per run).
 */
import {InputError} from '../errors.js'
import type {DatabaseHit, GeoDatabase} from './database.js'
import {GEO_FIELDS, type GeoFields} from './fields.js'
import {formatIp, parseIp, type ParsedIp} from './ip.js'
import {specialRange, transitionOf, type SpecialRange, type TransitionKind} from './reserved.js'

export interface GeoAnswer {
  ip: string
  version: 4 | 6
  /** Set for private, loopback, documentation... addresses: never foreign. */
  special?: SpecialRange
  /** Set for IPv4-mapped, NAT64, 6to4 and Teredo addresses: the IPv4 inside is looked up. */
  transition?: {kind: TransitionKind; ipv4: string}
  /** The address actually looked up. */
  lookupIp: string
  /** False when no database has any record for the address: reported as unknown, never guessed. */
  known: boolean
  fields: GeoFields
}

/** Answers kept at most: a scan of 500 k addresses kept all its answers (about 560 bytes each,
 * 266 MiB) to the end of the report, though each endpoint is looked up once. Past it the cache
 * starts afresh: an address asked again is resolved again, to the same answer. */
export const MAX_CACHED_ANSWERS = 1 << 16

export class GeoResolver {
  private cache = new Map<string, GeoAnswer>()
  /** Number of addresses actually resolved against the databases (cache misses). */
  resolvedCount = 0

  constructor(readonly databases: readonly GeoDatabase[]) {}

  /** @throws InputError for a string that is not an IP address. */
  lookup(text: string): GeoAnswer {
    // Most lookups repeat an address already resolved, in its canonical text.
    const known = this.cache.get(text)
    if (known) return known
    const parsed = parseIp(text.trim())
    if (!parsed) throw new InputError(`invalid IP address "${text}"`)
    const ip = formatIp(parsed.bytes)
    let answer = this.cache.get(ip)
    if (!answer) {
      answer = this.resolve(ip, parsed)
      if (this.cache.size >= MAX_CACHED_ANSWERS) this.cache = new Map()
      this.cache.set(ip, answer)
    }
    return answer
  }

  private resolve(ip: string, parsed: ParsedIp): GeoAnswer {
    this.resolvedCount++
    const transition = transitionOf(parsed)
    const target = transition ? transition.ipv4 : parsed
    const special = specialRange(target)
    const targetText = transition ? formatIp(target.bytes) : ip
    // Each field from the first database that has it, in GEO_FIELDS order: once per unique
    // address, but tens of thousands of them in a large capture.
    // Indexed loops and parallel arrays: this runs unoptimised for most of its calls, where a
    // for-of makes an iterator and a result per step.
    const hits: DatabaseHit[] = []
    const sources: string[] = []
    const databases = this.databases
    for (let d = 0; d < databases.length; d++) {
      const db = databases[d]!
      // The embedded default is not consulted for special addresses (it has nothing true to
      // say about 10.0.0.1); the user's own databases are, so they can label their LAN.
      if (special && db.info.origin === 'embedded') continue
      const hit = db.lookup(target, targetText)
      if (hit) {
        hits.push(hit)
        sources.push(db.info.id)
      }
    }
    const fields: GeoFields = {}
    let known = false
    for (let k = 0; k < GEO_FIELDS.length; k++) {
      const field = GEO_FIELDS[k]!
      for (let h = 0; h < hits.length; h++) {
        const hit = hits[h]!
        const value = hit.fields[field]
        if (value === undefined) continue
        fields[field] = {value, source: sources[h]!, network: hit.network}
        known = true
        break
      }
    }
    // Keys in this order (the geo command prints the answer as it is).
    const answer = {ip, version: parsed.version} as GeoAnswer
    if (special) answer.special = special
    if (transition) answer.transition = {kind: transition.kind, ipv4: formatIp(transition.ipv4.bytes)}
    answer.lookupIp = targetText
    answer.known = known
    answer.fields = fields
    return answer
  }
}
