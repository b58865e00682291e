import {assignRoles, detectVantage, identifyApps} from '../apps/index.js'
import {type AppIdentification, remoteEndpoint} from '../apps/identify-apps.js'
import {ageWarnings, daysBetween} from '../geo/age.js'
import {hasRealDate} from '../capture/timestamp.js'
import type {GeoDatabase} from '../geo/database.js'
import type {DiscoveryOptions} from '../geo/discovery.js'
import {openDatabases, openDatabasesAsync} from '../geo/open-databases.js'
import {GeoResolver} from '../geo/resolver.js'
import {filesSha256} from '../capture/file-digest.js'
import {collectFlows, type FlowCollection} from '../flows/collect-flows.js'
import {type FlowRecord, flowRecords} from '../flows/flow-records.js'
import {flowsReportHead} from '../flows/flows-report.js'
import {checkContext} from '../findings/context.js'
import {runChecks} from '../findings/run-checks.js'
import {RULES} from '../findings/rules.js'
import {checkRuleIds, loadPolicy, type PolicyFlagValues} from '../policy/load-policy.js'
import {inferHome} from '../policy/infer-home.js'
import {failsPolicy, type Policy, SEVERITIES, type Severity, severityRank} from '../policy/policy.js'
import {passiveDns} from '../protocols/dns/passive-dns.js'
import {ALL_ANALYZERS} from '../protocols/index.js'
import type {CountryShare, Report, ReportDatabase, ReportFlow, ReportVantage} from '../report/report-model.js'
import {buildEndpoints, reportGeo} from './endpoints.js'
import {markBuiltFlowList} from '../report/report-flow-json.js'
import {flowEvidence, stunMappedAddresses} from './flow-evidence.js'
import {throughProxy} from './proxied-destinations.js'
import {reportPolicy} from './report-policy.js'
import {boundedMemo} from '../util/bounded-memo.js'
import {appendAll} from '../util/append-all.js'
import {reportMaxFlows} from './report-flow-limit.js'
import {englishOrder} from '../report/compare-text.js'
import {distanceKm} from '../findings/checks/plausibility.js'

export interface AnalyzeOptions {
  paths: string[]
  geo: DiscoveryOptions
  policy: PolicyFlagValues
  /** Where callaudit.yml is looked for. */
  cwd?: string
  /** `--vantage CC` or `lat,lon`. */
  vantage?: string
  /**
   * Analysis time, only when fixed (CALLAUDIT_NOW): the report then says how old each database
   * was at analysis time. Without it the report holds no wall-clock time at all (the same
   * inputs give the same bytes); database ages are then measured against the capture.
   */
  now?: Date
  maxFlows?: number
  toolVersion: string
  onProgress?: (path: string, bytesRead: number, totalBytes: number | undefined) => void
}

export interface AnalysisResult {
  report: Report
  /** Inputs that could not be read at all (exit code 2). */
  failures: string[]
  /** The databases used, for checks the caller makes against today's date. */
  databases: GeoDatabase[]
}

/**
 * The whole analysis: read the captures once (flows and protocol facts), identify apps and
 * roles, find the vantage, geolocate every remote address once, judge it against the policy,
 * run the checks, and assemble the Report.
 */
export async function analyzeCaptures(options: AnalyzeOptions): Promise<AnalysisResult> {
  // Policy and databases first: a bad policy file or database is reported before the long read.
  const context = await prepareAnalysisAsync(options)
  // The files' digests are computed on another thread while this one reads them.
  const digests = captureDigests(options.paths)
  const collection = await collectFlows(options.paths, {analyzers: ALL_ANALYZERS, maxFlows: options.maxFlows ?? reportMaxFlows(), onProgress: options.onProgress})
  const failures = collection.failures.map((f) => f.oneLine())
  const report = reportFromCollection(collection, context, {...options, digests: await digests})
  if (failures.length > 0 && report.captures.length > 0) {
    // What was read is reported, and the report says what was not: a briefing quoting it, or a
    // CI job reading its exit code, must not take a partial analysis for the whole.
    report.summary.warnings = appendAll(failures.map((f) => `not analysed: ${f}`), report.summary.warnings)
    report.summary.exitCode = 2
  }
  return {report, failures, databases: context.databases}
}

