import * as Flags from '@oclif/core/flags'
import {buildSiteDatabase} from '../../src/geo/build-site.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class DbBuild extends BaseCommand {
  static override summary = "Compile your organisation's own ranges (CSV) into an MMDB to layer above the rest."
  static override description =
    'CSV with a header row. Columns: network (CIDR) or start,end (inclusive range); country (ISO 3166-1 alpha-2); ' +
    'optional registered_country, label, asn (64500 or AS64500), org. Lines starting with # are comments. ' +
    'More specific networks win over broader ones. Use the result with --geoip-db. ' +
    'The build epoch is SOURCE_DATE_EPOCH, else CALLAUDIT_NOW, else the current time.'
  static override examples = [
    '<%= config.bin %> db build --csv ranges.csv -o site.mmdb',
    '<%= config.bin %> geo --geoip-db site.mmdb 10.20.1.5',
  ]
  static override flags = {
    csv: Flags.string({required: true, description: 'CSV file of ranges (see description for columns)'}),
    output: Flags.string({char: 'o', required: true, description: 'MMDB file to write'}),
    type: Flags.string({default: 'callaudit-Site', description: 'database_type written to the metadata'}),
  }

  async run(): Promise<object> {
    const {flags} = await this.parse(DbBuild)
    const result = buildSiteDatabase(flags.csv, flags.output, flags.type, process.env)
    this.log(
      `${flags.output}: ${result.networks} networks from ${result.rows} rows, IPv${result.ipVersion} tree, ` +
        `${result.nodeCount} nodes, ${result.recordSize}-bit records, ${result.bytes} bytes, built ${result.buildEpoch}`,
    )
    return result
  }
}
