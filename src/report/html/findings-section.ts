import type {Finding, FindingEvidence, Report} from '../report-model.js'
import {severityClass} from './css-classes.js'
import {esc} from './html-text.js'
import {SEVERITIES_DESC} from './severity.js'
import {countsByRule, MAX_FINDINGS_SHOWN} from '../severity-text.js'

/** Evidence items listed per finding; the rest are counted (the JSON report has them all). */
const MAX_EVIDENCE = 50

/** Where the report has a row to link to: flow and endpoint anchors present in the tables. */
export interface Anchors {
  flows: ReadonlySet<number>
  endpoints: ReadonlySet<string>
}

export function flowRef(id: number, anchors: Anchors): string {
  return anchors.flows.has(id) ? `<a href="#flow-${id}">#${id}</a>` : `#${esc(id)}`
}

export function endpointRef(ip: string, anchors: Anchors): string {
  return anchors.endpoints.has(ip) ? `<a href="#endpoint-${esc(ip)}">${esc(ip)}</a>` : esc(ip)
}

function evidenceItem(e: FindingEvidence, multipleCaptures: boolean, anchors: Anchors): string {
  const where: string[] = []
  if (e.frame !== undefined) where.push(`<span class="frame">frame ${esc(e.frame)}${multipleCaptures && e.capture !== undefined ? ` of capture ${esc(e.capture + 1)}` : ''}</span>`)
  if (e.flowId !== undefined) where.push(`flow ${flowRef(e.flowId, anchors)}`)
  if (e.time) where.push(`<span class="mono">${esc(e.time)}</span>`)
  return `<li>${where.length ? `${where.join(' · ')}: ` : ''}${esc(e.description)}</li>`
}

function renderFinding(f: Finding, index: number, multipleCaptures: boolean, anchors: Anchors): string {
  const cls = `finding ${severityClass(f.severity)}${f.suppressed ? ' suppressed' : ''}`
  const out = [`<article class="${cls}" id="finding-${index + 1}" data-rule="${esc(f.ruleId)}" data-severity="${esc(f.severity)}">`]
  out.push(`<h4><span class="badge ${severityClass(f.severity)}">${esc(f.severity)}</span> <code>${esc(f.ruleId)}</code> ${esc(f.title)}${f.suppressed ? ' <span class="muted">(suppressed)</span>' : ''}</h4>`)
  out.push(`<p>${esc(f.detail)}</p>`)
  if (f.suppressed) out.push(`<p class="note">Suppressed by ${esc(f.suppressed.rule)}: ${esc(f.suppressed.reason)}</p>`)
  const refs: string[] = []
  if (f.endpoint) refs.push(`endpoint ${endpointRef(f.endpoint, anchors)}`)
  if (f.flowIds.length) refs.push(`flow${f.flowIds.length === 1 ? '' : 's'} ${f.flowIds.map((id) => flowRef(id, anchors)).join(', ')}`)
  if (refs.length) out.push(`<p class="refs">${refs.join(' · ')}</p>`)
  if (f.evidence.length) {
    out.push('<ul class="evidence">')
    for (const e of f.evidence.slice(0, MAX_EVIDENCE)) out.push(evidenceItem(e, multipleCaptures, anchors))
    if (f.evidence.length > MAX_EVIDENCE) out.push(`<li class="muted">${f.evidence.length - MAX_EVIDENCE} more in the JSON report</li>`)
    out.push('</ul>')
  }
  if (f.recommendation) out.push(`<p class="recommendation"><strong>Recommendation:</strong> ${esc(f.recommendation)}</p>`)
  out.push('</article>')
  return out.join('\n')
}

/**
 * Every finding (suppressed ones too, marked so), grouped by severity, most severe first, in
 * the report's order within a group. Each is an `<article class="finding">`.
 */
export function renderFindings(report: Report, anchors: Anchors): string {
  const out: string[] = [`<h2>Findings (${report.findings.length})</h2>`]
  if (report.findings.length === 0) {
    out.push('<p class="empty">No findings.</p>')
    return out.join('\n')
  }
  const multipleCaptures = report.captures.length > 1
  const numbered = report.findings.map((f, index) => ({f, index}))
  const known = new Set<string>(SEVERITIES_DESC)
  const groups: Array<[string, typeof numbered]> = SEVERITIES_DESC.map((s) => [s, numbered.filter((n) => n.f.severity === s)])
  // A severity this renderer does not know is still shown, last.
  groups.push(['other', numbered.filter((n) => !known.has(n.f.severity))])
  let shown = 0
  for (const [severity, items] of groups) {
    if (items.length === 0) continue
    out.push(`<h3 class="${severityClass(severity)}">${esc(severity[0]!.toUpperCase() + severity.slice(1))} (${items.length})</h3>`)
    const room = Math.max(0, MAX_FINDINGS_SHOWN - shown)
    for (const {f, index} of items.slice(0, room)) out.push(renderFinding(f, index, multipleCaptures, anchors))
    shown += Math.min(room, items.length)
    if (items.length > room) out.push(notShown(items.slice(room).map((n) => n.f)))
  }
  return out.join('\n')
}

/** What the page leaves out of a severity group: how many findings of each rule. */
function notShown(findings: Finding[]): string {
  return `<p class="note not-shown">${findings.length} more finding${findings.length === 1 ? '' : 's'} of this severity (${esc(countsByRule(findings))}) are not drawn here: this page shows the first ${MAX_FINDINGS_SHOWN} findings, most severe first; the JSON report (--json) has them all.</p>`
}
