import {mkdtempSync, rmSync} from 'node:fs'
import {isIP} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {ECS_SEVERITY, MAX_EVENT_NAMES, jsonLine, ndjsonPieces, renderNdjson} from '../../src/report/ndjson.js'
import {expectPiecesOfWholeLines} from '../support/pieces.js'
import type {Report} from '../../src/report/report-model.js'
import {FIXTURES} from '../helpers/paths.js'

const DEMO = join(FIXTURES, 'demo-jakarta-call.pcapng')

/**
 * The ECS fields the events may use, with their ECS types, as the ECS 8.11 reference gives
 * them (elastic.co/guide/en/ecs/8.11: ecs-base, ecs-ecs, ecs-event, ecs-observer,
 * ecs-source, ecs-destination, ecs-geo (reused at source.geo / destination.geo), ecs-as
 * (reused at source.as / destination.as), ecs-network, ecs-related, ecs-rule). Written out
 * here from the documentation, not from the renderer, so a misspelt field name fails.
 */
const ECS_FIELDS: Record<string, 'date' | 'keyword' | 'keyword[]' | 'text' | 'long' | 'ip' | 'ip[]' | 'geo_point'> = {
  '@timestamp': 'date',
  message: 'text',
  tags: 'keyword[]',
  'ecs.version': 'keyword',
  'event.kind': 'keyword',
  'event.category': 'keyword[]',
  'event.type': 'keyword[]',
  'event.module': 'keyword',
  'event.dataset': 'keyword',
  'event.start': 'date',
  'event.end': 'date',
  'event.duration': 'long',
  'event.severity': 'long',
  'observer.product': 'keyword',
  'observer.version': 'keyword',
  ...Object.fromEntries(
    ['source', 'destination'].flatMap((side) => [
      [`${side}.ip`, 'ip'],
      [`${side}.port`, 'long'],
      [`${side}.domain`, 'keyword'],
      [`${side}.bytes`, 'long'],
      [`${side}.packets`, 'long'],
      [`${side}.geo.country_iso_code`, 'keyword'],
      [`${side}.geo.city_name`, 'keyword'],
      [`${side}.geo.location`, 'geo_point'],
      [`${side}.as.number`, 'long'],
      [`${side}.as.organization.name`, 'keyword'],
    ]),
  ),
  'network.transport': 'keyword',
  'network.type': 'keyword',
  'network.protocol': 'keyword',
  'network.application': 'keyword',
  'network.bytes': 'long',
  'network.packets': 'long',
  'related.ip': 'ip[]',
  'related.hosts': 'keyword[]',
  'rule.id': 'keyword',
  'rule.name': 'keyword',
  'rule.description': 'keyword',
  'rule.category': 'keyword',
  'rule.ruleset': 'keyword',
}

/** Allowed values of the categorization fields used (ECS 8.11 ecs-allowed-values-*). */
const EVENT_KIND = ['alert', 'enrichment', 'event', 'metric', 'state', 'pipeline_error', 'signal']
const EVENT_TYPE_NETWORK = ['access', 'allowed', 'connection', 'denied', 'end', 'info', 'protocol', 'start']

type Doc = Record<string, unknown>

/** Dotted field paths to their values; `*.geo.location` (a geo_point object) is one leaf. */
function flatten(doc: Doc, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(doc)) {
    const path = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object' && !Array.isArray(v) && !path.endsWith('.geo.location')) flatten(v as Doc, path, out)
    else out[path] = v
  }
  return out
}

function checkType(path: string, type: string, value: unknown): void {
  const where = `${path} = ${JSON.stringify(value)}`
  switch (type) {
    case 'date':
      expect(typeof value === 'string' && Number.isFinite(Date.parse(value)), where).toBe(true)
      break
    case 'keyword':
    case 'text':
      expect(typeof value, where).toBe('string')
      break
    case 'keyword[]':
      expect(Array.isArray(value) && value.every((x) => typeof x === 'string'), where).toBe(true)
      break
    case 'long':
      expect(Number.isInteger(value), where).toBe(true)
      break
    case 'ip':
      expect(isIP(String(value)), where).not.toBe(0)
      break
    case 'ip[]':
      expect(Array.isArray(value) && value.every((x) => isIP(String(x)) !== 0), where).toBe(true)
      break
    case 'geo_point': {
      const p = value as {lat: unknown; lon: unknown}
      expect(Object.keys(p).sort(), where).toEqual(['lat', 'lon'])
      expect(typeof p.lat === 'number' && Math.abs(p.lat) <= 90 && typeof p.lon === 'number' && Math.abs(p.lon) <= 180, where).toBe(true)
      break
    }
  }
}

let dir: string
let report: Report
let text: string
let docs: Doc[]

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callaudit-ndjson-'))
  const result = await analyzeCaptures({paths: [DEMO], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: dir, toolVersion: 'test'})
  report = result.report
  text = renderNdjson(report)
  docs = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Doc)
})

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
})

const dataset = (d: Doc) => (d['event'] as {dataset: string}).dataset

