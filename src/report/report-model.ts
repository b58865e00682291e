import type {AppEvidence, FlowRole, TenantFinding} from '../apps/index.js'
import type {CaptureRecord, FlowRecord} from '../flows/flow-records.js'
import type {Origin, Severity} from '../policy/policy.js'

/**
 * The Report: one model, every renderer reads it (docs/report-json.md). Same inputs give the
 * same report, byte for byte: lists are sorted, no wall-clock time except the analysis time,
 * which comes from CALLAUDIT_NOW when set.
 */
export interface Report {
  schemaVersion: 1
  tool: {name: 'callaudit'; version: string}
  /** The fixed analysis time (CALLAUDIT_NOW), or null: reports carry no wall-clock time. */
  analysisTime: string | null
  captures: ReportCapture[]
  databases: ReportDatabase[]
  policy: ReportPolicy
  vantage: ReportVantage
  apps: ReportApp[]
  tenants: TenantFinding[]
  endpoints: ReportEndpoint[]
  flows: ReportFlow[]
  findings: Finding[]
  summary: ReportSummary
}

/** A capture as `flows --json` describes it, plus its digest for provenance. */
export interface ReportCapture extends CaptureRecord {
  /** SHA-256 of the file as stored (hex), as `sha256sum` prints it; null for standard input or
   * when the file could not be read a second time. */
  sha256: string | null
}

export interface ReportDatabase {
  id: string
  /** Where it came from: the embedded package file, or the path the user gave. */
  source: string
  databaseType: string
  schema: string
  buildDate: string
  /** Days between the database's build and the first packet of the capture. */
  ageDaysAtCapture: number | null
  provenance?: {package?: string; version?: string; licence?: string; note?: string}
}

/** The policy in effect, as the report states it (docs/policy.md "In the report"). */
export interface ReportPolicy {
  /** Sorted alpha-2 codes, groups expanded; empty when no home was set or inferred. */
  home: string[]
  allow: string[]
  deny: string[]
  failOn: string
  /** How home was decided: 'set' (flag or file), 'inferred' (from the vantage) or 'unjudged'. */
  homeState: 'set' | 'inferred' | 'unjudged'
  /** Per-role rules (`roles:` of the file): sorted codes, and the role's severity. */
  roles: Record<string, ReportCountryRule>
  /** Per-app rules (`apps:` of the file): sorted codes. */
  apps: Record<string, ReportCountryRule>
  /** Sentences the reader must see (inferred home, replaced lists, aliases). */
  notes: string[]
  /** The policy file read, if any. */
  file: string | null
  suppressions: ReportSuppression[]
  severityOverrides: Record<string, string>
  /** The tokens of each list as written, canonical spelling (`home` → [EU, CH], `roles.dns.allow` → [US]). */
  specs: Record<string, string[]>
  /** Where each part came from: a flag, the file (with its line), the default, or inferred. */
  source: ReportPolicySource
}

export interface ReportCountryRule {
  allow?: string[]
  deny?: string[]
  severity?: string
}

export interface ReportSuppression {
  /** The match in words: `cidr 52.112.0.0/14`, `host *.zoom.us`, `asn AS8075`, `address 192.0.2.7`. */
  match: string
  reason: string
  /** The rule ids it is limited to; absent: every finding it matches. */
  rules?: string[]
  /** Its line in the policy file. */
  line?: number
}

/** Where a part of the policy came from, as the policy loader records it. */
export type ReportOrigin = Origin

export interface ReportPolicySource {
  home: ReportOrigin
  allow: ReportOrigin
  deny: ReportOrigin
  failOn: ReportOrigin
  /** The file's `roles:`, `apps:`, `suppressions:` and `severity-overrides:` keys, when it has them. */
  roles?: ReportOrigin
  apps?: ReportOrigin
  suppressions?: ReportOrigin
  severityOverrides?: ReportOrigin
}

export interface ReportVantage {
  privateAddresses: string[]
  /** STUN mapped addresses the client received: `attributes` that carried each, `inferred`
   * when only an attribute whose meaning is inferred did (Zoom's 0x0103). */
  publicAddresses: Array<{ip: string; frames: number[]; attributes: string[]; inferred: boolean}>
  /** The capturing host's own address when public (no NAT, e.g. IPv6 on a dual-stack host):
   * the client of most flows of an address family with no private client address; else null. */
  hostPublicAddress: string | null
  country: string | null
  location: {lat: number; lon: number} | null
  /** How the location was found: `--vantage`, the geolocated public address, or none. */
  source: string
  geo: ReportGeo | null
  notes: string[]
}

export interface ReportGeo {
  country?: string
  registeredCountry?: string
  city?: string
  latitude?: number
  longitude?: number
  accuracyRadiusKm?: number
  asn?: number
  asOrg?: string
  /** Field → database id that gave it. */
  sources: Record<string, string>
  /** Reserved/special range (RFC 1918, CGNAT, ...): never foreign. */
  special?: string
}

export interface ReportApp {
  app: string
  displayName: string
  confidence: string
  evidence: AppEvidence[]
  flowIds: number[]
}

export type JudgementVerdict = 'home' | 'allowed' | 'outside' | 'denied' | 'unknown' | 'unjudged' | 'local'

export interface ReportEndpoint {
  ip: string
  names: string[]
  roles: string[]
  apps: string[]
  flowIds: number[]
  packets: number
  bytes: number
  firstFrame: number
  geo: ReportGeo | null
  judgement: {verdict: JudgementVerdict; reason: string}
}

export interface ReportFlow extends FlowRecord {
  role: FlowRole['role']
  roleReason: string
  app: string | null
  /** The far end (not the capturing host). */
  remote: {ip: string; port: number}
}

export interface FindingEvidence {
  /** What this piece of evidence shows, one sentence (untrusted names quoted inside). */
  description: string
  frame?: number
  capture?: number
  time?: string
  flowId?: number
}

export interface Finding {
  ruleId: string
  severity: Severity
  title: string
  detail: string
  evidence: FindingEvidence[]
  flowIds: number[]
  endpoint?: string
  recommendation: string
  /** Set when a policy suppression matched: the finding is kept for the record, not counted. */
  suppressed?: {reason: string; rule: string}
}

export interface CountryShare {
  country: string
  bytes: number
  /** Of all bytes to remote public endpoints. */
  share: number
  roles: string[]
  endpoints: number
  verdict: JudgementVerdict
}

export interface ReportSummary {
  verdict: 'pass' | 'fail'
  /** 0 pass, 1 findings at or above --fail-on, 2 some input could not be read (the report covers
   * the others and its warnings name them; when none could be read no report is made). */
  exitCode: 0 | 1 | 2
  worstSeverity: Severity | null
  findings: Record<Severity, number>
  suppressed: number
  countries: CountryShare[]
  packets: number
  bytes: number
  flows: number
  warnings: string[]
}
