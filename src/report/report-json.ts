import {type ChunkPool, JsonBytes} from './json-bytes.js'
import {chunkTexts, jsonChunks} from './json-chunks.js'
import {elementTextWithout, safeJsonStringify} from './json-text.js'
import {writeJsonValue} from './json-value-bytes.js'
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

/**
 * `safeJsonStringify(value)` for `value` = `{...head, [key]: reportForJson(report, options)}`,
 * compact on one line (no final newline), as UTF-8 chunks of about a mebibyte: the last line of
 * `replay --json`. The report of a capture of hundreds of thousands of flows is more text than
 * one string can hold (V8: 2^29 - 24 characters), so it is written element by element of its
 * top-level arrays, each flow by hand as reportJsonBytes writes it.
 */
export function* compactReportJsonBytes(head: Record<string, unknown>, key: string, report: Report, options: ReportJsonOptions = {}): Generator<Uint8Array> {
  const out = new JsonBytes(options.pool)
  const detail = options.detail === true
  const builtFlows = isBuiltFlowList(report.flows)
  const flow = (f: unknown): void => {
    if (builtFlows) reportFlowBytes(out, f as ReportFlow, detail)
    else if (detail) writeJsonValue(out, f)
    else out.text(elementTextWithout(f, 'protocols'))
  }
  // The head's own keys first, as the object literal {...head, [key]: report} orders them.
  out.byte(0x7b)
  let first = true
  const member = (name: string): void => {
    if (!first) out.byte(0x2c)
    first = false
    out.text(`${safeJsonStringify(name)!}:`)
  }
  for (const name of Object.keys(head)) {
    if (name === key || head[name] === undefined) continue
    member(name)
    writeJsonValue(out, head[name])
  }
  member(key)
  out.byte(0x7b)
  first = true
  const record = report as unknown as Record<string, unknown>
  for (const name in record) {
    const value = record[name]
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue
    member(name)
    if (!Array.isArray(value)) {
      writeJsonValue(out, value)
      continue
    }
    out.byte(0x5b)
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.byte(0x2c)
      const element: unknown = value[i]
      if (name === 'flows') flow(element)
      else if (element === undefined || typeof element === 'function' || typeof element === 'symbol') out.ascii('null')
      else writeJsonValue(out, element)
      out.breakIfFull()
      if (out.chunks.length > 0) yield* out.chunks.splice(0)
    }
    out.byte(0x5d)
  }
  out.byte(0x7d)
  out.byte(0x7d)
  yield* out.take()
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
