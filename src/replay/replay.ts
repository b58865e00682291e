import {type AnalysisResult, type AnalyzeOptions, analyzeCaptures, captureDigests, prepareAnalysisAsync, reportFromCollection} from '../analysis/analyze.js'
import {openCollectSession} from '../flows/collect-flows.js'
import {ALL_ANALYZERS} from '../protocols/index.js'
import {InputError} from '../errors.js'
import {renderAnalyzeTable} from '../report/analyze-table.js'
import type {Report} from '../report/report-model.js'
import {snapshotCopier} from './copy-state.js'
import {EventJournal} from './event-journal.js'
import {type EventFilter, passesFilter} from './event-filter.js'
import {eventsFromReport} from './events-from-report.js'
import {type Clock, Pacer, SYSTEM_CLOCK} from './pacer.js'
import {watchFollowedFile} from './followed-file.js'
import {renderEventJson, renderEventLines, reportJsonLinePieces} from './render-events.js'
import type {ReplayEvent} from './replay-event.js'
import {reportMaxFlows} from '../analysis/report-flow-limit.js'

/** Where replay writes; `write` resolves when the output can take more (back-pressure). */
export interface ReplayOutput {
  write(text: string): Promise<void>
}

export interface ReplayPrintOptions {
  /** NDJSON events and a last `{"kind":"report"}` line instead of the terminal table. */
  json: boolean
  filter: EventFilter
  /** End with the summary: the analyze table, or the report line with `json`. */
  summary: boolean
  /** Endpoints in the summary table (analyze's --endpoints). */
  endpoints?: number
  /** The report line keeps each flow's protocol facts (analyze's --detail). */
  detail?: boolean
}

function renderEvent(options: ReplayPrintOptions, event: ReplayEvent): string {
  return options.json ? renderEventJson(event) : renderEventLines(event)
}

async function writeSummary(report: Report, options: ReplayPrintOptions, output: ReplayOutput): Promise<void> {
  if (!options.summary) return
  if (!options.json) {
    await output.write(`\n${renderAnalyzeTable(report, {endpoints: options.endpoints})}`)
    return
  }
  // The report line in pieces: a large capture's report is more than one string can hold.
  for (const piece of reportJsonLinePieces(report, {detail: options.detail})) await output.write(piece)
}

/**
 * `callaudit replay` of finished captures: analyze once, derive the events from the report,
 * print them in order (paced at `speed` × capture time when speed > 0), then the summary.
 * Returns analyze's result (the caller turns failures into exit code 2).
 */
export async function replayCaptures(analyze: AnalyzeOptions, options: ReplayPrintOptions & {speed: number; clock?: Clock}, output: ReplayOutput): Promise<AnalysisResult> {
  const result = await analyzeCaptures(analyze)
  if (result.report.captures.length === 0) return result
  const pacer = new Pacer(options.speed, options.clock)
  for (const event of eventsFromReport(result.report)) {
    if (!passesFilter(options.filter, event)) continue
    await pacer.wait(event.relativeSeconds)
    await output.write(renderEvent(options, event))
  }
  await writeSummary(result.report, options, output)
  return result
}

export interface FollowOptions extends ReplayPrintOptions {
  /** Set by the caller (on SIGINT) to end the read: what the file holds by then is read, and
   * the read ends as at a normal end of file. */
  stop: {requested: boolean}
  /** End the read after this many seconds without a new byte (default: only when stopped). */
  untilSilentSeconds?: number
  /** How often the end of the file is looked at again, in ms (default 200). */
  pollMs?: number
  /** Fewest ms between two reports of the read so far (default 1000); more when a report is slow. */
  reportEveryMs?: number
  clock?: Clock
}

