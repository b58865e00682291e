import {accessSync, closeSync, constants, lstatSync, openSync, readlinkSync, realpathSync, renameSync, rmSync, type Stats, statSync, writeSync} from 'node:fs'
import {basename, dirname, isAbsolute, join} from 'node:path'
import chalk from 'chalk'
import {InputError} from '../errors.js'
import type {ChunkPool} from './json-bytes.js'
import type {Report} from './report-model.js'

/**
 * The report formats of `analyze --format`: name → renderer, the file extensions that select it
 * for `--output`, and whether it is read by programs (no progress bar while it goes to stdout).
 * Every renderer is pure: the same report and options give the same string.
 *
 * Each renderer module is imported only when its format is rendered: a run uses one format, and
 * loading all of them (the HTML map's d3-geo and world atlas, the table package, SARIF, CSV...)
 * cost every run tens of milliseconds of startup.
 */

export const FORMAT_NAMES = ['table', 'json', 'markdown', 'html', 'sarif', 'csv', 'ndjson'] as const
export type FormatName = (typeof FORMAT_NAMES)[number]

export const CSV_TABLES = ['flows', 'endpoints'] as const
export type CsvTable = (typeof CSV_TABLES)[number]

export interface RenderOptions {
  /** Colour (the table only); never for a file. */
  color: boolean
  /** Endpoints listed in the table. */
  endpoints?: number
  /** Which table the CSV holds (default flows). */
  csvTable?: CsvTable
  /** The process exit code, for formats that record it (SARIF): 2 when an input was unreadable. */
  exitCode?: number
  /** JSON: keep every flow's protocol facts (see report-json.ts). */
  detail?: boolean
  /** JSON: chunk buffers the writer hands back once written (see ChunkPool). */
  pool?: ChunkPool
}

/** What a renderer gives: the whole text, or pieces of text or UTF-8 bytes to write in order. */
export type Rendered = string | Iterable<string | Uint8Array>

export interface ReportFormat {
  name: FormatName
  description: string
  /** Lower-case file name endings that select this format for --output, longest first. */
  extensions: readonly string[]
  /** Read by programs rather than people. */
  machine: boolean
  /**
   * The text, whole or (large JSON) in pieces of text or UTF-8 bytes to write in order.
   * Asynchronous only to import the renderer; the rendering itself is synchronous.
   */
  render(report: Report, options: RenderOptions): Promise<Rendered>
}

export const FORMATS: Readonly<Record<FormatName, ReportFormat>> = {
  table: {
    name: 'table',
    description: 'the terminal report (colour only on a terminal)',
    extensions: ['.txt'],
    machine: false,
    render: async (report, options) => {
      const {renderAnalyzeTable} = await import('./analyze-table.js')
      return withColour(options.color, () => renderAnalyzeTable(report, {endpoints: options.endpoints}))
    },
  },
  json: {
    name: 'json',
    description: 'the Report model (docs/report-json.md, schema/report.schema.json), as --json; flow protocol facts with --detail',
    extensions: ['.json'],
    machine: true,
    render: async (report, options) => (await import('./report-json.js')).reportJsonBytes(report, {detail: options.detail, pool: options.pool}),
  },
  markdown: {
    name: 'markdown',
    description: 'a Markdown appendix for a briefing',
    extensions: ['.md', '.markdown'],
    machine: false,
    render: async (report) => (await import('./markdown.js')).renderMarkdown(report),
  },
  html: {
    name: 'html',
    description: 'one self-contained HTML page (no network access)',
    extensions: ['.html', '.htm'],
    machine: false,
    render: async (report) => (await import('./html/render-html.js')).renderHtml(report),
  },
  sarif: {
    name: 'sarif',
    description: 'SARIF 2.1.0 for code-scanning dashboards',
    extensions: ['.sarif', '.sarif.json'],
    machine: true,
    render: async (report, options) => (await import('./sarif.js')).sarifPieces(report, options.exitCode === undefined ? {} : {exitCode: options.exitCode}),
  },
  csv: {
    name: 'csv',
    description: 'one table as CSV: flows (default) or endpoints (--csv-table)',
    extensions: ['.csv'],
    machine: false,
    render: async (report, options) => {
      const csv = await import('./report-csv.js')
      return (options.csvTable ?? 'flows') === 'endpoints' ? csv.endpointsCsvPieces(report) : csv.flowsCsvPieces(report)
    },
  },
  ndjson: {
    name: 'ndjson',
    description: 'one JSON object per line (newline-delimited JSON), for log pipelines',
    extensions: ['.ndjson', '.jsonl'],
    machine: true,
    render: async (report) => (await import('./ndjson.js')).ndjsonPieces(report),
  },
}

/** The format a file name asks for, by its ending (case-insensitive; `.sarif.json` is SARIF). */
export function formatForPath(path: string): FormatName | undefined {
  const name = basename(path).toLowerCase()
  let best: {format: FormatName; length: number} | undefined
  for (const format of FORMAT_NAMES) {
    for (const ext of FORMATS[format].extensions) {
      if (name.endsWith(ext) && name.length > ext.length && (!best || ext.length > best.length)) best = {format, length: ext.length}
    }
  }
  return best?.format
}

/** Every extension --output recognises, for messages and help. */
export function knownExtensions(): string[] {
  return FORMAT_NAMES.flatMap((f) => FORMATS[f].extensions)
}

/**
 * The format to write, from --format, --json and the --output file name. Throws InputError
 * (exit 2) when they disagree or the file name says nothing.
 */
