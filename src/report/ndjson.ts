import {flowEvidence} from '../analysis/flow-evidence.js'
import {ruleById} from '../findings/rules.js'
import type {Severity} from '../policy/policy.js'
import type {Finding, Report, ReportEndpoint, ReportFlow, ReportGeo} from './report-model.js'
import {sortedUnique} from './compare-text.js'
import {safeJsonStringify} from './json-text.js'
import {findingCountsText} from './severity-text.js'
import {textPieces} from './text-pieces.js'
import {flowEndText} from '../util/ip-text.js'

/**
 * The report as newline-delimited JSON in Elastic Common Schema (ECS 8.11) field names, for a
 * SIEM: one event per flow (event.kind "event"), one per finding (event.kind "alert"), then one
 * summary event with the verdict. Fields ECS does not define live under `callaudit.*`.
 *
 * Values are the Report's own (names exactly as seen, for correlation), JSON-escaped: besides the
 * C0 controls JSON.stringify already escapes, DEL, C1 controls, bidi overrides, zero-width
 * characters and the line/paragraph separators are written as `\uXXXX`, so no line holds a raw
 * control character whatever the capture contained.
 */

export const ECS_VERSION = '8.11.0'

/** event.severity (ECS: numeric, the source's scale): the risk scores Elastic's detection rules
 * use for their severities, with info at 0. */
export const ECS_SEVERITY: Record<Severity, number> = {info: 0, low: 21, medium: 47, high: 73, critical: 99}

/** ECS network.transport names the IANA protocol keyword: ICMPv6 is `ipv6-icmp`. */
const TRANSPORT: Record<string, string> = {icmpv6: 'ipv6-icmp'}

/** Which analyzer's facts name the application protocol (network.protocol), most specific first. */
const PROTOCOL_ORDER: ReadonlyArray<[fact: string, name: string]> = [
  ['http', 'http'],
  ['quic', 'quic'],
  ['tls', 'tls'],
  ['dtls', 'dtls'],
  ['dns', 'dns'],
  ['stun', 'stun'],
  ['rtp', 'rtp'],
  ['zoom', 'zoom'],
  ['lan', 'lan'],
]

/** One JSON line, with nothing raw that a terminal could interpret. */
export function jsonLine(value: unknown): string {
  return safeJsonStringify(value) ?? 'null'
}

type Json = string | number | boolean | null | Json[] | {[key: string]: Json | undefined}

/** Drop undefined fields, empty objects and empty arrays, so absent facts are absent keys. */
function compact(value: Json | undefined): Json | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) return value.length ? value : undefined
  if (value !== null && typeof value === 'object') {
    const out: {[key: string]: Json} = {}
    for (const [k, v] of Object.entries(value)) {
      const c = compact(v)
      if (c !== undefined) out[k] = c
    }
    return Object.keys(out).length ? out : undefined
  }
  return value
}

/** destination.geo / destination.as (or source.*) of an endpoint. */
function geoFields(geo: ReportGeo | null | undefined): {geo?: Json; as?: Json} {
  if (!geo) return {}
  const location = geo.latitude !== undefined && geo.longitude !== undefined ? {lat: geo.latitude, lon: geo.longitude} : undefined
  return {
    geo: compact({country_iso_code: geo.country, city_name: geo.city, location}),
    as: compact({number: geo.asn, organization: {name: geo.asOrg}}),
  }
}

function observer(report: Report): Json {
  return {product: report.tool.name, version: report.tool.version}
}

function protocolOf(flow: ReportFlow): string | undefined {
  const facts = flow.protocols ?? {}
  return PROTOCOL_ORDER.find(([fact]) => facts[fact] !== undefined)?.[1]
}

function nanoseconds(seconds: number): number {
  return Math.round(seconds * 1e9)
}

/** Most of an endpoint's names each flow event lists (callaudit.endpoint.names, related.hosts). */
export const MAX_EVENT_NAMES = 16

