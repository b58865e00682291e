import chalk from 'chalk'
import {jsonLine as ndjsonLine} from '../report/ndjson.js'
import type {Report} from '../report/report-model.js'
import {safeTerminal} from '../report/sanitize.js'
import {wrap} from '../report/text-wrap.js'
import type {ReplayEvent} from './replay-event.js'
import {SEVERITY_COLOUR} from '../report/severity-colour.js'
import {compactReportJsonBytes} from '../report/report-json.js'
import {chunkTexts} from '../report/json-chunks.js'

const WIDTH = 100

/** `#76`, or `c2#76` for a frame of the second capture; `-` when no single frame applies. */
export function frameLabel(event: Pick<ReplayEvent, 'capture' | 'frame'>): string {
  if (event.frame === null) return '-'
  return event.capture > 0 ? `c${event.capture + 1}#${event.frame}` : `#${event.frame}`
}

/**
 * One event for a terminal: relative time, absolute time, frame, kind, text; a finding adds its
 * detail on indented lines. Capture text goes through safeTerminal (no escape sequence reaches
 * the terminal); colour only when chalk is enabled.
 */
export function renderEventLines(event: ReplayEvent): string {
  const head = `${chalk.gray(event.relative.padStart(12))}  ${chalk.gray(event.time)}  ${frameLabel(event).padEnd(9)} ${event.kind.padEnd(15)} `
  if (event.kind !== 'finding' || event.severity === null) return `${head}${safeTerminal(event.text)}\n`
  const tag = SEVERITY_COLOUR[event.severity](` ${event.severity.toUpperCase()} `)
  // The tag's own leading space takes the column's separator, so the tag starts in the text column.
  const lines = [`${head.slice(0, -1)}${tag} ${safeTerminal(event.text)}`]
  const detail = typeof event.detail['detail'] === 'string' ? event.detail['detail'] : ''
  for (const l of wrap(safeTerminal(detail), WIDTH - 6, '')) lines.push(chalk.gray(`      ${l}`))
  return `${lines.join('\n')}\n`
}

/**
 * JSON on one line, nothing raw a terminal could act on: JSON.stringify escapes the C0 controls
 * (ESC is written \u001b) and safeJsonStringify also DEL, the C1 controls, line separators, bidi
 * overrides and zero-width characters, so `replay --json | cat` is as safe as the table.
 */
export function jsonLine(value: unknown): string {
  return `${ndjsonLine(value)}\n`
}

/** One NDJSON line per event (docs/replay.md). */
export function renderEventJson(event: ReplayEvent): string {
  return jsonLine(event)
}

/**
 * The last NDJSON line: the whole Report on one line, as `analyze --json` gives it: without the
 * flows' protocol facts unless `detail` (analyze --detail; src/report/report-json.ts).
 */
export function renderReportJson(report: Report, options: {detail?: boolean} = {}): string {
  return [...reportJsonLinePieces(report, options)].join('')
}

/** renderReportJson's line in pieces of about a mebibyte, the last ending with the newline: a
 * large capture's report is more than one string can hold (see compactReportJsonBytes). */
export function* reportJsonLinePieces(report: Report, options: {detail?: boolean} = {}): Generator<string> {
  yield* chunkTexts(compactReportJsonBytes({kind: 'report'}, 'report', report, options))
  yield '\n'
}
