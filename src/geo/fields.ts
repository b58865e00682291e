/** The normalised geolocation record: one value per field, each with the database it came from. */
export const GEO_FIELDS = [
  'country',
  'registeredCountry',
  'representedCountry',
  'continent',
  'subdivision',
  'city',
  'latitude',
  'longitude',
  'accuracyRadius',
  'asn',
  'asOrg',
  'isAnycast',
  'label',
] as const

export type GeoFieldName = (typeof GEO_FIELDS)[number]
export type GeoFieldValue = string | number | boolean

/** What one database says about one address, before layering. */
export type PartialGeo = Partial<Record<GeoFieldName, GeoFieldValue>>

export interface SourcedValue {
  value: GeoFieldValue
  /** Id of the database that answered (see `databases` in the output). */
  source: string
  /** The network the answering database matched, e.g. 193.122.32.0/19. */
  network: string
}

export type GeoFields = Partial<Record<GeoFieldName, SourcedValue>>
