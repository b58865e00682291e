import {geoGraticule, geoNaturalEarth1, geoPath, type GeoPermissibleObjects} from 'd3-geo'
import type {Severity} from '../../policy/policy.js'
import {formatBytes} from '../flows-table.js'
import type {Report, ReportEndpoint} from '../report-model.js'
import {severityClass} from './css-classes.js'
import {maxOf} from './extent.js'
import {esc, round1} from './html-text.js'
import {SEVERITIES_DESC} from './severity.js'
import {atlasCountries} from './world-atlas.js'
import {givenVantagePlace} from '../vantage-text.js'
import {appendAll} from '../../util/append-all.js'

const WIDTH = 960
const SPHERE: GeoPermissibleObjects = {type: 'Sphere'}
/** Country fills by verdict; countries with traffic take their traffic verdict, others the policy list they are on. */
const TINTED_VERDICTS = ['home', 'allowed', 'outside', 'denied', 'reached'] as const
type Tint = (typeof TINTED_VERDICTS)[number]
/** At most this many place labels, so a call to hundreds of places stays legible. */
const MAX_LABELS = 40

interface Located {
  endpoint: ReportEndpoint
  lon: number
  lat: number
}

function validLonLat(lon: unknown, lat: unknown): [number, number] | undefined {
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) return undefined
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return undefined
  return [lon, lat]
}

/** Where the capturing host was: `--vantage`, else its geolocated public address. */
export function vantageLonLat(report: Report): [number, number] | undefined {
  const v = report.vantage
  if (v.location) return validLonLat(v.location.lon, v.location.lat)
  return v.geo ? validLonLat(v.geo.longitude, v.geo.latitude) : undefined
}

/** Endpoints the map draws at most. A capture with hundreds of thousands of addresses (a scan)
 * drew a marker and an arc for each: 500 k addresses made a 117 MB page no browser could show,
 * and beyond a few thousand the markers only cover each other on a map 960 pixels wide. */
export const MAX_MAP_ENDPOINTS = 5000

/**
 * The located endpoints the map draws: all of them up to MAX_MAP_ENDPOINTS, else those with the
 * worst findings first, then the most bytes (the report's endpoint order breaks ties), kept in
 * their order in `located`.
 */
export function mappedEndpoints(located: readonly Located[], worst: ReadonlyMap<string, Severity>): Located[] {
  if (located.length <= MAX_MAP_ENDPOINTS) return [...located]
  const keep = located
    .map((l, index) => ({l, index, rank: worstRank(worst, l.endpoint)}))
    .sort((a, b) => b.rank - a.rank || b.l.endpoint.bytes - a.l.endpoint.bytes || a.index - b.index)
    .slice(0, MAX_MAP_ENDPOINTS)
    .sort((a, b) => a.index - b.index)
  return keep.map((k) => k.l)
}

/** How severe the worst finding on an endpoint is: 0 for none, higher for worse. */
function worstRank(worst: ReadonlyMap<string, Severity>, e: ReportEndpoint): number {
  const s = worst.get(e.ip)
  return s ? SEVERITIES_DESC.length - SEVERITIES_DESC.indexOf(s) : 0
}

/** The endpoints that can be drawn: those whose geolocation gave coordinates. */
export function locatedEndpoints(report: Report): Located[] {
  const out: Located[] = []
  for (const endpoint of report.endpoints) {
    const at = endpoint.geo ? validLonLat(endpoint.geo.longitude, endpoint.geo.latitude) : undefined
    if (at) out.push({endpoint, lon: at[0], lat: at[1]})
  }
  return out
}

function countryTints(report: Report): Map<string, Tint> {
  const tints = new Map<string, Tint>()
  for (const code of report.policy.allow) tints.set(code, 'allowed')
  for (const code of report.policy.home) tints.set(code, 'home')
  for (const code of report.policy.deny) tints.set(code, 'denied')
  for (const c of report.summary.countries) {
    const verdict = (TINTED_VERDICTS as readonly string[]).includes(c.verdict) ? (c.verdict as Tint) : 'reached'
    tints.set(c.country, verdict)
  }
  return tints
}

