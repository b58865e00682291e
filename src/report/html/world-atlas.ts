import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import type {Feature, FeatureCollection, Geometry} from 'geojson'
import {feature} from 'topojson-client'
import type {GeometryCollection, Topology} from 'topojson-specification'
import {alpha2OfAtlasFeature} from './country-numeric.js'

export interface AtlasCountry {
  /** ISO 3166-1 alpha-2, when the atlas feature maps to one (all but N. Cyprus and Somaliland). */
  code: string | undefined
  /** The atlas's own short English name ("W. Sahara"). */
  name: string
  feature: Feature<Geometry>
}

let cached: AtlasCountry[] | undefined

/**
 * Natural Earth's 1:110m country outlines from the world-atlas package, as GeoJSON. Read from
 * node_modules at render time (resolved relative to this module, so it works from src/ under
 * tsx and from dist/ after tsc) and kept for the life of the process.
 */
export function atlasCountries(): AtlasCountry[] {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  const path = require.resolve('world-atlas/countries-110m.json')
  const topology = JSON.parse(readFileSync(path, 'utf8')) as Topology<{countries: GeometryCollection<{name: string}>}>
  const collection = feature(topology, topology.objects.countries) as FeatureCollection<Geometry, {name: string}>
  cached = collection.features.map((f) => ({
    code: alpha2OfAtlasFeature(f.id, f.properties?.name),
    name: f.properties?.name ?? '',
    feature: f,
  }))
  return cached
}
