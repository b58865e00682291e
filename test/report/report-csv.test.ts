import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {endpointsCsvPieces, flowsCsvPieces, renderEndpointsCsv, renderFlowsCsv} from '../../src/report/report-csv.js'
import type {Report} from '../../src/report/report-model.js'
import {FIXTURES} from '../helpers/paths.js'
import {parseCsv} from '../support/hostile-call.js'
import {expectPiecesOfWholeLines} from '../support/pieces.js'

const DEMO = join(FIXTURES, 'demo-jakarta-call.pcapng')

let dir: string
let report: Report

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callaudit-csv-'))
  const result = await analyzeCaptures({
    paths: [DEMO],
    geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true},
    policy: {},
    cwd: dir,
    toolVersion: 'test',
  })
  report = result.report
})

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
})

/** Rows as objects keyed by the header. */
function records(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text)
  return rows.map((r) => {
    expect(r).toHaveLength(header!.length)
    return Object.fromEntries(header!.map((h, i) => [h, r[i]!]))
  })
}

const str = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v))

describe('parseCsv (the test\'s own RFC 4180 reader)', () => {
  it('reads quoted fields, doubled quotes, commas and line breaks inside quotes', () => {
    expect(parseCsv('a,"b,c","d""e","f\r\ng"\r\n,\r\n')).toEqual([['a', 'b,c', 'd"e', 'f\r\ng'], ['', '']])
  })
  it('rejects what RFC 4180 does not allow', () => {
    expect(() => parseCsv('a,b\n')).toThrow(/bare LF/)
    expect(() => parseCsv('a,"b\r\n')).toThrow(/unterminated/)
    expect(() => parseCsv('a,b"c"\r\n')).toThrow(/quote inside/)
    expect(() => parseCsv('a,b')).toThrow(/without CRLF/)
  })
})

describe('renderFlowsCsv', () => {
  it('is RFC 4180: header row, CRLF line ends, one record per flow in id order', () => {
    const text = renderFlowsCsv(report)
    expect(text.endsWith('\r\n')).toBe(true)
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
    const rows = records(text)
    expect(rows).toHaveLength(report.flows.length)
    expect(rows.map((r) => Number(r['id']))).toEqual(report.flows.map((f) => f.id).sort((a, b) => a - b))
    expect(parseCsv(text)[0]).toEqual([
      'id', 'capture_file', 'transport', 'ip_version', 'client_ip', 'client_port', 'server_ip', 'server_port', 'remote_ip', 'remote_port',
      'role', 'app', 'packets_to_server', 'packets_to_client', 'bytes_to_server', 'bytes_to_client',
      'first_frame', 'first_time', 'last_time', 'duration_s', 'sni', 'names_seen',
      'remote_country', 'remote_registered_country', 'remote_city', 'remote_asn', 'remote_operator', 'remote_verdict',
    ])
  })

  it('gives each flow\'s fields as in the report, with the geolocation of its remote end', () => {
    const rows = new Map(records(renderFlowsCsv(report)).map((r) => [Number(r['id']), r]))
    const endpoint = new Map(report.endpoints.map((e) => [e.ip, e]))
    for (const f of report.flows) {
      const r = rows.get(f.id)!
      expect([r['capture_file'], r['transport'], r['client_ip'], r['client_port'], r['server_ip'], r['server_port'], r['remote_ip'], r['remote_port']]).toEqual(
        [report.captures[f.capture]!.path, f.proto, f.client.ip, str(f.client.port), f.server.ip, str(f.server.port), f.remote.ip, str(f.remote.port)],
      )
      expect([r['role'], r['app']]).toEqual([f.role, str(f.app)])
      expect([r['packets_to_server'], r['packets_to_client'], r['bytes_to_server'], r['bytes_to_client']].map(Number)).toEqual([f.packets.toServer, f.packets.toClient, f.bytes.toServer, f.bytes.toClient])
      expect([r['first_frame'], r['first_time'], r['last_time'], r['duration_s']]).toEqual([str(f.firstFrame), f.firstTime, f.lastTime, str(f.durationSeconds)])
      const e = endpoint.get(f.remote.ip)
      expect([r['remote_country'], r['remote_registered_country'], r['remote_city'], r['remote_asn'], r['remote_operator'], r['remote_verdict']]).toEqual(
        [str(e?.geo?.country), str(e?.geo?.registeredCountry), str(e?.geo?.city), str(e?.geo?.asn), str(e?.geo?.asOrg), str(e?.judgement.verdict)],
      )
      // The SNI column is the TLS ClientHello's server name, as the analyzer read it.
      const sni = (f.protocols?.['tls'] as {clientHello?: {sni?: string}} | undefined)?.clientHello?.sni
      if (sni) expect(r['sni']!.split('; ')).toContain(sni)
    }
  })

  it('names what the demo\'s flows showed: SNI, HTTP Host, DNS questions', () => {
    const rows = records(renderFlowsCsv(report))
    // Flow 5 of the demo: TLS to 170.114.10.73 naming the kemlu-go-id tenant (analyze-demo.test.ts).
    const tls = rows.find((r) => r['server_ip'] === '170.114.10.73' && r['server_port'] === '443' && r['sni'] !== '')
    expect(tls?.['sni']).toBe('kemlu-go-id.zoom.us')
    expect(tls?.['remote_operator']).toBe('Amazon.com, Inc.') // a comma: quoted, read back whole
    // Cleartext HTTP to the same server: no SNI, the Host header names the tenant.
    const http = rows.find((r) => r['server_ip'] === '170.114.10.73' && r['server_port'] === '80')
    expect([http?.['sni'], http?.['names_seen']]).toEqual(['', 'kemlu-go-id.zoom.us'])
    // DNS flows name what they asked: the local resolver the tenant, Google's the media region.
    const asked = (server: string) => rows.filter((r) => r['role'] === 'dns' && r['server_ip'] === server).map((r) => r['names_seen'])
    expect(asked('192.168.0.1')).toContain('kemlu-go-id.zoom.us')
    expect(asked('8.8.8.8')).toEqual(['zoomlax37zc.zoom.us'])
  })

  it('is deterministic', () => {
    expect(renderFlowsCsv(JSON.parse(JSON.stringify(report)) as Report)).toBe(renderFlowsCsv(report))
  })
})