function endpointTitle(e: ReportEndpoint, severity: Severity | undefined): string {
  const geo = e.geo
  const place = [geo?.city, geo?.country].filter(Boolean).join(', ')
  const names = e.names.slice(0, 3).join(', ') + (e.names.length > 3 ? ` +${e.names.length - 3}` : '')
  const parts = [
    e.ip + (names ? ` (${names})` : ''),
    place || 'place unknown',
    geo?.asn !== undefined ? `AS${geo.asn} ${geo.asOrg ?? ''}`.trim() : '',
    `${e.roles.join(', ')}: ${formatBytes(e.bytes)}`,
    `verdict ${e.judgement.verdict}`,
    severity ? `worst finding ${severity}` : 'no finding',
  ]
  return parts.filter(Boolean).join(' · ')
}

/** A diamond centred on (x, y): the vantage marker, unlike the round server markers. */
function diamond(x: number, y: number, r: number): string {
  return `M${round1(x)},${round1(y - r)}L${round1(x + r)},${round1(y)}L${round1(x)},${round1(y + r)}L${round1(x - r)},${round1(y)}Z`
}

/**
 * The world map as inline SVG: Natural Earth countries (tinted by verdict), the vantage, one
 * marker per geolocated endpoint (at most MAX_MAP_ENDPOINTS, see mappedEndpoints) and a
 * great-circle arc from the vantage to each, coloured by the worst finding affecting that
 * endpoint. Coordinates are rounded to 0.1 px.
 */
export function renderWorldMap(report: Report, worst: ReadonlyMap<string, Severity>): string {
  const vantage = vantageLonLat(report)
  // Centred on the vantage's meridian: every arc from it then spans less than 180° of
  // longitude either way and is never cut at the map's edge.
  const projection = geoNaturalEarth1()
    .rotate([vantage ? -Math.round(vantage[0]) : 0, 0])
    .fitWidth(WIDTH, SPHERE)
  const path = geoPath(projection).digits(1)
  const height = Math.ceil(path.bounds(SPHERE)[1][1])
  const tints = countryTints(report)
  const all = locatedEndpoints(report)
  const located = mappedEndpoints(all, worst)

  const out: string[] = []
  out.push(`<svg class="map" id="world-map" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="map-title">`)
  const count = located.length === all.length ? `${all.length}` : `${located.length} of ${all.length}`
  out.push(`<title id="map-title">World map: the vantage and ${count} geolocated endpoint${all.length === 1 ? '' : 's'}</title>`)
  out.push(`<path class="sphere" d="${path(SPHERE) ?? ''}"/>`)
  out.push(`<path class="graticule" d="${path(geoGraticule().step([30, 30])()) ?? ''}"/>`)

  // Untinted countries in one path keep the file small; tinted ones get their own, with a name.
  const plain: string[] = []
  const tinted: string[] = []
  for (const country of atlasCountries()) {
    const d = path(country.feature) ?? ''
    const tint = country.code ? tints.get(country.code) : undefined
    if (tint) tinted.push(`<path class="country v-${tint}" data-country="${esc(country.code)}" d="${d}"><title>${esc(country.name)} (${esc(country.code)}): ${tint}</title></path>`)
    else plain.push(d)
  }
  out.push(`<path class="land" d="${plain.join('')}"/>`)
  appendAll(out, tinted)

  // Arcs, least severe first so the worst are drawn on top.
  if (vantage) {
    const arcs = located
      .map((l, index) => ({...l, index}))
      .filter((l) => l.lon !== vantage[0] || l.lat !== vantage[1])
      .sort((a, b) => worstRank(worst, a.endpoint) - worstRank(worst, b.endpoint) || a.index - b.index)
    out.push('<g class="arcs">')
    for (const a of arcs) {
      const d = path({type: 'LineString', coordinates: [vantage, [a.lon, a.lat]]})
      if (d) out.push(`<path class="arc ${severityClass(worst.get(a.endpoint.ip))}" data-ip="${esc(a.endpoint.ip)}" d="${d}"/>`)
    }
    out.push('</g>')
  }

  // Markers: radius grows with the square root of the bytes (area ∝ traffic).
  const maxBytes = Math.max(1, maxOf(located.map((l) => l.endpoint.bytes), 1))
  const labels = new Map<string, {x: number; y: number; codes: Set<string>; count: number; bytes: number}>()
  out.push('<g class="markers">')
  for (const l of located) {
    const xy = projection([l.lon, l.lat])
    if (!xy) continue
    const severity = worst.get(l.endpoint.ip)
    const r = 3 + 4 * Math.sqrt(Math.max(0, l.endpoint.bytes) / maxBytes)
    out.push(`<circle class="marker endpoint ${severityClass(severity)}" data-ip="${esc(l.endpoint.ip)}" cx="${round1(xy[0])}" cy="${round1(xy[1])}" r="${round1(r)}"><title>${esc(endpointTitle(l.endpoint, severity))}</title></circle>`)
    const key = `${round1(xy[0])},${round1(xy[1])}`
    const label = labels.get(key) ?? {x: xy[0], y: xy[1], codes: new Set<string>(), count: 0, bytes: 0}
    label.codes.add(l.endpoint.geo?.country ?? '?')
    label.count++
    label.bytes += l.endpoint.bytes
    labels.set(key, label)
  }
  if (vantage) {
    const xy = projection(vantage)
    if (xy) {
      const place = givenVantagePlace(report.vantage) ?? [report.vantage.geo?.city, report.vantage.geo?.country ?? report.vantage.country].filter(Boolean).join(', ')
      out.push(`<path class="marker vantage" d="${diamond(xy[0], xy[1], 7)}"><title>Vantage (capturing host)${place ? `: ${esc(place)}` : ''} · ${esc(report.vantage.source)}</title></path>`)
    }
  }
  out.push('</g>')

  const shown = [...labels.values()].sort((a, b) => b.bytes - a.bytes || a.x - b.x || a.y - b.y).slice(0, MAX_LABELS)
  out.push('<g class="labels" aria-hidden="true">')
  for (const label of shown) {
    const text = [...label.codes].sort().join('/') + (label.count > 1 ? ` ×${label.count}` : '')
    out.push(`<text x="${round1(label.x + 9)}" y="${round1(label.y + 4)}">${esc(text)}</text>`)
  }
  out.push('</g>')
  out.push('</svg>')
  return out.join('\n')
}

