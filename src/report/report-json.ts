import {elementTextWithout, jsonPieces} from './json-text.js'
import {isBuiltFlowList, reportFlowJson} from './report-flow-json.js'
import type {Report, ReportFlow} from './report-model.js'

export interface ReportJsonOptions {
  /**
   * Keep every flow's protocol facts (`flows[].protocols`: each DNS message, TLS hello,
   * certificate, STUN transaction...). Off by default: the findings, endpoints and apps already
   * cite what matters, and on a long capture the facts are most of the text (a 1 GB capture:
   * 110 of 210 MB). `callaudit flows --detail --json` and `analyze --detail --json` give them.
   */
  detail?: boolean
}

/** The report as the deterministic JSON text of jsonText, in pieces (see jsonPieces). */
export function reportJsonPieces(report: Report, options: ReportJsonOptions = {}): Generator<string> {
  // The same text as jsonPieces(reportForJson(report)), without copying every flow; flows built
  // by reportFromCollection are written by hand (report-flow-json.ts).
  const detail = options.detail === true
  const text = isBuiltFlowList(report.flows)
    ? (flow: unknown) => reportFlowJson(flow as ReportFlow, detail)
    : detail ? undefined : (flow: unknown) => elementTextWithout(flow, 'protocols')
  return jsonPieces(report, 2, text ? {elements: {array: 'flows', text}} : {})
}

/** The report as its JSON shows it: flows without their protocol facts unless `detail`. */
export function reportForJson(report: Report, options: ReportJsonOptions = {}): Report {
  return options.detail ? report : {...report, flows: report.flows.map(withoutFacts)}
}

/** The report JSON as one string (small reports, tests). */
export function reportJsonText(report: Report, options: ReportJsonOptions = {}): string {
  return [...reportJsonPieces(report, options)].join('')
}

function withoutFacts(flow: ReportFlow): ReportFlow {
  if (flow.protocols === undefined) return flow
  const {protocols: _facts, ...rest} = flow
  return rest
}