describe('renderEndpointsCsv', () => {
  it('gives one record per endpoint with the report\'s fields', () => {
    const text = renderEndpointsCsv(report)
    expect(text.endsWith('\r\n')).toBe(true)
    const rows = records(text)
    expect(parseCsv(text)[0]).toEqual([
      'ip', 'names', 'country', 'registered_country', 'city', 'latitude', 'longitude', 'accuracy_radius_km', 'asn', 'operator', 'special_range',
      'roles', 'apps', 'flow_ids', 'flows', 'packets', 'bytes', 'first_frame', 'verdict', 'reason',
    ])
    expect(rows.map((r) => r['ip'])).toEqual(report.endpoints.map((e) => e.ip))
    for (const [i, e] of report.endpoints.entries()) {
      const r = rows[i]!
      expect(r['names']).toBe(e.names.join('; '))
      expect([r['country'], r['registered_country'], r['city'], r['asn'], r['operator']]).toEqual([str(e.geo?.country), str(e.geo?.registeredCountry), str(e.geo?.city), str(e.geo?.asn), str(e.geo?.asOrg)])
      expect(Number(r['latitude'] || 'NaN')).toBe(e.geo?.latitude ?? Number.NaN)
      expect([r['roles'], r['apps'], r['flow_ids']]).toEqual([e.roles.join('; '), e.apps.join('; '), e.flowIds.join('; ')])
      expect([r['flows'], r['packets'], r['bytes'], r['first_frame']].map(Number)).toEqual([e.flowIds.length, e.packets, e.bytes, e.firstFrame])
      expect([r['verdict'], r['reason']]).toEqual([e.judgement.verdict, e.judgement.reason])
    }
    // The demo's media server: Singapore, registered in the US.
    expect(rows.find((r) => r['ip'] === '149.137.41.57')).toMatchObject({country: 'SG', registered_country: 'US', asn: '30103'})
  })

  it('quotes what needs quoting and reads back exactly', () => {
    const tricky = structuredClone(report)
    const names = ['he said "hi", then left', 'two\r\nlines', ' padded ', 'plain']
    tricky.endpoints[0]!.names = names
    tricky.endpoints[0]!.geo!.asOrg = 'Comma, Inc.'
    const text = renderEndpointsCsv(tricky)
    const row = records(text)[0]!
    // Control characters are made visible (no line break can split a record); the rest is kept.
    expect(row['names']).toBe('he said "hi", then left; two\\x0d\\x0alines;  padded ; plain')
    expect(row['operator']).toBe('Comma, Inc.')
    expect(text).toContain('"he said ""hi"", then left;')
  })

  it('defuses spreadsheet formulas at the start of a text cell, and only there', () => {
    const hostile = structuredClone(report)
    const cases: Array<[string, string]> = [
      ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
      ['+1+1', "'+1+1"],
      ['-2+3', "'-2+3"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\t=1', "'\\x09=1"],
      ['\r=1', "'\\x0d=1"],
      ['  =1+1', "'  =1+1"],
      ['a=1+1', 'a=1+1'],
    ]
    cases.forEach(([name], i) => {
      hostile.endpoints[i]!.names = [name]
    })
    const rows = records(renderEndpointsCsv(hostile))
    cases.forEach(([, expected], i) => expect(rows[i]!['names']).toBe(expected))
    // Numbers stay numbers: a negative longitude is not a formula.
    const west = report.endpoints.find((e) => (e.geo?.longitude ?? 0) < 0)!
    expect(records(renderEndpointsCsv(report)).find((r) => r['ip'] === west.ip)?.['longitude']).toBe(String(west.geo!.longitude))
  })

  it('is deterministic', () => {
    expect(renderEndpointsCsv(JSON.parse(JSON.stringify(report)) as Report)).toBe(renderEndpointsCsv(report))
  })
})

describe('CSV pieces: a report with many rows', () => {
  it('comes in pieces of whole rows of about a mebibyte, every flow and endpoint once', () => {
    const big = structuredClone(report)
    for (let i = 0; i < 6000; i++) {
      big.flows.push({...structuredClone(report.flows[i % report.flows.length]!), id: 100_000 + i})
      big.endpoints.push({...structuredClone(report.endpoints[i % report.endpoints.length]!), ip: `198.18.${i >> 8}.${i & 255}`})
    }
    for (const [pieces, rows] of [
      [[...flowsCsvPieces(big)], big.flows.length],
      [[...endpointsCsvPieces(big)], big.endpoints.length],
    ] as const) {
      expectPiecesOfWholeLines(pieces, '\r\n')
      expect(parseCsv(pieces.join(''))).toHaveLength(1 + rows)
    }
    const ids = parseCsv(renderFlowsCsv(big)).slice(1).map((r) => Number(r[0]))
    expect(ids).toEqual(big.flows.map((f) => f.id).sort((a, b) => a - b))
    expect(parseCsv(renderEndpointsCsv(big)).slice(1).map((r) => r[0])).toEqual(big.endpoints.map((e) => e.ip))
  })
})