/** The map's key: arc and marker colours by severity, country tints, the vantage symbol. */
export function renderMapLegend(): string {
  const swatch = (cls: string, shape: 'line' | 'box' | 'diamond') => {
    if (shape === 'line') return `<svg class="swatch" viewBox="0 0 24 12" width="24" height="12" aria-hidden="true"><path class="arc ${cls}" d="M1,6H23"/><circle class="marker endpoint ${cls}" cx="20" cy="6" r="4"/></svg>`
    if (shape === 'diamond') return `<svg class="swatch" viewBox="0 0 24 12" width="24" height="12" aria-hidden="true"><path class="marker vantage" d="${diamond(12, 6, 5)}"/></svg>`
    return `<svg class="swatch" viewBox="0 0 24 12" width="24" height="12" aria-hidden="true"><rect class="country ${cls}" x="1" y="1" width="22" height="10"/></svg>`
  }
  const items: string[] = []
  items.push(`<li>${swatch('', 'diamond')} vantage (where the capture was taken)</li>`)
  for (const s of SEVERITIES_DESC) items.push(`<li>${swatch(severityClass(s), 'line')} worst finding ${s}</li>`)
  items.push(`<li>${swatch('sev-none', 'line')} no finding</li>`)
  const tintNames: Record<Tint, string> = {home: 'home country', allowed: 'allowed', outside: 'reached, outside policy', denied: 'denied', reached: 'reached (not judged)'}
  for (const t of TINTED_VERDICTS) items.push(`<li>${swatch(`v-${t}`, 'box')} ${tintNames[t]}</li>`)
  return `<ul class="legend">${items.join('')}</ul>`
}