/** SHA-256 per capture path (null for standard input), computed off the main thread, by one
 * worker however many files there are (see filesSha256). */
export async function captureDigests(paths: readonly string[]): Promise<Map<string, string | null>> {
  const files = [...new Set(paths)].filter((p) => p !== '-')
  const hashes = await filesSha256(files)
  const digests = new Map<string, string | null>(files.map((p, i) => [p, hashes[i]!]))
  if (paths.includes('-')) digests.set('-', null)
  return digests
}

/** What an analysis needs before it reads a packet: the policy and the opened GeoIP databases. */
export interface AnalysisContext {
  loadedPolicy: ReturnType<typeof loadPolicy>
  databases: GeoDatabase[]
  databaseNotes: string[]
  resolver: GeoResolver
}

/** Load and check the policy and open the databases; throws InputError on a bad one. */
export function prepareAnalysis(options: Pick<AnalyzeOptions, 'policy' | 'cwd' | 'geo'>): AnalysisContext {
  const loadedPolicy = checkedPolicy(options)
  return analysisContext(loadedPolicy, openDatabases(options.geo))
}

/** As prepareAnalysis, the databases read concurrently off the main thread (see openDatabasesAsync). */
export async function prepareAnalysisAsync(options: Pick<AnalyzeOptions, 'policy' | 'cwd' | 'geo'>): Promise<AnalysisContext> {
  const loadedPolicy = checkedPolicy(options)
  return analysisContext(loadedPolicy, await openDatabasesAsync(options.geo))
}

/** The policy in effect, its rule ids checked: loaded before the databases, so its errors come first. */
function checkedPolicy(options: Pick<AnalyzeOptions, 'policy' | 'cwd'>): ReturnType<typeof loadPolicy> {
  const loadedPolicy = loadPolicy(options.policy, {cwd: options.cwd})
  checkRuleIds(loadedPolicy, RULES.map((r) => r.id))
  return loadedPolicy
}

function analysisContext(loadedPolicy: ReturnType<typeof loadPolicy>, opened: {databases: GeoDatabase[]; notes: string[]}): AnalysisContext {
  return {loadedPolicy, databases: opened.databases, databaseNotes: opened.notes, resolver: new GeoResolver(opened.databases)}
}

/**
 * The Report for what a collection holds so far: apps, roles, vantage, geolocation, judgement
 * and findings. Pure over its inputs, so it can run on a finished read (analyze) or on the
 * state of a read still in progress (replay --follow).
 */
