/** Open every database in effect, in lookup order: discovered files, then the embedded default. */
import {InputError} from '../errors.js'
import {GeoDatabase, type OpenOptions} from './database.js'
import {assignIds, discoverDatabaseFiles, type DiscoveryOptions} from './discovery.js'
import {embeddedDatabases} from './embedded.js'

export interface OpenedDatabases {
  databases: GeoDatabase[]
  /** Things a user should know: skipped files, embedded parts not built. Deterministic order. */
  notes: string[]
}

/** One database to open, in lookup order; `note` instead of a file when an embedded part is missing. */
type PlanItem = {path: string; options: OpenOptions; mayBeSkipped: boolean} | {note: string}

/** What was tried, per plan item: the database, or the error opening it threw. */
type Outcome = {database: GeoDatabase} | {error: unknown} | {note: string}

export function openDatabases(options: DiscoveryOptions): OpenedDatabases {
  const plan = openPlan(options)
  return assemble(
    plan,
    plan.map((item): Outcome => {
      if ('note' in item) return item
      try {
        return {database: GeoDatabase.open(item.path, item.options)}
      } catch (error) {
        return {error}
      }
    }),
  )
}

/**
 * As openDatabases (same databases, notes and errors, in the same order), every file read at
 * once on the thread pool: analyze's startup no longer waits for ~60 MB of embedded databases
 * read one after another on the main thread.
 */
export async function openDatabasesAsync(options: DiscoveryOptions): Promise<OpenedDatabases> {
  const plan = openPlan(options)
  const outcomes = await Promise.all(
    plan.map(async (item): Promise<Outcome> => {
      if ('note' in item) return item
      try {
        return {database: await GeoDatabase.openAsync(item.path, item.options)}
      } catch (error) {
        return {error}
      }
    }),
  )
  return assemble(plan, outcomes)
}

function openPlan(options: DiscoveryOptions): PlanItem[] {
  const candidates = discoverDatabaseFiles(options)
  const taken = new Set<string>()
  const ids = assignIds(candidates.map((c) => c.path), taken)
  // Files named on the command line must work; files merely found in a directory may be
  // some other kind of MMDB and are skipped with a note.
  const plan: PlanItem[] = candidates.map((candidate, i) => ({
    path: candidate.path,
    options: {id: ids[i] as string, origin: candidate.origin},
    mayBeSkipped: candidate.origin !== 'geoip-db',
  }))
  if (options.useEmbedded !== false) {
    for (const spec of embeddedDatabases()) {
      if (spec.missing) {
        plan.push({note: `${spec.id}: ${spec.missing}`})
        continue
      }
      plan.push({
        path: spec.path,
        options: {
          id: `embedded:${spec.id}`,
          origin: 'embedded',
          provenance: spec.provenance,
          ...(spec.countryMeaning ? {countryMeaning: spec.countryMeaning} : {}),
        },
        mayBeSkipped: false,
      })
    }
  }
  return plan
}

/** The outcomes in plan order: the first error that may not be skipped is thrown. */
function assemble(plan: readonly PlanItem[], outcomes: readonly Outcome[]): OpenedDatabases {
  const databases: GeoDatabase[] = []
  const notes: string[] = []
  for (const [i, outcome] of outcomes.entries()) {
    if ('note' in outcome) notes.push(outcome.note)
    else if ('database' in outcome) databases.push(outcome.database)
    else {
      const {error} = outcome
      const item = plan[i]!
      if (!('mayBeSkipped' in item && item.mayBeSkipped) || !(error instanceof InputError)) throw error
      notes.push(`skipped ${error.oneLine()}`)
    }
  }
  if (databases.length === 0) notes.push('no GeoIP database in effect: every address is unknown')
  return {databases, notes}
}