export function chooseFormat(options: {format?: string; json: boolean; output?: string}): FormatName {
  const given = options.format as FormatName | undefined
  if (options.json && given && given !== 'json') throw new InputError(`--json and --format ${given} ask for different formats; give one of them`)
  if (options.json) return 'json'
  if (given) return given
  if (options.output && options.output !== '-') {
    const inferred = formatForPath(options.output)
    if (!inferred) throw new InputError(`cannot tell the format from the file name (known endings: ${knownExtensions().join(' ')}); add --format`, options.output)
    return inferred
  }
  return 'table'
}

/** Render with chalk's colour level forced off when colour is not wanted (renderers read chalk's global level). */
function withColour<T>(color: boolean, render: () => T): T {
  if (color) return render()
  const level = chalk.level
  chalk.level = 0
  try {
    return render()
  } finally {
    chalk.level = level
  }
}

/**
 * Check, before the (possibly long) analysis, that --output can be written: its directory
 * exists and is writable, it is not itself a directory, and it is none of the `inputs` (the
 * report would replace the capture it was made from). Throws InputError (exit 2).
 */
export function checkOutputPath(path: string, inputs: readonly string[] = []): void {
  let target: Stats | undefined
  try {
    target = statSync(path)
  } catch {
    // Does not exist yet: the usual case.
  }
  if (target?.isDirectory()) throw new InputError('is a directory; --output needs a file name', path)
  if (target && (target.isBlockDevice() || target.isSocket())) throw new InputError(`is a ${target.isSocket() ? 'socket' : 'block device'}; --output needs a file, a pipe or a character device such as /dev/stdout`, path)
  if (target && inputs.some((input) => sameFile(input, target))) throw new InputError('is one of the captures read: the report would replace it; choose another --output', path)
  // A pipe or character device is written into (see writeFileAtomic): its directory does not matter.
  if (target && (target.isFIFO() || target.isCharacterDevice())) return
  const dir = dirname(realpathOf(path))
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`cannot write here: ${dir} is not a directory`, path)
    accessSync(dir, constants.W_OK)
  } catch (error) {
    if (error instanceof InputError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? `cannot write here: no directory ${dir}` : `cannot write here: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(error))}`, path)
  }
}

/** Whether `path` names the file `target` describes (same device and inode: links count too). */
function sameFile(path: string, target: Stats): boolean {
  if (path === '-') return false
  try {
    const s = statSync(path)
    return s.dev === target.dev && s.ino === target.ino
  } catch {
    return false
  }
}

/** A renderer's output as pieces to write in order (a string is one piece). */
export function renderedPieces(rendered: Rendered): Iterable<string | Uint8Array> {
  return typeof rendered === 'string' ? [rendered] : rendered
}

/**
 * Write the whole text to a temporary file beside `path`, then rename it into place: a reader
 * never sees half a report, and a failed run leaves no file (or the previous one) behind.
 *
 * Only a regular file is replaced. A pipe or a character device (`-o /dev/stdout`, `-o
 * /dev/null`, a FIFO a reader waits on) is written into: renaming a file over it would have
 * replaced the device itself (as root, /dev/null became a file holding the report) and left the
 * pipe's reader waiting. A symbolic link is followed: the file it names is replaced, the link
 * stays (and `/dev/stdout` redirected to a file resolves to that file, not to a file in /dev).
 */
export function writeFileAtomic(path: string, text: Rendered, pool?: ChunkPool): void {
  let target: Stats | undefined
  try {
    target = statSync(path)
  } catch {
    // Does not exist yet: made below.
  }
  if (target && (target.isFIFO() || target.isCharacterDevice())) return writeInto(path, text, pool)
  const real = realpathOf(path)
  const temp = join(dirname(real), `.${basename(real)}.${process.pid}.tmp`)
  try {
    const fd = openSync(temp, 'w', 0o644)
    try {
      writePieces(fd, text, pool)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, real)
  } catch (error) {
    rmSync(temp, {force: true})
    throw writeError(error, path)
  }
}

/**
 * The file a path names, links followed, also to a file that does not exist yet (a link to
 * `report.json` about to be made): the write goes there and the link stays a link. The path
 * itself when that cannot be told.
 */
function realpathOf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    // Follow a dangling link by hand, as open(2) would (at most 40 links, its ELOOP limit).
    let at = path
    for (let hops = 0; hops < 40; hops++) {
      let link: string
      try {
        if (!lstatSync(at).isSymbolicLink()) return at
        link = readlinkSync(at)
      } catch {
        return at
      }
      at = isAbsolute(link) ? link : join(dirname(at), link)
    }
    return path
  }
}

/** Write the pieces into an existing pipe or character device, in order. */
function writeInto(path: string, text: Rendered, pool?: ChunkPool): void {
  let fd: number | undefined
  try {
    fd = openSync(path, 'w')
    writePieces(fd, text, pool)
  } catch (error) {
    throw writeError(error, path)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Every piece into `fd`, in order, each byte piece back to `pool` once written. */
function writePieces(fd: number, text: Rendered, pool?: ChunkPool): void {
  for (const piece of renderedPieces(text)) {
    // Two calls for writeSync's two overloads (text, bytes).
    if (typeof piece === 'string') writeSync(fd, piece)
    else {
      for (let done = 0; done < piece.length; ) done += writeSync(fd, piece, done)
      pool?.release(piece)
    }
  }
}

function writeError(error: unknown, path: string): InputError {
  const code = (error as NodeJS.ErrnoException).code
  return new InputError(`cannot write the report: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : code === 'EISDIR' ? 'is a directory' : code === 'EPIPE' ? 'the reader closed the pipe' : (code ?? String(error))}`, path)
}