describe('renderNdjson: shape', () => {
  it('writes one JSON object per line: flows, then findings, then one summary', () => {
    expect(text.endsWith('\n')).toBe(true)
    expect(docs).toHaveLength(report.flows.length + report.findings.length + 1)
    expect(docs.map(dataset)).toEqual([
      ...report.flows.map(() => 'callaudit.flow'),
      ...report.findings.map(() => 'callaudit.finding'),
      'callaudit.summary',
    ])
  })

  it('uses only ECS 8.11 field names outside callaudit.*, each with its ECS type', () => {
    const seen = new Set<string>()
    for (const doc of docs) {
      for (const [path, value] of Object.entries(flatten(doc))) {
        if (path.startsWith('callaudit.')) continue
        expect(Object.keys(ECS_FIELDS), `${path} is not an ECS field`).toContain(path)
        checkType(path, ECS_FIELDS[path]!, value)
        seen.add(path)
      }
      expect((doc['ecs'] as {version: string}).version).toBe('8.11.0')
      expect(EVENT_KIND).toContain((doc['event'] as {kind: string}).kind)
      expect((doc['event'] as {category: string[]}).category).toEqual(['network'])
      for (const t of (doc['event'] as {type: string[]}).type) expect(EVENT_TYPE_NETWORK).toContain(t)
    }
    // The fields the SIEM needs are really there, not just allowed.
    for (const needed of ['destination.geo.country_iso_code', 'destination.geo.location', 'destination.as.number', 'destination.as.organization.name', 'network.protocol', 'related.hosts', 'rule.id', 'event.severity']) expect(seen).toContain(needed)
  })

  it('is deterministic', () => {
    expect(renderNdjson(JSON.parse(JSON.stringify(report)) as Report)).toBe(text)
  })
})

describe('renderNdjson: flow events', () => {
  it('map each flow: client as source, server as destination, counters, transport, protocol', () => {
    const flows = docs.filter((d) => dataset(d) === 'callaudit.flow')
    const sorted = [...report.flows].sort((a, b) => a.id - b.id)
    flows.forEach((d, i) => {
      const f = sorted[i]!
      const x = flatten(d)
      expect(x['@timestamp']).toBe(f.firstTime)
      expect(x['event.kind']).toBe('event')
      expect(x['event.type']).toEqual(['connection'])
      expect([x['source.ip'], x['source.port'], x['destination.ip'], x['destination.port']]).toEqual([f.client.ip, f.client.port, f.server.ip, f.server.port])
      expect([x['source.bytes'], x['source.packets'], x['destination.bytes'], x['destination.packets']]).toEqual([f.bytes.toServer, f.packets.toServer, f.bytes.toClient, f.packets.toClient])
      expect(x['network.bytes']).toBe(f.bytes.toServer + f.bytes.toClient)
      expect(x['network.transport']).toBe(f.proto)
      expect(x['event.duration']).toBe(Math.round(f.durationSeconds * 1e9))
      expect(x['callaudit.flow.id']).toBe(f.id)
      expect(x['callaudit.flow.role']).toBe(f.role)
      expect(x['callaudit.flow.app']).toBe(f.app ?? undefined)
      expect(x['related.ip']).toEqual([...new Set([f.client.ip, f.server.ip])].sort())
    })
  })

  it('geolocate the remote end and name the protocol the analyzers found', () => {
    const byId = new Map(docs.filter((d) => dataset(d) === 'callaudit.flow').map((d) => [flatten(d)['callaudit.flow.id'] as number, flatten(d)]))
    // Flow 14 of the demo: Zoom media to Singapore (AS30103), registered in the US.
    const media = byId.get(14)!
    expect([media['destination.ip'], media['destination.port'], media['destination.geo.country_iso_code'], media['destination.as.number'], media['network.application']]).toEqual(['149.137.41.57', 8801, 'SG', 30103, 'zoom'])
    expect(media['callaudit.endpoint.registered_country']).toBe('US')
    // Flow 5: TLS with the tenant's name as SNI.
    const tls = byId.get(5)!
    expect([tls['network.protocol'], tls['destination.domain']]).toEqual(['tls', 'kemlu-go-id.zoom.us'])
    expect(tls['related.hosts']).toContain('kemlu-go-id.zoom.us')
    expect(byId.get(4)!['network.protocol']).toBe('http')
    expect(byId.get(8)!['network.protocol']).toBe('dns')
  })

  it('put the geolocation on the source when the remote end is the client', () => {
    const inbound = structuredClone(report)
    const f = inbound.flows.find((x) => x.id === 14)!
    ;[f.client, f.server] = [f.server, f.client]
    const d = flatten(JSON.parse(renderNdjson(inbound).split('\n')[inbound.flows.indexOf(f)]!) as Doc)
    expect([d['source.ip'], d['source.geo.country_iso_code'], d['destination.geo.country_iso_code']]).toEqual(['149.137.41.57', 'SG', undefined])
  })
})

