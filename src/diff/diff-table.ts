/**
 * The terminal rendering of a Diff: a one-line verdict with the exit code, the two sides, then
 * findings, suppressed findings, countries, endpoints and apps that changed. Fits 100 columns;
 * colour only when chalk is enabled (never when piped, with NO_COLOR or --no-color). Every
 * string that came from a capture or a report goes through safeTerminal.
 */
import chalk from 'chalk'
import type {Severity} from '../policy/policy.js'
import {formatBytes} from '../report/flows-table.js'
import {clip, plainTable} from '../report/plain-table.js'
import {safeTerminal} from '../report/sanitize.js'
import {wrap} from '../report/text-wrap.js'
import type {CountryChange, Diff, DiffSide, EndpointChange, FindingChange} from './diff-model.js'
import {CALL_SUBJECT} from './finding-identity.js'
import {codeList, homeText} from './side-warnings.js'
import {changeSummary, sideCountsText, MARK, shareText} from './diff-text.js'
import {SEVERITY_COLOUR} from '../report/severity-colour.js'
import {appendAll} from '../util/append-all.js'

const WIDTH = 100

function t(text: string | null | undefined): string {
  return safeTerminal(text ?? '')
}

export interface DiffTableOptions {
  /** Endpoint rows shown (the JSON and Markdown have all). */
  endpoints?: number
}

export function renderDiffTable(diff: Diff, options: DiffTableOptions = {}): string {
  const out: string[] = []
  const s = diff.summary
  const banner =
    s.exitCode === 1 ? chalk.bgRed.white.bold(' NEW FINDINGS ') : s.empty ? chalk.bgGreen.black.bold(' NO CHANGE ') : chalk.bgGreen.black.bold(' NO NEW FAILURES ')
  const what = s.exitCode === 1 ? `${s.newFailing} new finding${s.newFailing > 1 ? 's' : ''} at or above ${diff.failOn}` : s.empty ? 'nothing new, gone, moved or changed' : changeSummary(diff)
  for (const [i, line] of wrap(`${what} · fail-on ${diff.failOn} → exit ${s.exitCode}`, WIDTH - 18, '').entries()) out.push(i === 0 ? `${banner} ${line}` : `   ${line}`)
  if (s.exitCode === 1) for (const line of wrap(changeSummary(diff), WIDTH - 3, '')) out.push(chalk.gray(`   ${line}`))
  out.push('')
  appendAll(out, sideLines('Before', diff.before))
  appendAll(out, sideLines('After', diff.after))
  out.push('')

  section(out, `FINDINGS (${countsText(s.findings)})`, diff.findings, renderFinding)
  if (diff.suppressed.length) section(out, `SUPPRESSED, NOT COUNTED (${countsText(s.suppressed)})`, diff.suppressed, renderFinding)

  if (diff.countries.length) {
    out.push(chalk.bold(`COUNTRIES (${countsText(s.countries)})`))
    out.push(countryTable(diff.countries))
    out.push('')
  }

  const limit = options.endpoints ?? 20
  const e = s.endpoints
  out.push(chalk.bold(`ENDPOINTS (${e.new} new, ${e.moved} moved, ${e.changed} changed, ${e.gone} gone, ${e.unchanged} unchanged)`))
  if (diff.endpoints.length === 0) out.push('  no change')
  else {
    out.push(endpointTable(diff.endpoints.slice(0, limit)))
    if (diff.endpoints.length > limit) out.push(chalk.gray(`  ${diff.endpoints.length - limit} more in --format json or markdown (--endpoints to show more)`))
  }
  out.push('')

  out.push(chalk.bold(`APPS (${countsText(s.apps)})`))
  if (diff.apps.length === 0) out.push('  no change')
  for (const a of diff.apps) {
    const text = a.status === 'changed' ? `confidence ${a.before!.confidence} → ${a.after!.confidence}` : `${(a.after ?? a.before)!.confidence} confidence`
    out.push(`  ${MARK[a.status]} ${t(a.displayName)} (${t(a.app)}): ${t(text)}`)
  }
  // Warnings go to stderr (the command writes them there), not repeated here.
  while (out[out.length - 1] === '') out.pop()
  return `${out.join('\n')}\n`
}

function countsText(c: {new: number; gone: number; changed: number; unchanged: number}): string {
  return `${c.new} new, ${c.changed} changed, ${c.gone} gone, ${c.unchanged} unchanged`
}

function sideLines(label: string, side: DiffSide): string[] {
  const deny = side.policy.deny.length ? ` · deny ${codeList(side.policy.deny)}` : ''
  const captures = side.kind === 'report' && side.captures.length ? ` of ${side.captures.join(', ')}` : ''
  const text = `${side.input} (${side.kind}${captures}) · home ${homeText(side.policy)}${deny} · ${sideCountsText(side)} · ${side.verdict}`
  return wrap(t(text), WIDTH - 10, '').map((l, i) => `${i === 0 ? chalk.bold(label.padEnd(10)) : ' '.repeat(10)}${l}`)
}