function flowEvent(report: Report, flow: ReportFlow, endpoint: ReportEndpoint | undefined): Json {
  // Names the flow itself showed (SNI, certificate, HTTP Host, DNS questions).
  const seen = flowEvidence(flow, {dns: new Map(), nrb: new Map()}).names
  const names = seen.map((n) => n.name)
  // The endpoint's names repeat in every event of its flows: a bounded few (all are in the
  // JSON report), with their total, so an address with hundreds of names (passive DNS, a name
  // resolution block) cannot multiply the export's size.
  const eventNames = endpoint && endpoint.names.length > MAX_EVENT_NAMES ? endpoint.names.slice(0, MAX_EVENT_NAMES) : (endpoint?.names ?? [])
  const sni = sortedUnique(seen.filter((n) => n.source === 'sni' || n.source === 'quic-sni' || n.source === 'dtls-sni').map((n) => n.name))
  const remoteIsServer = flow.remote.ip === flow.server.ip && flow.remote.port === flow.server.port
  const remoteGeo = geoFields(endpoint?.geo)
  const arrow = `${flowEndText(flow.client.ip, flow.client.port, flow.proto)} → ${flowEndText(flow.server.ip, flow.server.port, flow.proto)}`
  return compact({
    '@timestamp': flow.firstTime,
    ecs: {version: ECS_VERSION},
    message: `flow ${flow.id} ${flow.proto} ${arrow}: ${flow.role}${flow.app ? ` (${flow.app})` : ''}`,
    event: {
      kind: 'event',
      category: ['network'],
      type: ['connection'],
      module: 'callaudit',
      dataset: 'callaudit.flow',
      start: flow.firstTime,
      end: flow.lastTime,
      duration: nanoseconds(flow.durationSeconds),
    },
    observer: observer(report),
    // Source is the flow's client (who opened it), destination its server.
    source: {
      ip: flow.client.ip,
      port: flow.client.port,
      bytes: flow.bytes.toServer,
      packets: flow.packets.toServer,
      ...(remoteIsServer ? {} : remoteGeo),
    },
    destination: {
      ip: flow.server.ip,
      port: flow.server.port,
      domain: sni[0],
      bytes: flow.bytes.toClient,
      packets: flow.packets.toClient,
      ...(remoteIsServer ? remoteGeo : {}),
    },
    network: {
      transport: TRANSPORT[flow.proto] ?? flow.proto,
      type: `ipv${flow.ipVersion}`,
      protocol: protocolOf(flow),
      application: flow.app ?? undefined,
      bytes: flow.bytes.toServer + flow.bytes.toClient,
      packets: flow.packets.toServer + flow.packets.toClient,
    },
    // ECS process fields: the process the capturing host named for the flow (macOS captures).
    // The process it acted for (macOS's "effective" process) is not its ECS parent: it goes under
    // callaudit.flow.effective_process.
    process: flow.process ? {pid: flow.process.pid, name: flow.process.name} : undefined,
    // Android (PCAPdroid): the app's Linux user id is ECS's user.id (a keyword).
    user: flow.process?.uid === undefined ? undefined : {id: String(flow.process.uid)},
    related: {
      ip: sortedUnique([flow.client.ip, flow.server.ip]),
      hosts: sortedUnique([...names, ...eventNames]),
    },
    callaudit: {
      flow: {
        id: flow.id,
        capture: report.captures[flow.capture]?.path,
        first_frame: flow.firstFrame,
        role: flow.role,
        role_reason: flow.roleReason || undefined,
        app: flow.app ?? undefined,
        remote_ip: flow.remote.ip,
        protocols: Object.keys(flow.protocols ?? {}).sort(),
        tunnel: flow.tunnel ? {type: flow.tunnel.type, parent_id: flow.tunnel.parentId} : undefined,
        effective_process: flow.process?.effectivePid === undefined ? undefined : {pid: flow.process.effectivePid, name: flow.process.effectiveName},
        android_package: flow.process?.package,
        tcp_state: flow.tcp?.state,
        handshake_rtt_ms: flow.tcp?.handshakeRttMs ?? undefined,
      },
      endpoint: endpoint
        ? {
            registered_country: endpoint.geo?.registeredCountry,
            verdict: endpoint.judgement.verdict,
            reason: endpoint.judgement.reason,
            names: eventNames,
            names_total: endpoint.names.length > eventNames.length ? endpoint.names.length : undefined,
          }
        : undefined,
    },
  })!
}

/** The finding's time: its first evidence time, else the start of its first flow, else the capture's. */
function findingTime(report: Report, f: Finding, flowById: Map<number, ReportFlow>): string | undefined {
  const evidenceTime = f.evidence.find((e) => e.time)?.time
  if (evidenceTime) return evidenceTime
  const times = f.flowIds.map((id) => flowById.get(id)?.firstTime).filter((x): x is string => !!x).sort()
  return times[0] ?? report.captures.find((c) => c.firstTime)?.firstTime ?? report.analysisTime ?? undefined
}