describe('renderNdjson: an endpoint with many names', () => {
  it(`lists at most ${MAX_EVENT_NAMES} of them per flow event, with their total`, () => {
    const many = structuredClone(report)
    const f = many.flows.find((x) => x.id === 14)!
    const endpoint = many.endpoints.find((e) => e.ip === f.remote.ip)!
    endpoint.names = Array.from({length: 300}, (_, i) => `n${String(i).padStart(3, '0')}.example`)
    const doc = JSON.parse(renderNdjson(many).split('\n')[many.flows.indexOf(f)]!) as {callaudit: {endpoint: {names: string[]; names_total?: number}}; related: {hosts: string[]}}
    expect(doc.callaudit.endpoint.names).toEqual(endpoint.names.slice(0, MAX_EVENT_NAMES))
    expect(doc.callaudit.endpoint.names_total).toBe(300)
    expect(doc.related.hosts.filter((h) => h.endsWith('.example'))).toHaveLength(MAX_EVENT_NAMES)
    // Few names: all of them, and no total.
    const plain = JSON.parse(renderNdjson(report).split('\n')[report.flows.indexOf(report.flows.find((x) => x.id === 14)!)]!) as {callaudit: {endpoint: {names_total?: number}}}
    expect(plain.callaudit.endpoint.names_total).toBeUndefined()
  })
})

describe('renderNdjson: finding and summary events', () => {
  it('map each finding to an alert with its rule, severity and related addresses', () => {
    const findings = docs.filter((d) => dataset(d) === 'callaudit.finding').map((d) => flatten(d))
    findings.forEach((x, i) => {
      const f = report.findings[i]!
      expect(x['event.kind']).toBe('alert')
      expect([x['rule.id'], x['rule.name'], x['message']]).toEqual([f.ruleId, f.title, f.detail])
      expect(x['event.severity']).toBe(ECS_SEVERITY[f.severity])
      expect(x['callaudit.finding.severity']).toBe(f.severity)
      expect(x['callaudit.finding.flow_ids']).toEqual(f.flowIds.length ? f.flowIds : undefined)
      if (f.endpoint) {
        expect(x['destination.ip']).toBe(f.endpoint)
        expect(x['related.ip']).toContain(f.endpoint)
      }
      const frames = (x['callaudit.finding.evidence'] as Array<{frame?: number}> | undefined)?.map((e) => e.frame)
      expect(frames).toEqual(f.evidence.length ? f.evidence.map((e) => e.frame) : undefined)
      expect(typeof x['@timestamp']).toBe('string')
    })
  })

  it('orders severities on the 0-100 scale', () => {
    const order = ['info', 'low', 'medium', 'high', 'critical'] as const
    const scores = order.map((s) => ECS_SEVERITY[s])
    expect([...scores].sort((a, b) => a - b)).toEqual(scores)
    expect(scores.every((s) => Number.isInteger(s) && s >= 0 && s <= 100)).toBe(true)
    expect(new Set(scores).size).toBe(scores.length)
  })

  it('ends with the summary: verdict, counts, countries', () => {
    const x = flatten(docs[docs.length - 1]!)
    const s = report.summary
    expect(x['callaudit.summary.verdict']).toBe(s.verdict)
    expect(x['callaudit.summary.exit_code']).toBe(s.exitCode)
    for (const k of ['critical', 'high', 'medium', 'low', 'info'] as const) expect(x[`callaudit.summary.findings.${k}`]).toBe(s.findings[k])
    expect((x['callaudit.summary.countries'] as Array<{country: string}>).map((c) => c.country)).toEqual(s.countries.map((c) => c.country))
    expect(x['message']).toMatch(/^callaudit verdict FAIL: /)
    expect([x['network.bytes'], x['network.packets']]).toEqual([s.bytes, s.packets])
  })
})

describe('jsonLine', () => {
  it('escapes what JSON.stringify leaves raw (DEL, C1, bidi, zero-width, line separators), losslessly', () => {
    const value = {s: 'a\u007fb\u009bc\u202ed\u200be\u2028f\u2029g\ufeffh\x1b'}
    const line = jsonLine(value)
    expect(line).not.toMatch(/[\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\u0000-\u001f]/)
    expect(line).toContain('\\u009b')
    expect(JSON.parse(line)).toEqual(value)
  })
})

describe('ndjsonPieces: a report too large for one string', () => {
  it('comes in pieces of whole lines, about a mebibyte each, with every event once and in order', () => {
    // The demo's flows again and again under new ids, as a capture of thousands of flows gives.
    const big = structuredClone(report)
    const copies = 3000
    for (let i = 0; i < copies; i++) big.flows.push({...structuredClone(report.flows[i % report.flows.length]!), id: 100_000 + i})
    const pieces = [...ndjsonPieces(big)]
    expectPiecesOfWholeLines(pieces, '\n')
    const events = pieces.join('').trimEnd().split('\n').map((l) => JSON.parse(l) as Doc)
    expect(events).toHaveLength(big.flows.length + big.findings.length + 1)
    const flowIds = events.slice(0, big.flows.length).map((d) => (d['callaudit'] as {flow: {id: number}}).flow.id)
    expect(flowIds).toEqual(big.flows.map((f) => f.id).sort((a, b) => a - b))
    expect(dataset(events.at(-1)!)).toBe('callaudit.summary')
  })
})
