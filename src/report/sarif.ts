import type {Artifact, Location, Log, Notification, ReportingDescriptor, Result, Suppression} from 'sarif'
import {RULES, type RuleDefinition} from '../findings/rules.js'
import type {Severity} from '../policy/policy.js'
import {jsonPieces, jsonText} from './json-text.js'
import type {Finding, Report} from './report-model.js'
import {safeText} from './sanitize.js'
import {unjudgedText} from './severity-text.js'

/**
 * SARIF 2.1.0 (OASIS) for code-scanning dashboards: one reportingDescriptor per catalogue rule,
 * one result per finding, the capture files as artifacts. Deterministic (catalogue order,
 * report order, no time stamps) and offline: no `$schema` and no `helpUri`, since both would be
 * absolute web addresses that editors and viewers fetch (SARIF requires helpUri to be absolute;
 * the rule's documentation is named in `properties.documentation` instead).
 */

/** critical/high → error, medium → warning, low/info → note (docs/report-json.md). */
export const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
}

export interface SarifOptions {
  /** The process exit code, when it differs from the report's (2: some input was unreadable). */
  exitCode?: number
}

export function renderSarif(report: Report, options: SarifOptions = {}): string {
  return jsonText(sarifLog(report, options), 99)
}

/** renderSarif's text in pieces of about a mebibyte (what `analyze --format sarif` writes): the
 * log of a capture with hundreds of thousands of findings is more text than one string holds. */
export function sarifPieces(report: Report, options: SarifOptions = {}): Generator<string> {
  return jsonPieces(sarifLog(report, options), 99)
}

/** The SARIF log as an object (for callers that embed or inspect it). */
export function sarifLog(report: Report, options: SarifOptions = {}): Log {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]))
  const flowCapture = new Map(report.flows.map((fl) => [fl.id, fl.capture]))
  const exitCode = options.exitCode ?? report.summary.exitCode
  const notifications: Notification[] = report.summary.warnings.map((w) => ({level: 'warning', message: {text: sarifText(w)}}))
  // A code-scanning page showing no result must not read as "within policy" when nothing was judged.
  const unjudged = unjudgedText(report.policy)
  if (unjudged) notifications.unshift({level: 'warning', message: {text: sarifText([unjudged, report.policy.notes[0]].filter(Boolean).join(': '))}})
  return {
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            ...(SEMVER.test(report.tool.version) ? {semanticVersion: report.tool.version} : {}),
            rules: RULES.map(ruleDescriptor),
          },
        },
        invocations: [
          {
            executionSuccessful: exitCode !== 2,
            exitCode,
            exitCodeDescription: EXIT_CODE_TEXT[exitCode] ?? 'unexpected',
            ...(notifications.length ? {toolExecutionNotifications: notifications} : {}),
          },
        ],
        artifacts: report.captures.map(captureArtifact),
        results: report.findings.map((f) => findingResult(f, report, ruleIndex, flowCapture)),
        properties: {
          reportSchemaVersion: report.schemaVersion,
          verdict: report.summary.verdict,
          worstSeverity: report.summary.worstSeverity,
          failOn: report.policy.failOn,
          home: report.policy.home,
          homeState: report.policy.homeState,
        },
      },
    ],
  }
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/

const EXIT_CODE_TEXT: Record<number, string> = {
  0: 'analysed and within policy',
  1: 'findings at or above --fail-on',
  2: 'usage error or unreadable input',
}

/** `CallTrafficToACountryOutsidePolicy`: SARIF's `name` is an identifier-like form of the title. */
export function ruleName(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')
}

function ruleDescriptor(rule: RuleDefinition): ReportingDescriptor {
  const doc = `docs/rules.md#${rule.id.toLowerCase()}`
  const severityNote = rule.severityNote ? ` (${rule.severityNote})` : ''
  return {
    id: rule.id,
    name: ruleName(rule.title),
    shortDescription: {text: messageText(rule.title)},
    fullDescription: {text: messageText(rule.rationale)},
    help: {
      text: messageText(`${rule.rationale}\n\nWhat to do: ${rule.remediation}\n\nDefault severity: ${rule.severity}${severityNote}. See ${doc}.`),
      markdown: messageText(`${rule.rationale}\n\n**What to do:** ${rule.remediation}\n\nDefault severity: ${rule.severity}${severityNote}. See \`${doc}\`.`),
    },
    defaultConfiguration: {level: SARIF_LEVEL[rule.severity]},
    properties: {
      category: rule.category,
      severity: rule.severity,
      documentation: doc,
      tags: ['security', rule.category],
    },
  }
}