export function reportFromCollection(
  collection: FlowCollection,
  context: AnalysisContext,
  options: Pick<AnalyzeOptions, 'vantage' | 'now' | 'toolVersion'> & {digests?: ReadonlyMap<string, string | null>},
): Report {
  const {loadedPolicy, databases, databaseNotes, resolver} = context
  const records = flowRecords(collection)
  const {flows, identification, namesByIp} = flowsWithRoles(collection, records)

  const vantageFound = detectVantage(records, stunMappedAddresses(records), options.vantage)
  const vantage = vantageReport(vantageFound, resolver)
  const home = inferHome(loadedPolicy, homeVantage(vantage))
  // Without a home (none set, none inferred) the policy still applies: deny and allow (global,
  // per role, per app) judge the countries they name, the rest stay unjudged (judgeCountry);
  // suppressions and severity overrides apply whatever the home.
  const policy: Policy = home.policy

  const localIps = new Set(vantageFound.privateAddresses.map((p) => p.ip))
  // The host's own public address is where the capture was made, not where traffic went.
  if (vantageFound.hostPublic) localIps.add(vantageFound.hostPublic.ip)
  const remoteFlows = flows.filter((f) => !localIps.has(f.remote.ip))
  const endpoints = buildEndpoints(remoteFlows, resolver, policy, namesByIp)

  const flowsView = flowsReportHead(collection, records.length)
  const filters = [...new Set(flowsView.captures.flatMap((c) => c.captureFilters))]
  const findings = runChecks(checkContext({flows, endpoints, vantage, policy, identification, ...(filters.length ? {captureFilters: filters} : {})}), policy)

  const captureStart = collection.captures.find((c) => c.packets > 0)
  // A capture dated before any real one (relative times, a clock not set) says nothing of when
  // the call was: database ages are not judged against it (the capture's warning says why).
  const captureTime = captureStart && hasRealDate(captureStart.firstSec) ? new Date(captureStart.firstSec * 1000) : undefined
  const warnings = [
    ...flowsView.summary.warnings,
    ...databaseNotes,
    ...groupedAgeWarnings(databases, options.now, captureTime),
    ...vantage.notes,
  ]
  const counted = findings.filter((f) => !f.suppressed)
  const worst = counted.reduce<Severity | null>((w, f) => (w === null || severityRank(f.severity) > severityRank(w) ? f.severity : w), null)
  const failing = counted.some((f) => failsPolicy(loadedPolicy, f.severity))
  const byCount = Object.fromEntries(SEVERITIES.map((s) => [s, counted.filter((f) => f.severity === s).length])) as Record<Severity, number>

  const report: Report = {
    schemaVersion: 1,
    tool: {name: 'callaudit', version: options.toolVersion},
    analysisTime: options.now?.toISOString() ?? null,
    captures: flowsView.captures.map((c) => ({...c, sha256: options.digests?.get(c.path) ?? null})),
    databases: databases.map((d) => databaseReport(d, captureTime)),
    policy: reportPolicy(home),
    vantage,
    apps: identification.apps.map((a) => ({app: a.app, displayName: a.displayName, confidence: a.confidence, evidence: a.evidence, flowIds: a.flowIds})),
    tenants: identification.tenants,
    endpoints,
    flows,
    findings,
    summary: {
      verdict: failing ? 'fail' : 'pass',
      exitCode: failing ? 1 : 0,
      worstSeverity: worst,
      findings: byCount,
      suppressed: findings.length - counted.length,
      countries: countryShares(endpoints),
      packets: flowsView.summary.packets,
      bytes: flowsView.summary.bytes,
      flows: flows.length,
      warnings: [...new Set(warnings)],
    },
  }
  return report
}

/**
 * The records as report flows (roles, apps, remote ends) with the app identification and the
 * names per address for the endpoint table. A function of its own so that the per-flow evidence
 * (100 k objects on a 1 GB capture) is garbage once it returns, rather than held by
 * reportFromCollection's frame while endpoints are built and checks run.
 */
function flowsWithRoles(collection: FlowCollection, records: FlowRecord[]): {flows: ReportFlow[]; identification: AppIdentification; namesByIp: Map<string, Set<string>>} {
  // Names for every address: passive DNS from the capture's own answers, and pcapng NRB entries.
  // Only the flows' own addresses are named: see passiveDns.
  const ends = new Set<string>()
  for (const r of records) ends.add(r.client.ip).add(r.server.ip)
  const dnsNames = passiveDns(collection.facts, ends)
  const nrbNames = new Map<string, string[]>()
  for (const capture of collection.captures) for (const [ip, names] of capture.names) nrbNames.set(ip, [...(nrbNames.get(ip) ?? []), ...names])
  const addressNames = {dns: dnsNames, nrb: nrbNames}
  const evidence = records.map((r) => flowEvidence(r, addressNames))
  const identification = identifyApps(evidence)
  const roles = assignRoles(evidence, identification)
  // Roles come in flow-id order, which is the records' order (ids follow creation): then the
  // i-th role is the i-th record's, and no map of 100 k entries is needed.
  let aligned = roles.length === records.length
  for (let i = 0; aligned && i < roles.length; i++) aligned = roles[i]!.flowId === records[i]!.id
  const roleById = aligned ? undefined : new Map(roles.map((r) => [r.flowId, r]))
  // The records were made for this report: they become its flows in place (keys appended in
  // the order the JSON shows them), rather than copied, which on 100 k flows is 100 k objects.
  const flows: ReportFlow[] = records.map((r, i) => {
    const role = roleById ? roleById.get(r.id) : roles[i]
    const flow = r as ReportFlow
    flow.role = role?.role ?? 'other'
    flow.roleReason = role?.reason ?? ''
    flow.app = role?.app ?? null
    flow.remote = remoteEndpoint(evidence[i]!)
    return flow
  })
  markBuiltFlowList(flows)

  // Names per address for the endpoint table: passive DNS, NRB, and names seen on its flows.
  const namesByIp = new Map<string, Set<string>>()
  const addName = (ip: string, name: string) => {
    let set = namesByIp.get(ip)
    if (!set) namesByIp.set(ip, (set = new Set<string>()))
    set.add(endpointName(name))
  }
  for (const [ip, names] of dnsNames) for (const n of names) addName(ip, n)
  for (const [ip, names] of nrbNames) for (const n of names) addName(ip, n)
  for (let i = 0; i < evidence.length; i++) {
    const names = evidence[i]!.names
    // Through a proxy, the flow's names (CONNECT or SOCKS target, the SNI in the tunnel) are
    // those of the servers behind it, not the proxy's (CA-GEO-006 lists them).
    if (names.length === 0 || throughProxy(flows[i]!)) continue
    for (let j = 0; j < names.length; j++) if (names[j]!.source !== 'dns-query') addName(flows[i]!.remote.ip, names[j]!.name)
  }
  return {flows, identification, namesByIp}
}