function section(out: string[], title: string, changes: FindingChange[], render: (c: FindingChange) => string[]): void {
  out.push(chalk.bold(title))
  if (changes.length === 0) out.push('  no change')
  for (const c of changes) appendAll(out, render(c))
  out.push('')
}

function severityTag(c: FindingChange): string {
  const tag = (sev: Severity) => SEVERITY_COLOUR[sev](` ${sev.toUpperCase()} `)
  if (c.status === 'changed') return `${tag(c.before!.severity)}→${tag(c.after!.severity)}`
  return tag((c.after ?? c.before)!.severity)
}

function renderFinding(c: FindingChange): string[] {
  const markColour = c.status === 'new' ? chalk.red : c.status === 'gone' ? chalk.green : chalk.yellow
  const notes = [c.failing ? 'fails' : '', c.note ?? ''].filter(Boolean)
  const subject = c.subject === CALL_SUBJECT ? '' : ` ${t(c.subject)}:`
  const head = `${t(c.ruleId)}${subject} ${t(c.title)}${notes.length ? ` [${notes.join('; ')}]` : ''}`
  // The tag's visible width: the severity names and the spaces around them.
  const tagWidth = c.status === 'changed' ? c.before!.severity.length + c.after!.severity.length + 5 : (c.after ?? c.before)!.severity.length + 2
  const lines = wrap(head, WIDTH - 5 - tagWidth, '')
  const out = [`  ${markColour(MARK[c.status])} ${severityTag(c)} ${c.failing ? chalk.bold(lines[0]) : lines[0]}`]
  for (const l of lines.slice(1)) out.push(`${' '.repeat(5 + tagWidth)}${l}`)
  const state = (c.after ?? c.before)!
  for (const l of wrap(t(state.detail), WIDTH - 6, '')) out.push(`      ${l}`)
  if (state.suppressed) for (const l of wrap(`suppressed by ${t(state.suppressed.rule)}: ${t(state.suppressed.reason)}`, WIDTH - 6, '')) out.push(chalk.gray(`      ${l}`))
  if (c.status !== 'gone') {
    for (const e of state.evidence.slice(0, 2)) {
      const where = e.frame !== undefined ? `frame ${e.frame}: ` : ''
      for (const l of wrap(`· ${where}${t(e.description)}`, WIDTH - 6, '  ')) out.push(chalk.gray(`      ${l}`))
    }
  }
  return out
}

function countryTable(countries: CountryChange[]): string {
  const rows = countries.map((c) => {
    const verdict = c.before && c.after && c.before.verdict !== c.after.verdict ? `${c.before.verdict} → ${c.after.verdict}` : (c.after ?? c.before)!.verdict
    return [MARK[c.status], t(c.country), shareText(c.before), shareText(c.after), c.before ? formatBytes(c.before.bytes) : '-', c.after ? formatBytes(c.after.bytes) : '-', t(verdict)]
  })
  return grid([['', 'country', 'share before', 'share after', 'bytes before', 'bytes after', 'verdict'], ...rows], [1, 8, 12, 11, 12, 11, 22])
}

function endpointTable(changes: EndpointChange[]): string {
  const rows = changes.map((c) => {
    const state = (c.after ?? c.before)!
    const name = clip(t(state.names[0] ?? ''), 38) + (state.names.length > 1 ? ` +${state.names.length - 1}` : '')
    const country = c.before && c.after && c.before.country !== c.after.country ? `${c.before.country ?? '?'} → ${c.after.country ?? '?'}` : state.country ?? '?'
    const verdict = c.before && c.after && c.before.verdict !== c.after.verdict ? `${c.before.verdict} → ${c.after.verdict}` : state.verdict
    const address = c.status === 'moved' ? `${t(c.ip)}\n← ${t(c.from)}` : t(c.ip)
    const bytes = c.status === 'gone' ? formatBytes(c.before!.bytes) : formatBytes(state.bytes)
    return [MARK[c.status], address, name, t(country), t(state.roles.join(', ')), bytes, t(verdict)]
  })
  return grid([['', 'address', 'name', 'country', 'roles', 'bytes', 'verdict'], ...rows], [1, 16, 22, 8, 14, 7, 18])
}

/** A table with fixed column widths (cells wrap), header in grey. */
function grid(rows: string[][], widths: number[]): string {
  const [header, ...body] = rows
  return plainTable([header!.map((h) => chalk.gray(h)), ...body], widths)
}