const MIME: Record<string, string> = {pcap: 'application/vnd.tcpdump.pcap', 'pcap-ns': 'application/vnd.tcpdump.pcap', pcapng: 'application/x-pcapng'}

function captureArtifact(c: Report['captures'][number]): Artifact {
  return {
    location: {uri: pathUri(c.path)},
    roles: ['analysisTarget'],
    ...(c.sha256 ? {hashes: {'sha-256': c.sha256}} : {}),
    ...(c.gzip ? {encoding: 'gzip'} : {}),
    ...(MIME[c.format] && !c.gzip ? {mimeType: MIME[c.format]} : {}),
    properties: {format: c.format, gzip: c.gzip, packets: c.packets, firstTime: c.firstTime, lastTime: c.lastTime},
  }
}

/**
 * A capture path as a URI reference: each segment percent-encoded (spaces, `%`, `#`, `?`, a
 * colon that would read as a scheme), `/` kept, so a relative path stays relative. `-` is
 * standard input.
 */
export function pathUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

function findingResult(f: Finding, report: Report, ruleIndex: Map<string, number>, flowCapture: Map<number, number>): Result {
  // The captures the finding's evidence and flows were seen in; the first capture otherwise.
  const captures = new Set<number>()
  for (const e of f.evidence) if (e.capture !== undefined) captures.add(e.capture)
  for (const id of f.flowIds) {
    const c = flowCapture.get(id)
    if (c !== undefined) captures.add(c)
  }
  if (captures.size === 0 && report.captures.length) captures.add(0)
  const locations: Location[] = [...captures]
    .filter((c) => c >= 0 && c < report.captures.length)
    .sort((a, b) => a - b)
    .map((c) => ({
      physicalLocation: {artifactLocation: {uri: pathUri(report.captures[c]!.path), index: c}},
      // The remote endpoint the finding is about, as the "logical" place in the capture.
      ...(f.endpoint ? {logicalLocations: [{name: f.endpoint, fullyQualifiedName: f.endpoint}]} : {}),
    }))
  const related: Location[] = f.evidence.map((e, i) => {
    const capture = e.capture ?? f.flowIds.map((id) => flowCapture.get(id)).find((c) => c !== undefined) ?? 0
    const where = e.frame !== undefined ? `frame ${e.frame}: ` : ''
    return {
      id: i + 1,
      ...(capture < report.captures.length ? {physicalLocation: {artifactLocation: {uri: pathUri(report.captures[capture]!.path), index: capture}}} : {}),
      message: {text: sarifText(`${where}${e.description}`)},
      properties: {
        ...(e.frame !== undefined ? {frame: e.frame} : {}),
        capture,
        ...(e.time !== undefined ? {time: e.time} : {}),
        ...(e.flowId !== undefined ? {flowId: e.flowId} : {}),
      },
    }
  })
  const frames = [...new Set(f.evidence.map((e) => e.frame).filter((n): n is number => n !== undefined))]
  const index = ruleIndex.get(f.ruleId)
  const suppressions: Suppression[] = f.suppressed
    ? [{kind: 'external', status: 'accepted', justification: safeText(f.suppressed.reason), properties: {policyRule: f.suppressed.rule}}]
    : []
  return {
    ruleId: f.ruleId,
    ...(index !== undefined ? {ruleIndex: index} : {}),
    level: SARIF_LEVEL[f.severity],
    message: {text: sarifText(f.detail || f.title)},
    locations,
    ...(related.length ? {relatedLocations: related} : {}),
    // An empty list says "checked, not suppressed" (SARIF §3.27.23); absent would mean unknown.
    suppressions,
    properties: {
      severity: f.severity,
      title: safeText(f.title),
      ...(f.endpoint ? {endpoint: f.endpoint} : {}),
      flowIds: f.flowIds,
      frames,
      recommendation: safeText(f.recommendation),
    },
  }
}

/**
 * Untrusted text (from the capture) for a SARIF message: control, bidi and zero-width characters
 * made visible (safeText), then escaped as every message is (`messageText`).
 */
export function sarifText(value: string): string {
  return messageText(safeText(value))
}

/**
 * Text for any SARIF message string: `{`/`}` doubled (§3.11.5, placeholders) and `[`/`]`
 * backslash-escaped (§3.11.6, embedded links), so that a name such as `[x](1)` is never read as
 * a link to a location.
 */
export function messageText(value: string): string {
  return value
    .replace(/\\(?=[[\]])/g, '\\\\')
    .replace(/[[\]]/g, '\\$&')
    .replace(/[{}]/g, '$&$&')
}