function findingEvent(report: Report, f: Finding, flowById: Map<number, ReportFlow>, endpointByIp: Map<string, ReportEndpoint>): Json {
  const rule = ruleById(f.ruleId)
  const endpoint = f.endpoint ? endpointByIp.get(f.endpoint) : undefined
  const flows = f.flowIds.map((id) => flowById.get(id)).filter((x): x is ReportFlow => x !== undefined)
  const relatedIps = [...flows.flatMap((x) => [x.client.ip, x.server.ip]), ...(f.endpoint ? [f.endpoint] : [])]
  const geo = geoFields(endpoint?.geo)
  return compact({
    '@timestamp': findingTime(report, f, flowById),
    ecs: {version: ECS_VERSION},
    message: f.detail,
    tags: f.suppressed ? ['suppressed'] : undefined,
    event: {
      kind: 'alert',
      category: ['network'],
      type: ['info'],
      module: 'callaudit',
      dataset: 'callaudit.finding',
      severity: ECS_SEVERITY[f.severity],
    },
    observer: observer(report),
    rule: {
      id: f.ruleId,
      name: f.title,
      description: rule?.rationale ?? f.title,
      category: rule?.category,
      ruleset: 'callaudit',
    },
    destination: f.endpoint ? {ip: f.endpoint, ...geo} : undefined,
    related: {
      ip: sortedUnique(relatedIps),
      hosts: sortedUnique(endpoint?.names ?? []),
    },
    callaudit: {
      finding: {
        rule_id: f.ruleId,
        severity: f.severity,
        title: f.title,
        detail: f.detail,
        recommendation: f.recommendation,
        endpoint: f.endpoint,
        flow_ids: f.flowIds,
        evidence: f.evidence.map((e) => compact({description: e.description, frame: e.frame, capture: e.capture === undefined ? undefined : report.captures[e.capture]?.path, time: e.time, flow_id: e.flowId}) ?? {}),
        suppressed: f.suppressed ? {rule: f.suppressed.rule, reason: f.suppressed.reason} : undefined,
      },
      endpoint: endpoint ? {registered_country: endpoint.geo?.registeredCountry, verdict: endpoint.judgement.verdict, reason: endpoint.judgement.reason} : undefined,
    },
  })!
}

function summaryEvent(report: Report): Json {
  const s = report.summary
  return compact({
    '@timestamp': report.captures.find((c) => c.firstTime)?.firstTime ?? report.analysisTime ?? undefined,
    ecs: {version: ECS_VERSION},
    message: `callaudit verdict ${s.verdict.toUpperCase()}: ${findingCountsText(s.findings, s.suppressed)} (fail on ${report.policy.failOn}, exit code ${s.exitCode})`,
    event: {
      kind: 'event',
      category: ['network'],
      type: ['info'],
      module: 'callaudit',
      dataset: 'callaudit.summary',
      start: report.captures.map((c) => c.firstTime).filter((x): x is string => !!x).sort()[0],
      end: report.captures.map((c) => c.lastTime).filter((x): x is string => !!x).sort().pop(),
    },
    observer: observer(report),
    network: {bytes: s.bytes, packets: s.packets},
    callaudit: {
      summary: {
        verdict: s.verdict,
        exit_code: s.exitCode,
        worst_severity: s.worstSeverity ?? undefined,
        fail_on: report.policy.failOn,
        findings: {critical: s.findings.critical, high: s.findings.high, medium: s.findings.medium, low: s.findings.low, info: s.findings.info},
        suppressed: s.suppressed,
        flows: s.flows,
        endpoints: report.endpoints.length,
        countries: s.countries.map((c) => ({country: c.country, bytes: c.bytes, share: c.share, endpoints: c.endpoints, roles: c.roles, verdict: c.verdict})),
        home: report.policy.home,
        home_state: report.policy.homeState,
        allow: report.policy.allow,
        deny: report.policy.deny,
        apps: report.apps.map((a) => ({app: a.app, confidence: a.confidence})),
        captures: report.captures.map((c) => ({path: c.path, format: c.format, packets: c.packets, bytes: c.bytes, first_time: c.firstTime ?? undefined, last_time: c.lastTime ?? undefined})),
        databases: report.databases.map((d) => ({id: d.id, type: d.databaseType, build_date: d.buildDate, age_days_at_capture: d.ageDaysAtCapture ?? undefined, source: d.source})),
        analysis_time: report.analysisTime ?? undefined,
        warnings: s.warnings,
      },
    },
  })!
}

/** The Report as NDJSON: flows (by id), findings (report order), the summary; one event a line. */
export function renderNdjson(report: Report): string {
  return [...ndjsonPieces(report)].join('')
}

/**
 * The text of renderNdjson in pieces of whole lines, about a mebibyte each, made as they are
 * written: what `analyze --format ndjson` writes (see textPieces).
 */
export function ndjsonPieces(report: Report): Generator<string> {
  return textPieces(ndjsonLines(report))
}

function* ndjsonLines(report: Report): Generator<string> {
  const flowById = new Map(report.flows.map((f) => [f.id, f]))
  const endpointByIp = new Map(report.endpoints.map((e) => [e.ip, e]))
  for (const flow of [...report.flows].sort((a, b) => a.id - b.id)) yield `${jsonLine(flowEvent(report, flow, endpointByIp.get(flow.remote.ip)))}\n`
  for (const f of report.findings) yield `${jsonLine(findingEvent(report, f, flowById, endpointByIp))}\n`
  yield `${jsonLine(summaryEvent(report))}\n`
}
