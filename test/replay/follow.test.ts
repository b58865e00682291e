import {appendFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {parseEventFilter} from '../../src/replay/event-filter.js'
import {eventsFromReport} from '../../src/replay/events-from-report.js'
import {followCapture} from '../../src/replay/replay.js'
import type {ReplayEvent} from '../../src/replay/replay-event.js'
import {type WrittenCall, writeCallPcap, writeCallPcapng} from './call-capture.js'
import {analyzeFile, analyzeOptions, collectingOutput, tempDirs, waitFor, writeTemp} from './helpers.js'

const dirs = tempDirs()
afterAll(() => dirs.cleanup())

const FAST = {pollMs: 10, reportEveryMs: 40}

function ndjson(text: string): Array<ReplayEvent | {kind: 'report'; report: unknown}> {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line))
}

/**
 * Grow a capture file in steps, each ending inside a record (a record header cut, a record's
 * data cut), checking after each step that replay --follow printed what the bytes so far hold
 * and nothing of what is still cut.
 */
async function growAndFollow(call: WrittenCall, name: string) {
  const dir = dirs.make()
  const path = join(dir, name)
  writeFileSync(path, '')
  const output = collectingOutput()
  const stop = {requested: false}
  const following = followCapture(path, analyzeOptions(dir), {json: true, detail: true, filter: parseEventFilter([]), summary: true, stop, ...FAST}, output)
  const printed = () => ndjson(output.text()).filter((e): e is ReplayEvent => e.kind !== 'report')
  const has = (kind: string, test: (e: ReplayEvent) => boolean = () => true) => printed().some((e) => e.kind === kind && test(e))
  const offsetOf = (label: string) => call.offsets[call.frames.get(label)!.frame - 1]!
  const cuts = [
    offsetOf('dns-answer') + 5, // inside the DNS answer's record header
    offsetOf('server-hello') + 40, // inside the server's TLS flight (the certificate)
    offsetOf('sdes') + 30, // inside the RTCP packet with the SDES items
    call.bytes.length,
  ]
  let written = 0
  const writeTo = (end: number) => {
    appendFileSync(path, call.bytes.subarray(written, end))
    written = end
  }

  writeTo(cuts[0]!)
  await waitFor(() => has('flow'), 20_000, 'the first flow')
  expect(has('dns')).toBe(false) // its record is not whole yet

  writeTo(cuts[1]!)
  await waitFor(() => has('sni'), 20_000, 'the SNI')
  expect(has('dns')).toBe(true)
  expect(has('certificate')).toBe(false) // the server's flight is cut in the middle

  writeTo(cuts[2]!)
  await waitFor(() => has('certificate') && has('media-start'), 20_000, 'the certificate and media')
  expect(has('sdes')).toBe(false)

  const beforeLast = Date.now()
  writeTo(cuts[3]!)
  await waitFor(() => has('sdes'), 20_000, 'the SDES items')
  stop.requested = true
  const result = await following
  return {dir, path, result, output, printed: printed(), lines: ndjson(output.text()), beforeLast}
}

for (const [format, write] of [['pcap', writeCallPcap], ['pcapng', writeCallPcapng]] as const) {
  describe(`replay --follow on a ${format} file written in steps`, () => {
    let run: Awaited<ReturnType<typeof growAndFollow>>

    it('prints events as the bytes arrive, holding a record cut at the end of the file until it is whole', async () => {
      run = await growAndFollow(write(), `call.${format}`)
      expect(run.result.failures).toEqual([])
    })

    it('ends with the report analyze gives on the finished file', async () => {
      const analyzed = await analyzeFile(run.path, run.dir)
      expect(JSON.stringify(run.result.report)).toBe(JSON.stringify(analyzed))
      // No record was reported cut. (The synthetic call is dated 2025-11-20, long before the
      // embedded databases were built: the one summary warning may say so.)
      expect(run.result.report.captures.flatMap((c) => c.warnings)).toEqual([])
      expect(run.result.report.summary.warnings.filter((w) => !w.includes('days after the capture'))).toEqual([])
      const last = run.lines.at(-1)!
      expect(last.kind).toBe('report')
      expect(JSON.stringify((last as {report: unknown}).report)).toBe(JSON.stringify(analyzed))
    })

    it('printed every event of the call once (a finding again only if its severity rose)', async () => {
      const final = eventsFromReport(run.result.report)
      const firstPrints = run.printed.filter((e) => e.detail['escalatedFrom'] === undefined)
      expect(new Set(firstPrints.map((e) => e.id)).size).toBe(firstPrints.length)
      expect(new Set(firstPrints.map((e) => e.id))).toEqual(new Set(final.map((e) => e.id)))
      // What came before the last write was printed before it: the read was live.
      const dns = run.printed.findIndex((e) => e.kind === 'dns')
      expect(run.output.pieces[dns]!.at).toBeLessThan(run.beforeLast)
    })
  })
}

