import type {ChunkPool} from './json-bytes.js'
import {chunkTexts, jsonChunks} from './json-chunks.js'
import {elementTextWithout} from './json-text.js'
import {isBuiltFlowList, reportFlowBytes} from './report-flow-json.js'
import type {Report, ReportFlow} from './report-model.js'

export interface ReportJsonOptions {
  /**
   * Keep every flow's protocol facts (`flows[].protocols`: each DNS message, TLS hello,
   * certificate, STUN transaction...). Off by default: the findings, endpoints and apps already
   * cite what matters, and on a long capture the facts are most of the text (a 1 GB capture:
   * 110 of 210 MB). `callaudit flows --detail --json` and `analyze --detail --json` give them.
   */
  detail?: boolean
  /** Chunk buffers the writer hands back once written (see ChunkPool). */
  pool?: ChunkPool
}

/**
 * The report as the deterministic JSON text of jsonText, as UTF-8 chunks of about a mebibyte
 * (what `analyze --json` writes; see jsonChunks).
 */
export function reportJsonBytes(report: Report, options: ReportJsonOptions = {}): Generator<Uint8Array> {
  // The same text as jsonText(reportForJson(report)), without copying every flow; flows built
  // by reportFromCollection are written by hand (report-flow-json.ts), any other flow list (a
  // report read back from a file, whose key order is its own) through safeJsonStringify.
  const {pool} = options
  const detail = options.detail === true
  if (isBuiltFlowList(report.flows)) return jsonChunks(report, 2, {array: 'flows', write: (flow, out) => reportFlowBytes(out, flow as ReportFlow, detail)}, pool)
  if (detail) return jsonChunks(report, 2, undefined, pool)
  return jsonChunks(report, 2, {array: 'flows', write: (flow, out) => out.text(elementTextWithout(flow, 'protocols'))}, pool)
}

/** reportJsonBytes as text, in pieces of about a mebibyte. */
export function reportJsonPieces(report: Report, options: ReportJsonOptions = {}): Generator<string> {
  return chunkTexts(reportJsonBytes(report, options))
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
