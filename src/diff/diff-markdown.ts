/**
 * The Markdown rendering of a Diff, for a pull-request comment or a briefing appendix. Every
 * cell goes through safeMarkdown (markup and `|` escaped, no raw line breaks), so a hostile
 * name can neither break a table row nor inject links, HTML or headings.
 */
import {formatBytes} from '../report/flows-table.js'
import {markdownTable} from '../report/markdown.js'
import {safeMarkdown} from '../report/sanitize.js'
import type {Diff, DiffSide, FindingChange} from './diff-model.js'
import {changeSummary, sideCountsText, shareText} from './diff-text.js'
import {codeList, homeText} from './side-warnings.js'
import {appendAll} from '../util/append-all.js'

const m = (text: string | null | undefined): string => safeMarkdown(text ?? '')

export function renderDiffMarkdown(diff: Diff): string {
  const s = diff.summary
  const out: string[] = []
  out.push(`## callaudit diff: ${m(diff.before.input)} → ${m(diff.after.input)}`, '')
  const verdict = s.exitCode === 1 ? `**${s.newFailing} new finding${s.newFailing > 1 ? 's' : ''} at or above ${m(diff.failOn)}** (exit code 1)` : s.empty ? '**No change** (exit code 0)' : `**No new finding at or above ${m(diff.failOn)}** (exit code 0)`
  out.push(`${verdict}: ${m(changeSummary(diff))}.`, '')

  appendAll(out, markdownTable(['', 'before', 'after'], sideRows(diff.before, diff.after)), '')
  for (const w of diff.warnings) out.push(`> **Warning:** ${m(w)}`, '')

  appendAll(out, findingSection('Findings', diff.findings))
  if (diff.suppressed.length) appendAll(out, findingSection('Suppressed findings (not counted)', diff.suppressed))

  out.push('### Countries', '')
  if (diff.countries.length === 0) out.push('No country on either side.', '')
  else {
    const rows = diff.countries.map((c) => [
      c.status,
      m(c.country),
      shareText(c.before),
      shareText(c.after),
      c.before ? formatBytes(c.before.bytes) : '-',
      c.after ? formatBytes(c.after.bytes) : '-',
      m(c.before?.verdict ?? '-'),
      m(c.after?.verdict ?? '-'),
    ])
    appendAll(out, markdownTable(['change', 'country', 'share before', 'share after', 'bytes before', 'bytes after', 'verdict before', 'verdict after'], rows), '')
  }

  out.push('### Endpoints', '')
  if (diff.endpoints.length === 0) out.push(`No change (${s.endpoints.unchanged} unchanged).`, '')
  else {
    const rows = diff.endpoints.map((c) => {
      const state = (c.after ?? c.before)!
      const was = c.status === 'moved' ? `${m(c.from)} (${c.match === 'name' ? `same name: ${m((c.sharedNames ?? []).join(', '))}` : 'same operator, country, role and app'})` : ''
      return [
        c.status,
        m(c.ip),
        was,
        m(state.names.join(', ')),
        m([state.country ?? 'unknown', state.asOrg ?? ''].filter(Boolean).join(', ')),
        m(state.roles.join(', ')),
        formatBytes(state.bytes),
        m(c.changes?.join('; ') ?? state.verdict),
      ]
    })
    appendAll(out, markdownTable(['change', 'address', 'was', 'names', 'where', 'roles', 'bytes', 'verdict'], rows), '')
  }

  out.push('### Apps', '')
  if (diff.apps.length === 0) out.push(`No change (${s.apps.unchanged} unchanged).`, '')
  else appendAll(out, markdownTable(['change', 'app', 'confidence before', 'confidence after'], diff.apps.map((a) => [a.status, `${m(a.displayName)} (${m(a.app)})`, m(a.before?.confidence ?? '-'), m(a.after?.confidence ?? '-')])), '')
  while (out[out.length - 1] === '') out.pop()
  return `${out.join('\n')}\n`
}

function sideRows(before: DiffSide, after: DiffSide): string[][] {
  const both = (f: (side: DiffSide) => string) => [m(f(before)), m(f(after))]
  return [
    ['input', ...both((side) => `${side.input} (${side.kind})`)],
    ['captures', ...both((side) => side.captures.join(', '))],
    ['home', ...both((side) => homeText(side.policy))],
    ['allow', ...both((side) => codeList(side.policy.allow))],
    ['deny', ...both((side) => codeList(side.policy.deny))],
    ['vantage', ...both((side) => [side.vantage.country ?? 'unknown', side.vantage.publicAddresses.join(', ')].filter(Boolean).join(', '))],
    ['findings', ...both(sideCountsText)],
    ['verdict', ...both((side) => side.verdict)],
    ['databases', ...both((side) => side.databases.join(', ') || 'none')],
  ]
}

function findingSection(title: string, changes: FindingChange[]): string[] {
  const out = [`### ${title}`, '']
  if (changes.length === 0) return [...out, 'No change.', '']
  const rows = changes.map((c) => {
    const severity = c.status === 'changed' ? `${c.before!.severity} → ${c.after!.severity}` : (c.after ?? c.before)!.severity
    const state = (c.after ?? c.before)!
    const frames = state.evidence.filter((e) => e.frame !== undefined).map((e) => `${e.frame}`)
    const notes = [c.failing ? '**fails**' : '', c.note ? m(c.note) : '', state.suppressed ? `suppressed: ${m(state.suppressed.reason)}` : ''].filter(Boolean).join('; ')
    return [c.status, severity, m(c.ruleId), m(c.subject), m(c.title), m(state.detail), frames.join(', '), notes]
  })
  return [...out, ...markdownTable(['change', 'severity', 'rule', 'subject', 'title', 'detail', 'frames', 'notes'], rows), '']
}
