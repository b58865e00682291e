import * as Args from '@oclif/core/args'
import {ageWarnings, analysisNow} from '../src/geo/age.js'
import {BaseCommand} from '../src/cli/base-command.js'
import {discoveryOptions, geoipFlags} from '../src/geo/flags.js'
import {openDatabasesAsync} from '../src/geo/open-databases.js'
import {renderAnswers} from '../src/geo/render.js'
import {GeoResolver} from '../src/geo/resolver.js'
import {addressLines, readAddressList} from '../src/geo/address-input.js'

export default class Geo extends BaseCommand {
  static override summary = 'Geolocate IP addresses with the databases in effect.'
  static override description =
    'Prints every normalised field (country, registered country, city, coordinates, ASN, organisation...) and the database that gave it. ' +
    'Addresses come from the arguments, or one per line on stdin. Reserved addresses (RFC 1918, CGNAT, documentation...) are marked as such; ' +
    '6to4, Teredo, NAT64 and IPv4-mapped addresses are looked up by the IPv4 address they carry.'
  static override examples = [
    '<%= config.bin %> geo 193.122.35.237',
    '<%= config.bin %> geo 8.8.8.8 2001:4860:4860::8888 --json',
    'cut -d, -f1 endpoints.csv | <%= config.bin %> geo --geoip-db site.mmdb',
  ]
  static override strict = false
  static override args = {
    ip: Args.string({description: 'IPv4 or IPv6 address (repeatable); read from stdin when none is given', ignoreStdin: true}),
  }
  static override flags = {...geoipFlags}

  async run(): Promise<object> {
    const {argv, flags} = await this.parse(Geo)
    const fromArgs = addressLines(argv as string[])
    const inputs = fromArgs.length > 0 ? fromArgs : await readAddressList(process.stdin)
    const now = analysisNow(process.env)
    const {databases, notes} = await openDatabasesAsync(discoveryOptions(flags, process.env))
    const resolver = new GeoResolver(databases)
    const answers = inputs.map((ip) => resolver.lookup(ip))
    const warnings = ageWarnings(databases.map((d) => ({id: d.info.id, buildEpoch: d.buildEpoch})), now)
    for (const note of notes) this.complain(`warning: ${note}`)
    for (const w of warnings) this.complain(`warning: ${w.message}`)
    this.log(renderAnswers(answers).trimEnd())
    return {schemaVersion: 1, addresses: answers, databases: databases.map((d) => d.info), notes, warnings}
  }
}
