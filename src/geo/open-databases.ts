/** Open every database in effect, in lookup order: discovered files, then the embedded default. */
import {InputError} from '../errors.js'
import {GeoDatabase} from './database.js'
import {assignIds, discoverDatabaseFiles, type DiscoveryOptions} from './discovery.js'
import {embeddedDatabases} from './embedded.js'

export interface OpenedDatabases {
  databases: GeoDatabase[]
  /** Things a user should know: skipped files, embedded parts not built. Deterministic order. */
  notes: string[]
}

export function openDatabases(options: DiscoveryOptions): OpenedDatabases {
  const candidates = discoverDatabaseFiles(options)
  const taken = new Set<string>()
  const ids = assignIds(candidates.map((c) => c.path), taken)
  const databases: GeoDatabase[] = []
  const notes: string[] = []
  candidates.forEach((candidate, i) => {
    try {
      databases.push(GeoDatabase.open(candidate.path, {id: ids[i] as string, origin: candidate.origin}))
    } catch (error) {
      // Files named on the command line must work; files merely found in a directory may be
      // some other kind of MMDB and are skipped with a note.
      if (candidate.origin === 'geoip-db' || !(error instanceof InputError)) throw error
      notes.push(`skipped ${error.oneLine()}`)
    }
  })
  if (options.useEmbedded !== false) {
    for (const spec of embeddedDatabases()) {
      if (spec.missing) {
        notes.push(`${spec.id}: ${spec.missing}`)
        continue
      }
      databases.push(
        GeoDatabase.open(spec.path, {
          id: `embedded:${spec.id}`,
          origin: 'embedded',
          provenance: spec.provenance,
          ...(spec.countryMeaning ? {countryMeaning: spec.countryMeaning} : {}),
        }),
      )
    }
  }
  if (databases.length === 0) notes.push('no GeoIP database in effect: every address is unknown')
  return {databases, notes}
}

