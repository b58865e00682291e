/**
 * `callaudit db build --csv ranges.csv`: an organisation's own ranges compiled into an MMDB.
 *
 * CSV with a header row; columns (any order, names case-insensitive):
 *   network             CIDR, e.g. 10.20.0.0/16 or 2001:db8:100::/48   ┐ one of the two
 *   start,end           inclusive range, e.g. 192.0.2.10,192.0.2.20       ┘
 *   country             ISO 3166-1 alpha-2 where the range is (DE)
 *   registered_country  optional, ISO code of the holder's country
 *   label               optional free text ("HQ VPN egress")
 *   asn, org            optional AS number (15169 or AS15169) and organisation
 * Each row needs at least one of country, label, asn. Blank lines and lines starting with #
 * are ignored. Where networks overlap, the more specific one wins; the same network twice is
 * an error. Records use MaxMind's nested layout plus `label`; database_type `callaudit-Site`.
 */
import {InputError} from '../errors.js'
import {csvRows, CsvSyntaxError} from './csv.js'
import {bigIntToBytes, bytesToBigInt, formatCidr, parseCidr, parseIp, rangeToCidrs, type Cidr} from './ip.js'
import type {MmdbMap} from './mmdb/values.js'
import {typed} from './mmdb/values.js'
import {MmdbWriter} from './mmdb/writer.js'

export const SITE_COLUMNS = ['network', 'start', 'end', 'country', 'registered_country', 'label', 'asn', 'org'] as const
type Column = (typeof SITE_COLUMNS)[number]

export interface SiteBuildOptions {
  buildEpoch: number
  databaseType?: string
  description?: string
}

export interface SiteBuildResult {
  buffer: Buffer
  rows: number
  networks: number
  ipVersion: 4 | 6
}

interface Entry {
  cidr: Cidr
  record: MmdbMap
  line: number
}

export function compileSiteCsv(text: string, file: string, options: SiteBuildOptions): SiteBuildResult {
  const fail = (line: number, message: string) => new InputError(`line ${line}: ${message}`, file)
  let header: Map<Column, number> | undefined
  const entries: Entry[] = []
  let rows = 0
  try {
    for (const row of csvRows(text)) {
      const first = row.fields[0]?.trim() ?? ''
      if ((row.fields.length === 1 && first === '') || first.startsWith('#')) continue
      if (!header) {
        header = parseHeader(row.fields, (m) => fail(row.line, m))
        continue
      }
      if (row.fields.length !== header.size) throw fail(row.line, `expected ${header.size} fields like the header, found ${row.fields.length}`)
      const get = (c: Column) => {
        const i = header?.get(c)
        return i === undefined ? '' : (row.fields[i] ?? '').trim()
      }
      rows++
      const record = siteRecord(get, (m) => fail(row.line, m))
      for (const cidr of rowNetworks(get, (m) => fail(row.line, m))) entries.push({cidr, record, line: row.line})
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw fail(error.line, error.message)
    throw error
  }
  if (!header) throw new InputError('empty CSV: expected a header row such as "network,country,label"', file)
  if (entries.length === 0) throw new InputError('no ranges in CSV (only a header)', file)
  const seen = new Map<string, number>()
  for (const entry of entries) {
    const key = formatCidr(entry.cidr)
    const previous = seen.get(key)
    if (previous !== undefined) throw fail(entry.line, `network ${key} already defined on line ${previous}`)
    seen.set(key, entry.line)
  }
  const ipVersion = entries.some((e) => e.cidr.bytes.length === 16) ? 6 : 4
  const writer = new MmdbWriter({
    ipVersion,
    databaseType: options.databaseType ?? 'callaudit-Site',
    buildEpoch: options.buildEpoch,
    description: {en: options.description ?? `Site ranges compiled by callaudit from ${file.split('/').pop() ?? file}`},
  })
  // Broader networks first, so a more specific one inserted later overrides its part.
  const ordered = [...entries].sort((a, b) => a.cidr.prefixLength + (a.cidr.bytes.length === 4 ? 96 : 0) - (b.cidr.prefixLength + (b.cidr.bytes.length === 4 ? 96 : 0)) || a.line - b.line)
  for (const entry of ordered) writer.insert(entry.cidr, entry.record)
  return {buffer: writer.toBuffer(), rows, networks: entries.length, ipVersion}
}

function parseHeader(fields: string[], fail: (m: string) => InputError): Map<Column, number> {
  const header = new Map<Column, number>()
  fields.forEach((raw, i) => {
    const name = raw.trim().toLowerCase()
    if (!(SITE_COLUMNS as readonly string[]).includes(name)) {
      throw fail(`unknown column "${raw.trim()}" (expected: ${SITE_COLUMNS.join(', ')}); is the header row missing?`)
    }
    if (header.has(name as Column)) throw fail(`column "${name}" appears twice`)
    header.set(name as Column, i)
  })
  const hasNetwork = header.has('network')
  const hasRange = header.has('start') || header.has('end')
  if (hasNetwork === hasRange) throw fail('header needs either a "network" column or "start" and "end" columns')
  if (hasRange && !(header.has('start') && header.has('end'))) throw fail('header has only one of "start" and "end"')
  if (!header.has('country') && !header.has('label') && !header.has('asn')) throw fail('header needs at least one of "country", "label", "asn"')
  return header
}

function rowNetworks(get: (c: Column) => string, fail: (m: string) => InputError): Cidr[] {
  const network = get('network')
  if (network !== '' || get('start') === '') {
    const cidr = parseCidr(network)
    if (typeof cidr === 'string') throw fail(network === '' ? 'empty network' : cidr)
    return [cidr]
  }
  const start = parseIp(get('start'))
  const end = parseIp(get('end'))
  if (!start) throw fail(`invalid start address "${get('start')}"`)
  if (!end) throw fail(`invalid end address "${get('end')}"`)
  if (start.version !== end.version) throw fail(`start ${get('start')} and end ${get('end')} are different IP versions`)
  const s = bytesToBigInt(start.bytes)
  const e = bytesToBigInt(end.bytes)
  if (s > e) throw fail(`start ${get('start')} is after end ${get('end')}`)
  const width = start.version === 4 ? 4 : 16
  return rangeToCidrs(s, e, width === 4 ? 32 : 128).map((c) => ({bytes: bigIntToBytes(c.start, width), prefixLength: c.prefixLength}))
}

function siteRecord(get: (c: Column) => string, fail: (m: string) => InputError): MmdbMap {
  const record: MmdbMap = {}
  for (const [column, key] of [['country', 'country'], ['registered_country', 'registered_country']] as const) {
    const value = get(column)
    if (value === '') continue
    if (!/^[A-Za-z]{2}$/.test(value)) throw fail(`${column} "${value}" is not an ISO 3166-1 alpha-2 code such as DE`)
    record[key] = {iso_code: value.toUpperCase()}
  }
  const label = get('label')
  if (label !== '') record['label'] = label
  const asnText = get('asn')
  if (asnText !== '') {
    const digits = /^(?:AS)?(\d{1,10})$/i.exec(asnText)?.[1]
    const asn = digits === undefined ? NaN : Number(digits)
    if (!(asn >= 0 && asn <= 0xffffffff)) throw fail(`asn "${asnText}" is not an AS number (e.g. 64500 or AS64500)`)
    record['autonomous_system_number'] = typed('uint32', asn)
  }
  const org = get('org')
  if (org !== '') record['autonomous_system_organization'] = org
  if (Object.keys(record).length === 0) throw fail('row has no country, label or asn')
  return record
}