/**
 * `callaudit replay --follow`: read a capture that is still being written, the same reading
 * analyze does (one collect session). Whenever the read waits (for more data, or between chunks
 * while it catches up with what the file already holds), at most every
 * `reportEveryMs`, the Report of what was read so far is built (reportFromCollection on a
 * snapshot of the session) and the events not printed before are printed. When the read ends
 * (stopped, or silent for `untilSilentSeconds`), the session is finished like analyze's read,
 * the last events and the summary are printed, and analyze's result is returned: the report is
 * the one `analyze` gives for the file as it was read. A file truncated or replaced while it is
 * read ends the read too (followed-file.ts), with a failure naming it (exit code 2).
 */
export async function followCapture(path: string, analyze: Omit<AnalyzeOptions, 'paths' | 'onProgress'>, options: FollowOptions, output: ReplayOutput): Promise<AnalysisResult> {
  const context = await prepareAnalysisAsync(analyze)
  const clock = options.clock ?? SYSTEM_CLOCK
  const reportEveryMs = options.reportEveryMs ?? 1000
  let lastDataAt = clock.now()
  let bytesRead = 0
  let bytesReported = 0
  const session = openCollectSession({
    analyzers: ALL_ANALYZERS,
    maxFlows: analyze.maxFlows ?? reportMaxFlows(),
    onProgress: (_path, read) => {
      if (read === bytesRead) return
      bytesRead = read
      lastDataAt = clock.now()
    },
  })
  const journal = new EventJournal()
  const print = async (events: ReplayEvent[]) => {
    for (const event of journal.admit(events)) if (passesFilter(options.filter, event)) await output.write(renderEvent(options, event))
  }

  let printing: Promise<void> | undefined
  let failure: unknown
  let nextReportAt = 0
  // Timers run only while the read waits (at the end of the file, between chunks, for standard
  // input), never between two packets of a chunk: a report always sees a consistent session.
  const tick = () => {
    if (printing || failure !== undefined || bytesRead === bytesReported || clock.now() < nextReportAt) return
    try {
      const started = clock.now()
      const collection = session.snapshot(snapshotCopier())
      if (!collection.captures.some((c) => c.packets > 0)) return
      bytesReported = bytesRead
      const events = eventsFromReport(reportFromCollection(collection, context, analyze), {final: false})
      // A long capture makes each report slower: keep them to a fifth of the time at most.
      nextReportAt = clock.now() + Math.max(reportEveryMs, 4 * (clock.now() - started))
      printing = print(events).then(
        () => (printing = undefined),
        (error: unknown) => {
          failure = error
          options.stop.requested = true
        },
      )
    } catch (error) {
      // A bug in the live view must not go unnoticed: end the read and raise it.
      failure = error
      options.stop.requested = true
    }
  }
  const timer = setInterval(tick, Math.min(100, reportEveryMs))
  const silent = options.untilSilentSeconds
  const file = watchFollowedFile(path)
  let changed: string | undefined
  try {
    await session.readPath(path, {
      follow: {
        pollMs: options.pollMs ?? 200,
        // Asked at each end of the file, so the file is looked at again only while the read waits.
        stopped: () => options.stop.requested || (silent !== undefined && clock.now() - lastDataAt >= silent * 1000) || (changed ??= file.problem(bytesRead)) !== undefined,
      },
    })
  } finally {
    clearInterval(timer)
  }
  await printing
  if (failure !== undefined) throw failure

  const collection = session.finish()
  // The file as it stands now that reading stopped: the same digest analyze gives the finished
  // file. None for a file truncated or replaced: its bytes now are not the ones that were read.
  const digests = changed === undefined ? await captureDigests([path]) : new Map([[path, null]])
  const report = reportFromCollection(collection, context, {...analyze, digests})
  const failures = collection.failures.map((f) => f.oneLine())
  if (changed !== undefined) failures.push(new InputError(changed, path).oneLine())
  const result = {report, failures, databases: context.databases}
  if (report.captures.length === 0) return result
  await print(eventsFromReport(report, {final: true}))
  await writeSummary(report, options, output)
  return result
}