/** A name as the endpoint table lists it: lower case, no trailing dot. Memoised: the same
 * server names come with every flow to them. */
const endpointName: (name: string) => string = boundedMemo((name) => name.toLowerCase().replace(/\.$/, ''), 1 << 16)

/** What inferHome is told of the vantage: its country and how it was found; for `--vantage
 * lat,lon` the point given and why it names no country. */
function homeVantage(vantage: ReportVantage): Parameters<typeof inferHome>[1] {
  const given = vantage.source.startsWith('--vantage')
  if (vantage.country) return {country: vantage.country, source: vantage.source, method: given ? 'given' : 'geolocated'}
  if (given && vantage.location) return {source: vantage.source, method: 'given', noCountry: 'gives a point, not a country (no country borders are bundled to find one offline, and the public address\'s country is not what the flag said)'}
  return undefined
}

/** Kilometres between the given `--vantage` point and the public address's city beyond which
 * they are called inconsistent, on top of the database's accuracy radius. */
const VANTAGE_DISAGREEMENT_KM = 500

function vantageReport(v: ReturnType<typeof detectVantage>, resolver: GeoResolver): ReportVantage {
  // The address that places the vantage: a STUN mapped address, else the host's own public one.
  const placedBy = v.primaryPublic ?? v.hostPublic?.ip ?? null
  const geo = placedBy ? reportGeo(resolver.lookup(placedBy)) : null
  const notes = [...v.notes]
  let country: string | null = null
  let location: {lat: number; lon: number} | null = null
  let source = 'none: no public address seen and no --vantage given'
  if (v.location?.kind === 'country') {
    country = v.location.country
    source = `--vantage ${v.location.country}`
    if (placedBy && geo?.country && geo.country !== country) {
      notes.push(`--vantage ${country} disagrees with the capture: the public address ${placedBy} geolocates to ${[geo.city, geo.country].filter(Boolean).join(', ')} (a VPN or proxy, or a wrong flag); the flag is used`)
    }
  } else if (v.location?.kind === 'coordinates') {
    // The point as given. No country is derived from it (no country borders offline), and none
    // is borrowed from the geolocated public address: that is not what the flag said.
    location = {lat: v.location.lat, lon: v.location.lon}
    source = `--vantage ${v.location.lat},${v.location.lon}`
    if (placedBy && geo?.city && geo.latitude !== undefined && geo.longitude !== undefined) {
      const km = distanceKm(location.lat, location.lon, geo.latitude, geo.longitude)
      if (km > (geo.accuracyRadiusKm ?? 0) + VANTAGE_DISAGREEMENT_KM) {
        notes.push(`${source} disagrees with the capture: it is ${Math.round(km)} km from ${geo.city}, ${geo.country ?? '?'}, where the public address ${placedBy} geolocates (a VPN or proxy, or a wrong flag); the flag's point is used, also for the round-trip check CA-GEO-005`)
      }
    }
  } else if (placedBy && geo) {
    country = geo.country ?? null
    if (geo.latitude !== undefined && geo.longitude !== undefined) location = {lat: geo.latitude, lon: geo.longitude}
    const primary = v.publicAddresses[0]
    source = primary
      ? `the vantage's public address ${primary.ip}${primary.inferred !== undefined ? ` (inferred from ${primary.inferred})` : ''}`
      : `the capturing host's own public address ${placedBy} (no NAT: the client of ${v.hostPublic!.flows} of ${v.hostPublic!.of} flows)`
  }
  return {
    privateAddresses: v.privateAddresses.map((p) => p.ip),
    publicAddresses: v.publicAddresses.map((p) => ({ip: p.ip, frames: p.frames, attributes: p.attributes, inferred: p.inferred !== undefined})),
    hostPublicAddress: v.hostPublic?.ip ?? null,
    country,
    location,
    source,
    geo,
    notes,
  }
}

