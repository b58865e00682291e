/**
 * Which layout a database uses and how its records map to the normalised fields.
 *
 * - nested: MaxMind GeoIP2/GeoLite2 (Country, City, Enterprise, ASN, ISP) and DB-IP Lite mmdb,
 *   which copy MaxMind's layout: `country.iso_code`, `registered_country`, `location`,
 *   `traits`, `autonomous_system_number`...; also `callaudit db build` output (plus `label`).
 * - flat: sapics/ip-location-db: `country_code`, `city`, `state1`, `latitude`, `longitude`;
 *   ASN files `autonomous_system_number`/`autonomous_system_organization`.
 *
 * Detection uses metadata `database_type` first and a sample record's shape second.
 */
import type {GeoFieldName, PartialGeo} from './fields.js'

export type Layout = 'nested' | 'flat'
export type Content = 'city' | 'country' | 'asn' | 'isp' | 'enterprise' | 'site'
export type Vendor = 'maxmind' | 'dbip' | 'ip-location-db' | 'callaudit' | 'other'
/** A flat `country_code` means where the block is registered for AS/whois-derived data. */
export type CountryMeaning = 'location' | 'registration'

export interface Schema {
  /** e.g. `maxmind-city`, `flat-country`, `callaudit-site`. */
  name: string
  vendor: Vendor
  layout: Layout
  content: Content
  countryMeaning: CountryMeaning
}

type Rec = Record<string, unknown>

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * @param fileName used only to tell registration-country flat files (iptoasn-country,
 *   asn-country) from location ones, which share one layout.
 * @returns undefined when the database holds nothing we can use (e.g. GeoIP2-Anonymous-IP).
 */
export function detectSchema(databaseType: string, sample: unknown, fileName: string): Schema | undefined {
  const rec: Rec = isObject(sample) ? sample : {}
  const layout: Layout = 'country_code' in rec || typeof rec['city'] === 'string' || typeof rec['latitude'] === 'number' ? 'flat' : 'nested'
  const content = contentOf(databaseType, rec)
  if (!content) return undefined
  const vendor: Vendor = /^callaudit/i.test(databaseType)
    ? 'callaudit'
    : /dbip|db-ip/i.test(databaseType)
      ? 'dbip'
      : /geoip2|geolite2/i.test(databaseType) && layout === 'nested'
        ? 'maxmind'
        : layout === 'flat'
          ? 'ip-location-db'
          : 'other'
  const countryMeaning: CountryMeaning =
    layout === 'flat' && /^(?!geo-whois).*(asn-country|iptoasn)/i.test(fileName) ? 'registration' : 'location'
  const prefix = vendor === 'callaudit' ? 'callaudit' : layout === 'flat' ? 'flat' : vendor === 'dbip' ? 'dbip' : 'maxmind'
  return {name: `${prefix}-${content}`, vendor, layout, content, countryMeaning}
}

function contentOf(databaseType: string, rec: Rec): Content | undefined {
  const t = databaseType
  if (/site/i.test(t) && /^callaudit/i.test(t)) return 'site'
  if (/enterprise/i.test(t)) return 'enterprise'
  if (/isp/i.test(t)) return 'isp'
  if (/asn/i.test(t)) return 'asn'
  if (/city/i.test(t)) return 'city'
  if (/country/i.test(t)) return 'country'
  // Unrecognised type: go by the record's shape.
  if ('label' in rec) return 'site'
  if ('autonomous_system_number' in rec) return 'asn'
  if ('city' in rec || 'location' in rec || 'latitude' in rec) return 'city'
  if ('country' in rec || 'country_code' in rec || 'registered_country' in rec) return 'country'
  return undefined
}

/** Preferred display name from a MaxMind `names` map: English, else the first language. */
function nameOf(v: unknown): string | undefined {
  if (!isObject(v) || !isObject(v['names'])) return undefined
  const names = v['names']
  const en = names['en']
  if (typeof en === 'string' && en !== '') return en
  const first = Object.keys(names).sort()[0]
  const value = first === undefined ? undefined : names[first]
  return typeof value === 'string' && value !== '' ? value : undefined
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const iso = (v: unknown): string | undefined => (isObject(v) ? str(v['iso_code'])?.toUpperCase() : undefined)

/** Map one raw record to the normalised fields it carries. Empty strings count as absent. */
export function normaliseRecord(raw: unknown, schema: Schema): PartialGeo {
  if (!isObject(raw)) return {}
  const out: PartialGeo = {}
  const set = (field: GeoFieldName, value: string | number | boolean | undefined) => {
    if (value !== undefined && out[field] === undefined) out[field] = value
  }
  const traits = isObject(raw['traits']) ? raw['traits'] : {}
  if (schema.layout === 'flat') {
    const cc = str(raw['country_code'])?.toUpperCase()
    set(schema.countryMeaning === 'registration' ? 'registeredCountry' : 'country', cc)
    set('subdivision', str(raw['state1']))
    set('city', str(raw['city']))
    set('latitude', num(raw['latitude']))
    set('longitude', num(raw['longitude']))
  } else {
    set('country', iso(raw['country']))
    set('registeredCountry', iso(raw['registered_country']))
    set('representedCountry', iso(raw['represented_country']))
    set('continent', isObject(raw['continent']) ? str(raw['continent']['code']) : undefined)
    const subdivisions = raw['subdivisions']
    const first = Array.isArray(subdivisions) ? subdivisions[0] : undefined
    set('subdivision', nameOf(first) ?? iso(first))
    set('city', nameOf(raw['city']))
    const location = isObject(raw['location']) ? raw['location'] : {}
    set('latitude', num(location['latitude']))
    set('longitude', num(location['longitude']))
    set('accuracyRadius', num(location['accuracy_radius']))
    if (typeof traits['is_anycast'] === 'boolean') set('isAnycast', traits['is_anycast'])
  }
  set('asn', num(raw['autonomous_system_number']) ?? num(traits['autonomous_system_number']) ?? num(raw['asn']))
  set(
    'asOrg',
    str(raw['autonomous_system_organization']) ??
      str(traits['autonomous_system_organization']) ??
      str(raw['organization']) ??
      str(raw['isp']) ??
      str(raw['as_organization']),
  )
  set('label', str(raw['label']))
  return out
}
