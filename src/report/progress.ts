import {formatBytes} from './human-units.js'
import {capturePathText} from './capture-name.js'
import {safeTerminal} from './sanitize.js'
import {displayWidth} from './display-width.js'

/**
 * A one-line progress bar on stderr for long analyses: bytes read of the file's size (`-` and
 * other streams of unknown size show bytes read only). Drawn only on a terminal, first after a
 * short delay (a quick run never flickers), at most ten times a second, and erased at the end so
 * that what follows (the report, warnings) starts on a clean line.
 */

export interface ProgressState {
  path: string
  bytesRead: number
  /** The file's size, undefined for standard input and other streams. */
  totalBytes: number | undefined
  /** 1-based position of the file among the inputs, and how many there are. */
  file: number
  files: number
}

const BAR_WIDTH = 24

/** The progress line for a state, fitted to `width` columns (pure; no terminal control). */
export function renderProgress(state: ProgressState, width: number): string {
  const name = safeTerminal(capturePathText(state.path))
  const which = state.files > 1 ? ` (${state.file}/${state.files})` : ''
  let tail: string
  if (state.totalBytes !== undefined && state.totalBytes > 0) {
    const fraction = Math.min(1, Math.max(0, state.bytesRead / state.totalBytes))
    const filled = Math.floor(fraction * BAR_WIDTH)
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
    tail = ` [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent} ${formatBytes(state.bytesRead)} of ${formatBytes(state.totalBytes)}`
  } else {
    tail = ` ${formatBytes(state.bytesRead)} read`
  }
  const head = `reading${which} `
  // Never wrap: a wrapped line cannot be erased with one carriage return. The name gives way
  // first (its end is kept: the file name matters more than its directory), then the whole tail.
  const room = width - 1 - head.length - tail.length
  if (room >= 8) return `${head}${clipStart(name, room)}${tail}`
  return `${head}${tail.trim()}`.slice(0, Math.max(0, width - 1))
}

/** The end of `text` in `room` terminal columns (display-width.ts), an ellipsis before it when
 * cut; cut between grapheme clusters, so no CJK or emoji name pushes the line past the edge. */
function clipStart(text: string, room: number): string {
  if (displayWidth(text) <= room) return text
  const clusters = [...new Intl.Segmenter('en', {granularity: 'grapheme'}).segment(text)].map((s) => s.segment)
  let start = clusters.length
  for (let width = 0; start > 0; start--) {
    const w = displayWidth(clusters[start - 1]!)
    if (width + w > room - 1) break
    width += w
  }
  return `…${clusters.slice(start).join('')}`
}

/** Where the bar is drawn: a terminal stream (process.stderr). */
export interface ProgressStream {
  write(text: string): unknown
  columns?: number
}

export interface ProgressOptions {
  /** Number of input files. */
  files: number
  /** Milliseconds before the first draw (default 300): short runs show nothing. */
  delayMs?: number
  /** Least milliseconds between two draws (default 100: at most ten redraws a second). */
  intervalMs?: number
  /** The clock (tests give their own). */
  now?: () => number
}

/**
 * Draws the bar. `update` is the `onProgress` callback of analyzeCaptures; it is called from
 * the read loop, which reads synchronously, so throttling compares clock readings instead of
 * relying on timers that would not fire during the read.
 */
export class ProgressBar {
  private readonly now: () => number
  private readonly start: number
  private readonly delayMs: number
  private readonly intervalMs: number
  private lastDraw = Number.NEGATIVE_INFINITY
  private drawn = false
  private file = 0
  private path: string | undefined

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now())
    this.start = this.now()
    this.delayMs = options.delayMs ?? 300
    this.intervalMs = options.intervalMs ?? 100
  }

  update(path: string, bytesRead: number, totalBytes: number | undefined): void {
    if (path !== this.path) {
      this.path = path
      this.file++
    }
    const t = this.now()
    if (t - this.start < this.delayMs || t - this.lastDraw < this.intervalMs) return
    this.lastDraw = t
    // A terminal of unknown size (0 columns, as under script(1)) is taken as 80 columns wide.
    const line = renderProgress({path, bytesRead, totalBytes, file: this.file, files: this.options.files}, this.stream.columns || 80)
    // Carriage return, the line, then erase what a longer previous line left to its right.
    this.stream.write(`\r${line}\u001b[K`)
    this.drawn = true
  }

  /** Erase the bar (if it was ever drawn), leaving the cursor at the start of an empty line. */
  done(): void {
    if (this.drawn) this.stream.write('\r\u001b[K')
    this.drawn = false
  }
}

/**
 * Whether to show progress: only for a person at a terminal, i.e. stderr is a TTY and the
 * output is not a machine stream on stdout (`--json`, or json/ndjson/sarif printed to stdout,
 * are read by programs that may share the terminal's stderr with a log).
 */
export function wantsProgress(options: {stderrIsTTY: boolean | undefined; json: boolean; machineOnStdout: boolean}): boolean {
  return options.stderrIsTTY === true && !options.json && !options.machineOnStdout
}
