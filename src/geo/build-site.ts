/** File side of `db build`: read the CSV, compile, write atomically, re-open to verify. */
import {readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import {InputError} from '../errors.js'
import {analysisNow} from './age.js'
import {GeoDatabase} from './database.js'
import {compileSiteCsv} from './site-csv.js'

export interface SiteBuildSummary {
  output: string
  rows: number
  networks: number
  ipVersion: 4 | 6
  recordSize: number
  nodeCount: number
  bytes: number
  buildEpoch: string
}

/** Build epoch: SOURCE_DATE_EPOCH (seconds), else CALLAUDIT_NOW, else now. */
export function buildEpochFromEnv(env: Record<string, string | undefined>): number {
  const sde = env['SOURCE_DATE_EPOCH']
  if (sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde)) throw new InputError(`SOURCE_DATE_EPOCH: "${sde}" is not a number of seconds`)
    return Number(sde)
  }
  return Math.floor(analysisNow(env).getTime() / 1000)
}

export function buildSiteDatabase(csvPath: string, output: string, databaseType: string, env: Record<string, string | undefined>): SiteBuildSummary {
  let text: string
  try {
    text = readFileSync(csvPath, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'CSV file not found' : `cannot read CSV (${code ?? String(error)})`, csvPath)
  }
  const result = compileSiteCsv(text, csvPath, {buildEpoch: buildEpochFromEnv(env), databaseType})
  // The database is written beside the file it replaces and renamed over it: only a regular file
  // may be replaced (renaming over -o /dev/null, as root, replaced the device), and a symbolic
  // link is followed so that the file it names is replaced, not the link.
  const target = replaceableFile(output)
  const temporary = `${target}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, result.buffer)
    renameSync(temporary, target)
  } catch (error) {
    try {
      unlinkSync(temporary)
    } catch {
      // nothing written
    }
    throw new InputError(`cannot write (${(error as NodeJS.ErrnoException).code ?? String(error)})`, output)
  }
  const check = GeoDatabase.open(output, {id: 'site', origin: 'geoip-db'})
  return {
    output,
    rows: result.rows,
    networks: result.networks,
    ipVersion: result.ipVersion,
    recordSize: check.info.recordSize,
    nodeCount: check.info.nodeCount,
    bytes: result.buffer.length,
    buildEpoch: check.info.buildEpoch,
  }
}

/** The file to replace for `output`: itself when new, the file a link names; not a device,
 * pipe, socket or directory (InputError). */
function replaceableFile(output: string): string {
  let stat
  try {
    stat = statSync(output)
  } catch {
    return output
  }
  if (!stat.isFile()) throw new InputError('is not a regular file: db build writes a database file there', output)
  return realpathSync(output)
}
