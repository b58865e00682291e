import type {Severity} from '../policy/policy.js'
import type {JudgementVerdict, ReportPolicy} from '../report/report-model.js'

/**
 * The Diff: what changed between two analyses of a call (docs/diff.md). Every renderer (table,
 * JSON, Markdown) reads this one model. Built deterministically from two Reports: lists are
 * sorted, no wall-clock time, frame numbers never take part in an identity.
 */
export interface Diff {
  schemaVersion: 1
  tool: {name: 'callaudit'; version: string}
  kind: 'diff'
  /** The severity threshold the exit code uses (`--fail-on`). */
  failOn: string
  before: DiffSide
  after: DiffSide
  /** Things that make the comparison less than like for like (policies, databases, versions). */
  warnings: string[]
  summary: DiffSummary
  countries: CountryChange[]
  endpoints: EndpointChange[]
  apps: AppChange[]
  /** Counted (not suppressed) findings that are new, gone or changed severity. */
  findings: FindingChange[]
  /** Suppressed findings that are new, gone or changed: shown, never counted for the exit code. */
  suppressed: FindingChange[]
}

/** One side of the comparison, as the reader needs it to trust the comparison. */
export interface DiffSide {
  /** As given on the command line. */
  input: string
  /** `report`: a JSON report read as it is; `capture`: analysed now with the flags given. */
  kind: 'report' | 'capture'
  captures: string[]
  toolVersion: string
  policy: {home: string[]; homeState: ReportPolicy['homeState']; allow: string[]; deny: string[]}
  /** `id (build date)` of each database, in the order used. */
  databases: string[]
  vantage: {country: string | null; publicAddresses: string[]}
  verdict: 'pass' | 'fail'
  /** Counted findings per severity on that side. */
  findings: Record<Severity, number>
  suppressed: number
}

export interface DiffSummary {
  /** True when nothing is new, gone, moved or changed in any section. */
  empty: boolean
  exitCode: 0 | 1
  /** Counted findings new on the after side (or newly at/above fail-on) at or above failOn. */
  newFailing: number
  findings: ChangeCounts
  suppressed: ChangeCounts
  countries: ChangeCounts
  endpoints: ChangeCounts & {moved: number}
  apps: ChangeCounts
}

export interface ChangeCounts {
  new: number
  gone: number
  changed: number
  unchanged: number
}

export interface CountryState {
  bytes: number
  share: number
  endpoints: number
  roles: string[]
  verdict: JudgementVerdict
}

export interface CountryChange {
  country: string
  /** `same` entries are listed too: the bytes share before and after is part of the answer. */
  status: 'new' | 'gone' | 'changed' | 'same'
  before: CountryState | null
  after: CountryState | null
}

export interface EndpointState {
  ip: string
  names: string[]
  roles: string[]
  apps: string[]
  country: string | null
  asn: number | null
  asOrg: string | null
  bytes: number
  verdict: JudgementVerdict
}

export interface EndpointChange {
  /**
   * new: an address not seen before and not matched to an earlier server; gone: no longer used;
   * moved: a new address of a server seen before (same name and country, or same operator,
   * country, role and app for unnamed ones); changed: same address, other country or verdict.
   */
  status: 'new' | 'gone' | 'moved' | 'changed'
  /** The after side's address (the before side's for gone). */
  ip: string
  /** moved: the before address this one matches. */
  from?: string
  /** moved: why the two are taken for one server. */
  match?: 'name' | 'operator'
  /** moved by name: the names both addresses had. */
  sharedNames?: string[]
  /** changed (and moved): what differs, e.g. `country US → CN`. */
  changes?: string[]
  before: EndpointState | null
  after: EndpointState | null
}

export interface AppChange {
  app: string
  displayName: string
  status: 'new' | 'gone' | 'changed'
  before: {confidence: string} | null
  after: {confidence: string} | null
}

export interface FindingState {
  severity: Severity
  /** Addresses the finding(s) named on this side (an identity may gather several moved ones). */
  endpoints: string[]
  detail: string
  /** Where to look in Wireshark: the first pieces of evidence (frame numbers are per capture). */
  evidence: Array<{description: string; frame?: number; capture?: number}>
  suppressed?: {reason: string; rule: string}
}

export interface FindingChange {
  status: 'new' | 'gone' | 'changed'
  /** The stable identity both sides are matched by (docs/diff.md), e.g. `CA-GEO-001 @ 1.2.3.4`. */
  key: string
  ruleId: string
  title: string
  /** What the finding is about, for a reader: an address and its name, an app, an organisation. */
  subject: string
  before: FindingState | null
  after: FindingState | null
  /** Counts for the exit code: new (or newly) at or above failOn, and not suppressed. */
  failing: boolean
  /** E.g. `suppressed before`: the finding moved between the counted and the suppressed lists. */
  note?: string
}
