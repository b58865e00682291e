/**
 * Compiles the @ip-location-db/asn CSV tables (`start,end,asn,org`, inclusive ranges, one file
 * per IP version) into one MMDB with MaxMind's GeoLite2-ASN record layout
 * (`autonomous_system_number`, `autonomous_system_organization`), IPv4 at ::/96.
 */
import {InputError} from '../errors.js'
import {bytesToBigInt, bigIntToBytes, parseIp, rangeToCidrs, rangeToCidrsV4} from './ip.js'
import {csvRows, CsvSyntaxError} from './csv.js'
import {MmdbWriter} from './mmdb/writer.js'
import {typed} from './mmdb/values.js'

export interface AsnCsvInput {
  path: string
  text: string
}

export interface AsnBuildResult {
  buffer: Buffer
  ranges: number
  networks: number
}

export function compileAsnCsv(inputs: AsnCsvInput[], buildEpoch: number, description: string): AsnBuildResult {
  const writer = new MmdbWriter({ipVersion: 6, databaseType: 'callaudit-ASN', buildEpoch, description: {en: description}, languages: []})
  // One data record per distinct (asn, org): ~80k records shared by ~500k ranges.
  const offsets = new Map<string, number>()
  let ranges = 0
  for (const input of inputs) {
    try {
      for (const row of csvRows(input.text)) {
        if (row.fields.length === 1 && row.fields[0] === '') continue
        const [startText, endText, asnText, org] = row.fields
        const fail = (what: string) => new InputError(`line ${row.line}: ${what}`, input.path)
        const start = parseIp(startText ?? '')
        const end = parseIp(endText ?? '')
        if (!start || !end || start.version !== end.version) throw fail(`bad range "${startText ?? ''},${endText ?? ''}"`)
        const asn = Number(asnText)
        if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) throw fail(`bad AS number "${asnText ?? ''}"`)
        const key = `${asn}\u0000${org ?? ''}`
        let offset = offsets.get(key)
        if (offset === undefined) {
          offset = writer.storeValue(
            org ? {autonomous_system_number: typed('uint32', asn), autonomous_system_organization: org} : {autonomous_system_number: typed('uint32', asn)},
          )
          offsets.set(key, offset)
        }
        ranges++
        if (start.version === 4) {
          const s = ((start.bytes[0] ?? 0) * 2 ** 24) + (((start.bytes[1] ?? 0) << 16) | ((start.bytes[2] ?? 0) << 8) | (start.bytes[3] ?? 0))
          const e = ((end.bytes[0] ?? 0) * 2 ** 24) + (((end.bytes[1] ?? 0) << 16) | ((end.bytes[2] ?? 0) << 8) | (end.bytes[3] ?? 0))
          for (const cidr of rangeToCidrsV4(s, e)) writer.insertIpv4(cidr.start, cidr.prefixLength, offset)
        } else {
          for (const cidr of rangeToCidrs(bytesToBigInt(start.bytes), bytesToBigInt(end.bytes), 128)) {
            writer.insertOffset({bytes: bigIntToBytes(cidr.start, 16), prefixLength: cidr.prefixLength}, offset)
          }
        }
      }
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new InputError(`line ${error.line}: ${error.message}`, input.path)
      throw error
    }
  }
  const networks = writer.networkCount
  return {buffer: writer.toBuffer(), ranges, networks}
}

/**
 * Build epoch for an ip-location-db package: its versions end in the data's UTC date and hour
 * (2.3.2026061719 → 2026-06-17T19:00Z), which keeps the compiled file reproducible.
 */
export function epochFromPackageVersion(version: string): number | undefined {
  const m = /\.(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(version)
  if (!m) return undefined
  const [y, mo, d, h] = m.slice(1).map(Number) as [number, number, number, number]
  return Date.UTC(y, mo - 1, d, h) / 1000
}
