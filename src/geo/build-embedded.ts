/**
 * `npm run build:geo`: compile the @ip-location-db/asn CSVs into dist/geo/asn.mmdb (the ASN
 * part of the embedded default). Deterministic (build epoch from the package version, or
 * SOURCE_DATE_EPOCH), and skipped when the output is newer than its inputs.
 */
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {ASN_PACKAGE, embeddedAsnPath, packageDir, packageVersion} from './embedded.js'
import {compileAsnCsv, epochFromPackageVersion} from './asn-csv.js'
import {InputError} from '../errors.js'

/**
 * What the output depends on, by content: the ASN package's CSVs (through its package.json
 * version) and this compiler's own modules. tsc rewrites the compiled modules on every build,
 * so modification times would always look newer; their content does not change.
 */
function inputStamp(packageJson: string): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const hash = createHash('sha256').update(readFileSync(packageJson))
  const modules = [join(here, 'build-embedded.js'), join(here, 'asn-csv.js'), ...readdirSync(join(here, 'mmdb')).filter((f) => f.endsWith('.js')).sort().map((f) => join(here, 'mmdb', f))]
  for (const file of modules) hash.update(file.slice(here.length)).update(readFileSync(file))
  return hash.digest('hex')
}

function main(): void {
  const started = performance.now()
  const dir = packageDir(ASN_PACKAGE)
  const inputs = [join(dir, 'asn-ipv4.csv'), join(dir, 'asn-ipv6.csv')]
  const output = embeddedAsnPath()
  const stampFile = `${output}.stamp`
  const stamp = inputStamp(join(dir, 'package.json'))
  const force = process.argv.includes('--force')
  if (!force && existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    console.log(`build:geo: ${output} is up to date`)
    return
  }
  const version = packageVersion(ASN_PACKAGE)
  const sourceDateEpoch = process.env['SOURCE_DATE_EPOCH']
  const epoch = sourceDateEpoch ? Number(sourceDateEpoch) : epochFromPackageVersion(version)
  if (epoch === undefined || !Number.isFinite(epoch)) throw new Error(`cannot derive a build epoch from ${ASN_PACKAGE} version ${version}; set SOURCE_DATE_EPOCH`)
  const result = compileAsnCsv(
    inputs.slice(0, 2).map((path) => ({path, text: readFileSync(path, 'utf8')})),
    epoch,
    `ASN data from ${ASN_PACKAGE}@${version} (RouteViews, DB-IP, NRO; CC BY 4.0), compiled by callaudit`,
  )
  mkdirSync(dirname(output), {recursive: true})
  const temporary = `${output}.${process.pid}.tmp`
  writeFileSync(temporary, result.buffer)
  renameSync(temporary, output) // atomic: a concurrent reader never sees half a file
  writeFileSync(stampFile, stamp)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`build:geo: ${output}: ${result.ranges} ranges, ${result.networks} networks, ${(result.buffer.length / 1048576).toFixed(1)} MiB in ${seconds}s`)
}

try {
  main()
} catch (error) {
  console.error(`build:geo: ${error instanceof InputError ? error.oneLine() : String(error)}`)
  process.exit(1)
}