describe('replay --follow endings', () => {
  it('stopped while a record is cut at the end of the file: the usual end-of-file handling', async () => {
    const call = writeCallPcap()
    const dir = dirs.make()
    const path = join(dir, 'cut.pcap')
    const cut = call.offsets[call.frames.get('sdes')!.frame - 1]! + 30
    writeFileSync(path, call.bytes.subarray(0, cut))
    const output = collectingOutput()
    const stop = {requested: false}
    const following = followCapture(path, analyzeOptions(dir), {json: false, filter: parseEventFilter([]), summary: true, stop, ...FAST}, output)
    await waitFor(() => output.text().includes('media-start'), 20_000, 'media')
    stop.requested = true
    const {report} = await following
    const analyzed = await analyzeFile(path, dir)
    expect(JSON.stringify(report)).toBe(JSON.stringify(analyzed))
    expect(report.captures[0]!.stoppedAt?.reason).toMatch(/last record is cut short/)
    expect(output.text()).toMatch(/ FAIL | PASS /) // the summary table closes the output
  })

  it('--until: ends by itself after that long without new bytes', async () => {
    const call = writeCallPcapng()
    const dir = dirs.make()
    const path = join(dir, 'done.pcapng')
    writeFileSync(path, call.bytes)
    const started = Date.now()
    const output = collectingOutput()
    const {report} = await followCapture(path, analyzeOptions(dir), {json: false, filter: parseEventFilter(['sdes']), summary: false, stop: {requested: false}, untilSilentSeconds: 0.5, ...FAST}, output)
    expect(Date.now() - started).toBeGreaterThanOrEqual(500)
    expect(report.summary.packets).toBe(call.frames.size)
    // Only the SDES events, each once.
    expect(output.text().trimEnd().split('\n').map((l) => l.split(/\s+/)[4])).toEqual(['sdes', 'sdes'])
  })

  it('a file that never becomes a capture is an input error, as for analyze', async () => {
    const dir = dirs.make()
    const path = join(dir, 'empty.pcap')
    writeFileSync(path, '')
    const result = await followCapture(path, analyzeOptions(dir), {json: false, filter: parseEventFilter([]), summary: true, stop: {requested: false}, untilSilentSeconds: 0.2, ...FAST}, collectingOutput())
    expect(result.report.captures).toEqual([])
    expect(result.failures).toEqual([`${path}: empty file: not a capture`])
  })

  // Without a check the reader waits for ever at an offset the file no longer reaches (or on a
  // file no longer named): no --until here, so only the check can end these reads.
  const followUntilItEnds = async (path: string, dir: string, change: () => void) => {
    const output = collectingOutput()
    let ended = false
    const following = followCapture(path, analyzeOptions(dir), {json: true, filter: parseEventFilter([]), summary: true, stop: {requested: false}, ...FAST}, output)
    void following.finally(() => (ended = true))
    await waitFor(() => output.text().includes('"kind":"sdes"'), 20_000, 'the SDES events')
    change()
    await waitFor(() => ended, 10_000, 'the read to end')
    return {result: await following, lines: ndjson(output.text())}
  }

  it('a file truncated while it is read (a writer restarted on the same name): the read ends, named, with what was read', async () => {
    const call = writeCallPcapng()
    const dir = dirs.make()
    const path = writeTemp(dir, 'restarted.pcapng', call.bytes)
    const {result, lines} = await followUntilItEnds(path, dir, () => writeFileSync(path, call.bytes.subarray(0, 100)))
    expect(result.failures).toEqual([`${path}: truncated while being followed (now 100 bytes, ${call.bytes.length} had been read): the read ends there`])
    // Everything read before is reported, but no digest: the file's bytes now are not those read.
    expect(result.report.summary.packets).toBe(call.frames.size)
    expect(result.report.captures[0]!.sha256).toBeNull()
    expect(lines.at(-1)!.kind).toBe('report')
  })

  it('a file replaced by another of the same name while it is read: the read ends, named', async () => {
    const call = writeCallPcap()
    const dir = dirs.make()
    const path = writeTemp(dir, 'rotated.pcap', call.bytes)
    const other = writeTemp(dir, 'other.pcap', call.bytes)
    const {result} = await followUntilItEnds(path, dir, () => renameSync(other, path))
    expect(result.failures).toEqual([`${path}: replaced by another file while being followed: the read ends after ${call.bytes.length} bytes of the first`])
    expect(result.report.summary.packets).toBe(call.frames.size)
  })
})