function databaseReport(d: GeoDatabase, captureTime: Date | undefined): ReportDatabase {
  const p = d.info.provenance
  // Embedded databases are named by package and file, not by this machine's install path.
  const source = p ? `${p.package}@${p.version}/${d.info.path.split('/').pop()}` : d.info.path
  return {
    id: d.info.id,
    source,
    databaseType: d.info.databaseType,
    schema: d.info.schema,
    buildDate: d.info.buildEpoch.slice(0, 10),
    ageDaysAtCapture: captureTime ? daysBetween(d.buildEpoch, captureTime) : null,
    ...(p ? {provenance: {package: p.package, version: p.version, licence: p.license, ...(p.note ? {note: p.note} : {})}} : {}),
  }
}

/** Bytes per country of the remote public endpoints, largest first. */
function countryShares(endpoints: Report['endpoints']): CountryShare[] {
  const by = new Map<string, CountryShare>()
  let total = 0
  for (const e of endpoints) {
    if (e.judgement.verdict === 'local') continue
    const country = e.geo?.country ?? 'unknown'
    const c = by.get(country) ?? {country, bytes: 0, share: 0, roles: [], endpoints: 0, verdict: e.judgement.verdict}
    c.bytes += e.bytes
    c.endpoints++
    for (const r of e.roles) if (!c.roles.includes(r)) c.roles.push(r)
    // The country's verdict is the worst any of its endpoints got.
    if (verdictRank(e.judgement.verdict) > verdictRank(c.verdict)) c.verdict = e.judgement.verdict
    by.set(country, c)
    total += e.bytes
  }
  const out = [...by.values()]
  for (const c of out) c.share = total ? Math.round((c.bytes / total) * 10000) / 10000 : 0
  // In English whatever the machine's LANG (see englishOrder): under cs_CZ "CH" sorted after "HU".
  return out.sort((a, b) => b.bytes - a.bytes || englishOrder.compare(a.country, b.country))
}

const VERDICT_ORDER = ['local', 'home', 'allowed', 'unjudged', 'unknown', 'outside', 'denied']
function verdictRank(v: string): number {
  return VERDICT_ORDER.indexOf(v)
}

/** Database age warnings, one line per kind and build date (the embedded parts share one). */
export function groupedAgeWarnings(databases: readonly GeoDatabase[], now: Date | undefined, captureTime: Date | undefined): string[] {
  const groups = new Map<string, {ids: string[]; days: number; kind: string; built: string}>()
  // Without a fixed analysis time only the capture-relative check runs (no wall clock in reports).
  const reference = now ?? captureTime ?? new Date(0)
  for (const w of ageWarnings(databases.map((d) => ({id: d.info.id, buildEpoch: d.buildEpoch})), reference, captureTime)) {
    if (!now && w.kind === 'older-than-analysis') continue
    const built = databases.find((d) => d.info.id === w.database)!.buildEpoch.toISOString().slice(0, 10)
    const key = `${w.kind} ${built}`
    const g = groups.get(key) ?? {ids: [], days: w.days, kind: w.kind, built}
    g.ids.push(w.database)
    groups.set(key, g)
  }
  const callDay = captureTime?.toISOString().slice(0, 10)
  return [...groups.values()].map((g) =>
    g.kind === 'older-than-analysis'
      ? `${g.ids.join(', ')}: built ${g.built}, ${g.days} days before this analysis (more than 90): locations may have moved since`
      : g.kind === 'older-than-capture'
        ? `${g.ids.join(', ')}: built ${g.built}, ${g.days} days before the capture (more than 90): locations may have moved since`
        : `${g.ids.join(', ')}: built ${g.built}, ${g.days} days after the capture (more than 90): it places the servers as they were on ${g.built}, not on the day of the call (addresses change hands); to place them as they were, use databases built near ${callDay} (--geoip-dir)`,
  )
}
