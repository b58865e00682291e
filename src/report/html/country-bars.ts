import {countryName} from '../../policy/countries.js'
import {formatBytes} from '../flows-table.js'
import type {CountryShare} from '../report-model.js'
import {verdictClass} from './css-classes.js'
import {maxOf} from './extent.js'
import {esc, formatShare, round1} from './html-text.js'

const WIDTH = 960
const LABEL = 230
const VALUE = 190
const ROW = 24
const BAR = 16

/**
 * Bytes per country as a horizontal bar chart (inline SVG: CSS widths would need style
 * attributes, which the CSP forbids). Bars are in the order of summary.countries (by bytes),
 * their lengths proportional to bytes, the largest spanning the plot area.
 */
export function renderCountryBars(countries: readonly CountryShare[]): string {
  if (countries.length === 0) return '<p class="empty">No traffic reached a geolocated public endpoint.</p>'
  const plot = WIDTH - LABEL - VALUE
  const max = Math.max(1, maxOf(countries.map((c) => c.bytes), 1))
  const height = countries.length * ROW + 4
  const out = [`<svg class="bars" id="country-bars" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="country-bars-title">`]
  out.push('<title id="country-bars-title">Bytes per country</title>')
  countries.forEach((c, i) => {
    const y = 2 + i * ROW
    const width = (Math.max(0, c.bytes) / max) * plot
    const name = countryName(c.country)
    const label = name ? `${c.country} ${name}` : c.country
    out.push(`<g class="bar-row ${verdictClass(c.verdict)}">`)
    out.push(`<text class="bar-label" x="${LABEL - 8}" y="${y + BAR - 3}">${esc(label)}</text>`)
    out.push(`<rect class="bar" data-country="${esc(c.country)}" data-bytes="${esc(c.bytes)}" x="${LABEL}" y="${y}" width="${round1(width)}" height="${BAR}"><title>${esc(label)}: ${esc(c.bytes)} bytes, ${formatShare(c.share)}, ${esc(c.verdict)}</title></rect>`)
    out.push(`<text class="bar-value" x="${round1(LABEL + width + 6)}" y="${y + BAR - 3}">${esc(`${formatBytes(c.bytes)} · ${formatShare(c.share)} · ${c.verdict}`)}</text>`)
    out.push('</g>')
  })
  out.push('</svg>')
  return out.join('\n')
}
