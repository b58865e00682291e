/**
 * Which database files are in effect, in lookup order (first answer per field wins):
 *   1. --geoip-db PATH, in the order given;
 *   2. --geoip-dir DIR, then $CALLAUDIT_GEOIP_DIR;
 *   3. the geoipupdate directories /usr/share/GeoIP, /var/lib/GeoIP (if present);
 *   4. the embedded default.
 * Inside a directory, *.mmdb files are ranked by their standard names (most specific first:
 * Enterprise, City, ISP, ASN, Country, then others by name). MaxMind databases without location
 * or ASN data (Anonymous-IP, Connection-Type, Domain...) are skipped there.
 */
import {readdirSync, realpathSync, statSync} from 'node:fs'
import {basename, join, resolve} from 'node:path'
import {InputError} from '../errors.js'
import type {DatabaseOrigin} from './database.js'

export const SYSTEM_GEOIP_DIRS = ['/usr/share/GeoIP', '/var/lib/GeoIP']

export interface DiscoveryOptions {
  dbPaths?: string[]
  dirs?: string[]
  /** Usually process.env; CALLAUDIT_GEOIP_DIR is read from it. */
  env?: Record<string, string | undefined>
  /** Defaults to SYSTEM_GEOIP_DIRS; false to skip them. */
  systemDirs?: string[] | false
  useEmbedded?: boolean
}

export interface Candidate {
  path: string
  origin: DatabaseOrigin
}

const NON_GEO_NAMES = /anonymous|connection-type|domain|ip-risk|static-ip-score|user-count/i

/** Rank by standard file name: GeoIP2-City.mmdb, GeoLite2-ASN.mmdb, dbip-city-lite-2025-01.mmdb... */
export function nameRank(fileName: string): number {
  const n = fileName.toLowerCase()
  if (n.includes('enterprise')) return 0
  if (n.includes('city')) return 1
  if (n.includes('isp')) return 2
  if (n.includes('asn')) return 3
  if (n.includes('country')) return 4
  return 5
}

function directoryDatabases(dir: string, origin: DatabaseOrigin, mustExist: boolean): Candidate[] {
  let names: string[]
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), {code: 'ENOTDIR'})
    names = readdirSync(dir)
  } catch (error) {
    if (!mustExist) return []
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'GeoIP directory not found' : `cannot read GeoIP directory (${code ?? String(error)})`, dir)
  }
  return names
    .filter((name) => name.toLowerCase().endsWith('.mmdb') && !NON_GEO_NAMES.test(name))
    .sort((a, b) => nameRank(a) - nameRank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => ({path: join(dir, name), origin}))
}

/** File candidates from flags/env/system dirs (the embedded default is appended by the caller). */
export function discoverDatabaseFiles(options: DiscoveryOptions): Candidate[] {
  const env = options.env ?? {}
  const candidates: Candidate[] = (options.dbPaths ?? []).map((path) => ({path, origin: 'geoip-db' as const}))
  for (const dir of options.dirs ?? []) candidates.push(...directoryDatabases(dir, 'geoip-dir', true))
  const envDir = env['CALLAUDIT_GEOIP_DIR']
  if (envDir) candidates.push(...directoryDatabases(envDir, 'env-dir', true))
  const systemDirs = options.systemDirs === false ? [] : options.systemDirs ?? SYSTEM_GEOIP_DIRS
  for (const dir of systemDirs) candidates.push(...directoryDatabases(dir, 'system-dir', false))
  // The same file reached twice (a flag and a directory) is used once, at its first position.
  const seen = new Set<string>()
  return candidates.filter((c) => {
    let key = resolve(c.path)
    try {
      key = realpathSync(c.path)
    } catch {
      // missing files are reported when opened
    }
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Short unique ids from file names: GeoLite2-City, site, site#2... */
export function assignIds(paths: string[], taken: Set<string>): string[] {
  return paths.map((path) => {
    // GeoLite2-City_20261124.tar.gz and dbip-city-lite-2026-11.mmdb.gz are databases too; a
    // shell's <(…) is /dev/fd/63, which says nothing as "63".
    const fd = /^\/(?:dev|proc\/(?:self|\d+))\/fd\/(\d+)$/.exec(path)
    const base = fd ? `pipe-${fd[1]}` : basename(path).replace(/\.(tar\.gz|tgz|tar|mmdb\.gz|mmdb)$/i, '')
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}#${n}`
    taken.add(id)
    return id
  })
}
