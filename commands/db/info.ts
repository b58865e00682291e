import {ageWarnings, analysisNow} from '../../src/geo/age.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {discoveryOptions, geoipFlags} from '../../src/geo/flags.js'
import {openDatabasesAsync} from '../../src/geo/open-databases.js'
import {renderDatabases} from '../../src/geo/render.js'

export default class DbInfo extends BaseCommand {
  static override summary = 'List the GeoIP databases in effect, in lookup order.'
  static override description =
    'For each database: schema and type, build date and age, IP versions, search-tree node count, path, and for the embedded default ' +
    'the source package, version and licence. Databases built more than 90 days before the analysis time are flagged. ' +
    'Set CALLAUDIT_NOW (ISO date) to fix the analysis time.'
  static override examples = [
    '<%= config.bin %> db info',
    '<%= config.bin %> db info --geoip-dir /opt/geoip --json',
    'CALLAUDIT_NOW=2026-07-01 <%= config.bin %> db info --no-system-geoip',
  ]
  static override flags = {...geoipFlags}

  async run(): Promise<object> {
    const {flags} = await this.parse(DbInfo)
    const now = analysisNow(process.env)
    const {databases, notes} = await openDatabasesAsync(discoveryOptions(flags, process.env))
    const infos = databases.map((d) => d.info)
    const warnings = ageWarnings(databases.map((d) => ({id: d.info.id, buildEpoch: d.buildEpoch})), now)
    this.log(renderDatabases(infos, now).trimEnd())
    for (const note of notes) this.complain(`warning: ${note}`)
    for (const w of warnings) this.complain(`warning: ${w.message}`)
    return {schemaVersion: 1, analysisTime: now.toISOString(), databases: infos, notes, warnings}
  }
}
