/**
 * One side of a diff: a JSON report (`callaudit analyze --json`), read as it stands, or a
 * capture, analysed now with the flags given. Which one is decided by content, never by name:
 * a file whose first non-blank byte is `{` is a report (no capture format starts so: pcap and
 * pcapng magic numbers, gzip's 1f 8b); anything else is handed to the capture reader, which
 * names the file in one line when it cannot read it.
 */
import {closeSync, openSync, readFileSync, readSync} from 'node:fs'
import {analyzeCaptures, type AnalyzeOptions} from '../analysis/analyze.js'
import {regularFileIdentity} from '../capture/file-identity.js'
import {startsWithBrace} from '../capture/format.js'
import {InputError} from '../errors.js'
import type {DiffInput} from './compute-diff.js'
import {parseReport} from './report-shape.js'
import {getHeapStatistics} from 'node:v8'
import {reportMaxFlows} from '../analysis/report-flow-limit.js'

const PEEK_BYTES = 4096

/** Whether the file starts, after blanks, with `{`. Unreadable files say no: the capture
 * reader reports them in its usual one-line form. So do pipes and devices, never opened here: a
 * peek would consume what the capture reader needs, and reopening a named pipe whose writer is
 * done (`diff <(zstd -dc a.pcapng.zst) b.pcapng`) waits forever. */
export function looksLikeJson(path: string): boolean {
  if (path === '-' || !regularFileIdentity(path)) return false
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const head = Buffer.alloc(PEEK_BYTES)
    const n = readSync(fd, head, 0, PEEK_BYTES, 0)
    return startsWithBrace(head.subarray(0, n))
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

export type CaptureOptions = Omit<AnalyzeOptions, 'paths'>

/** Load one side; throws InputError (one line naming the file) when it cannot be used. */
export async function loadSide(input: string, options: CaptureOptions): Promise<DiffInput> {
  if (looksLikeJson(input)) {
    let text: string
    try {
      text = readFileSync(input, 'utf8')
    } catch (error) {
      // A string in V8 holds at most 2^29 - 24 characters: a report of a capture with hundreds
      // of thousands of flows can be larger. Its captures can still be compared directly.
      if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') {
        throw new InputError('cannot read the report: larger than the 512 MiB of JSON text a report read back can have; give diff the capture files instead', input)
      }
      throw new InputError(`cannot read the report: ${(error as Error).message}`, input)
    }
    return {input, kind: 'report', report: parseReport(text, input)}
  }
  // Both sides' reports are held at once: by default each gets the flows half the heap can hold.
  const maxFlows = options.maxFlows ?? reportMaxFlows(getHeapStatistics().heap_size_limit / 2)
  const {report, failures} = await analyzeCaptures({...options, maxFlows, paths: [input]})
  // One input: it was read (perhaps up to some damage, which the report's warnings say) or not.
  if (report.captures.length === 0) throw new InputError(failures[0] ?? `${input}: no capture could be read`)
  return {input, kind: 'capture', report}
}
