import {execFileSync, spawn} from 'node:child_process'
import {copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {chooseFormat, FORMAT_NAMES, formatForPath} from '../../src/report/formats.js'
import type {Report} from '../../src/report/report-model.js'
import {runCli, type CliResult} from '../helpers/run-cli.js'

/**
 * `analyze --format / --output` through the real CLI (bin/run.js, oclif's parsing): each format
 * gives its kind of output, --output infers the format from the file name and writes exactly
 * what stdout would show, exit codes do not depend on the format, and bad requests are one-line
 * errors with exit code 2.
 */

const DEMO = 'fixtures/demo-jakarta-call.pcapng'
const ESC = '\u001b'
let work: string
/** stdout of `analyze DEMO --format F`, per format (one run each, reused). */
const stdoutOf = new Map<string, CliResult>()
let report: Report

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'callaudit-formats-'))
  for (const format of FORMAT_NAMES) stdoutOf.set(format, await runCli(['analyze', DEMO, '--format', format]))
  report = JSON.parse(stdoutOf.get('json')!.stdout) as Report
})
afterAll(() => rmSync(work, {recursive: true, force: true}))

describe('each format, on stdout', () => {
  it('exits 1 for the demo whatever the format (findings at or above high)', () => {
    for (const format of FORMAT_NAMES) expect(stdoutOf.get(format)!.code, format).toBe(1)
    expect(report.summary.exitCode).toBe(1)
  })

  it('table: the terminal report, without colour when piped', () => {
    const out = stdoutOf.get('table')!.stdout
    expect(out).toMatch(/^ FAIL /)
    expect(out).toContain('FINDINGS (')
    expect(out).not.toContain(ESC)
  })

  it('json: the Report, byte for byte what --json prints', async () => {
    expect(report.schemaVersion).toBe(1)
    expect(report.findings.length).toBeGreaterThan(5)
    const viaFlag = await runCli(['analyze', DEMO, '--json'])
    expect(viaFlag.code).toBe(1)
    expect(stdoutOf.get('json')!.stdout).toBe(viaFlag.stdout)
  })

  it('markdown: headings and tables', () => {
    const out = stdoutOf.get('markdown')!.stdout
    expect(out).toMatch(/^# /)
    expect(out).toMatch(/^\|.*\|$/m)
    expect(out).toMatch(/^\|( *:?-+:? *\|)+$/m)
  })

  it('html: one complete document', () => {
    const out = stdoutOf.get('html')!.stdout
    expect(out).toMatch(/^<!DOCTYPE html>/i)
    expect(out.trimEnd()).toMatch(/<\/html>$/i)
  })

  it('sarif: a SARIF 2.1.0 log with one result per finding', () => {
    const log = JSON.parse(stdoutOf.get('sarif')!.stdout) as {version: string; runs: Array<{results: unknown[]; invocations: Array<{exitCode: number}>}>}
    expect(log.version).toBe('2.1.0')
    expect(log.runs[0]!.results).toHaveLength(report.findings.length)
    expect(log.runs[0]!.invocations[0]!.exitCode).toBe(1)
  })

  it('csv: a header and one row per flow (the default table)', () => {
    const lines = stdoutOf.get('csv')!.stdout.trimEnd().split(/\r?\n/)
    expect(lines).toHaveLength(report.flows.length + 1)
    expect(lines[0]).toMatch(/^[a-z_]+(,[a-z_]+)+$/)
  })

  it('csv --csv-table endpoints: one row per endpoint instead', async () => {
    const run = await runCli(['analyze', DEMO, '--format', 'csv', '--csv-table', 'endpoints'])
    expect(run.code).toBe(1)
    const lines = run.stdout.trimEnd().split(/\r?\n/)
    expect(lines).toHaveLength(report.endpoints.length + 1)
    expect(lines[0]).not.toBe(stdoutOf.get('csv')!.stdout.split(/\r?\n/)[0])
  })

  it('ndjson: every line is one JSON object', () => {
    const lines = stdoutOf.get('ndjson')!.stdout.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.length).toBeGreaterThan(report.findings.length)
    for (const line of lines) expect(typeof JSON.parse(line)).toBe('object')
  })
})

describe('--output FILE', () => {
  // File ending → the format whose stdout the file must equal.
  const endings: Array<[string, string]> = [
    ['report.json', 'json'],
    ['report.md', 'markdown'],
    ['report.markdown', 'markdown'],
    ['report.html', 'html'],
    ['report.htm', 'html'],
    ['report.sarif', 'sarif'],
    ['report.sarif.json', 'sarif'],
    ['report.csv', 'csv'],
    ['report.ndjson', 'ndjson'],
    ['report.jsonl', 'ndjson'],
    ['report.txt', 'table'],
    ['REPORT.HTML', 'html'],
  ]
  for (const [name, format] of endings) {
    it(`${name} is written as ${format}, equal to its stdout, and nothing is printed`, async () => {
      const dir = mkdtempSync(join(work, 'out-'))
      const path = join(dir, name)
      const run = await runCli(['analyze', DEMO, '--output', path])
      expect(run.code).toBe(1)
      expect(run.stdout).toBe('')
      expect(readFileSync(path, 'utf8')).toBe(stdoutOf.get(format)!.stdout)
      // Only the report: no temporary file left beside it.
      expect(readdirSync(dir)).toEqual([name])
    })
  }

  it('--format wins over the file name', async () => {
    const path = join(work, 'forced.json')
    expect((await runCli(['analyze', DEMO, '--format', 'markdown', '-o', path])).code).toBe(1)
    expect(readFileSync(path, 'utf8')).toBe(stdoutOf.get('markdown')!.stdout)
  })

  it('--json with --output writes the JSON there and prints nothing', async () => {
    const path = join(work, 'flag.json')
    const run = await runCli(['analyze', DEMO, '--json', '-o', path])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(readFileSync(path, 'utf8')).toBe(stdoutOf.get('json')!.stdout)
  })

  it('never puts colour in a file, even with --color; stdout gets it when asked', async () => {
    const path = join(work, 'colour.txt')
    const toFile = await runCli(['analyze', DEMO, '--color', '-o', path])
    expect(toFile.code).toBe(1)
    const text = readFileSync(path, 'utf8')
    expect(text).toBe(stdoutOf.get('table')!.stdout)
    expect(text).not.toContain(ESC)
    const toStdout = await runCli(['analyze', DEMO, '--color'])
    expect(toStdout.stdout).toContain(`${ESC}[`)
    expect(toStdout.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toBe(text)
  })

  it('-o - is standard output', async () => {
    const run = await runCli(['analyze', DEMO, '-f', 'sarif', '-o', '-'])
    expect(run.stdout).toBe(stdoutOf.get('sarif')!.stdout)
  })

  it('replaces an existing file only when the run succeeds', async () => {
    const dir = mkdtempSync(join(work, 'keep-'))
    const path = join(dir, 'report.json')
    writeFileSync(path, 'previous report\n')
    const failed = await runCli(['analyze', join(work, 'no-such-capture.pcap'), '-o', path])
    expect(failed.code).toBe(2)
    expect(readFileSync(path, 'utf8')).toBe('previous report\n')
    expect(readdirSync(dir)).toEqual(['report.json'])
    expect((await runCli(['analyze', DEMO, '-o', path])).code).toBe(1)
    expect(readFileSync(path, 'utf8')).toBe(stdoutOf.get('json')!.stdout)
  })
})

describe('--output onto what is not a plain file', () => {
  it.skipIf(process.platform === 'win32')('writes into a named pipe a reader waits on, and leaves it a pipe', async () => {
    const fifo = join(work, 'report.fifo.json')
    execFileSync('mkfifo', [fifo])
    // The reader: a child that copies the pipe to a file (it waits until the CLI opens the pipe).
    const copied = join(work, 'from-fifo.json')
    const reader = spawn('sh', ['-c', `cat '${fifo}' > '${copied}'`])
    const done = new Promise((resolve) => reader.on('exit', resolve))
    const run = await runCli(['analyze', DEMO, '-o', fifo])
    await done
    expect(run.code).toBe(1)
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    expect(readFileSync(copied, 'utf8')).toBe(stdoutOf.get('json')!.stdout)
  })

  it('writes into a character device and leaves it a device (as root, /dev/null was replaced by a file)', async () => {
    const device = join(work, 'null-device')
    try {
      execFileSync('mknod', [device, 'c', '1', '3'], {stdio: 'ignore'})
    } catch {
      return // making a device node needs root: nothing to check here
    }
    const run = await runCli(['analyze', DEMO, '--format', 'json', '-o', device])
    expect(run.code).toBe(1)
    expect(lstatSync(device).isCharacterDevice()).toBe(true)
    expect(readdirSync(work).filter((f) => f.includes('null-device') && f.endsWith('.tmp'))).toEqual([])
  })

  it('follows a symbolic link: the file it names gets the report, the link stays', async () => {
    const file = join(work, 'real-report.json')
    const link = join(work, 'link-report.json')
    writeFileSync(file, 'old')
    symlinkSync(file, link)
    const run = await runCli(['analyze', DEMO, '-o', link])
    expect(run.code).toBe(1)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe(stdoutOf.get('json')!.stdout)
  })

  it('follows a symbolic link to a file not made yet (a relative one too), and refuses one into a missing directory', async () => {
    const link = join(work, 'dangling-report.json')
    symlinkSync('new-report.json', link)
    const run = await runCli(['analyze', DEMO, '-o', link])
    expect(run.code).toBe(1)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(work, 'new-report.json'), 'utf8')).toBe(stdoutOf.get('json')!.stdout)
    const nowhere = join(work, 'nowhere-report.json')
    symlinkSync('no-such-dir/x.json', nowhere)
    const refused = await runCli(['analyze', DEMO, '-o', nowhere])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`${nowhere}: cannot write here: no directory ${join(work, 'no-such-dir')}`)
  })
})

describe('exit codes and errors', () => {
  it('0 within policy, in sarif, csv and markdown too', async () => {
    for (const format of ['sarif', 'csv', 'markdown']) {
      const run = await runCli(['analyze', DEMO, '--fail-on', 'none', '--format', format])
      expect(run.code, format).toBe(0)
    }
  })

  it('2 when one input is unreadable; the report of the others is still written, and SARIF records 2', async () => {
    const path = join(work, 'partial.sarif')
    const run = await runCli(['analyze', DEMO, join(work, 'missing.pcap'), '-o', path])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('missing.pcap')
    const log = JSON.parse(readFileSync(path, 'utf8')) as {runs: Array<{invocations: Array<{exitCode: number; executionSuccessful: boolean}>}>}
    expect(log.runs[0]!.invocations[0]).toEqual(expect.objectContaining({exitCode: 2, executionSuccessful: false}))
  })

  it('2 in every format\'s own verdict when one input is unreadable, which the report names', async () => {
    const missing = join(work, 'missing.pcap')
    const json = await runCli(['analyze', missing, DEMO, '--fail-on', 'none', '--json'])
    expect(json.code).toBe(2)
    const report = JSON.parse(json.stdout) as {summary: {exitCode: number; warnings: string[]}}
    expect(report.summary.exitCode).toBe(2)
    expect(report.summary.warnings[0]).toBe(`not analysed: ${missing}: no such file`)
    const terminal = await runCli(['analyze', missing, DEMO, '--fail-on', 'none'])
    expect(terminal.stdout.split('\n\n')[0]!.replace(/\s+/g, ' ')).toMatch(/→ exit 2( ·)? not every input could be read/)
    const markdown = await runCli(['analyze', missing, DEMO, '--format', 'markdown'])
    expect(markdown.stdout).toMatch(/\(exit code 2\)\..*\*\*Not every input could be read\*\*/)
    const html = await runCli(['analyze', missing, DEMO, '--format', 'html'])
    expect(html.stdout).toContain('exit code 2 · not every input could be read')
  })

  it('an unknown --format is refused by oclif with exit 2, naming the formats', async () => {
    const run = await runCli(['analyze', DEMO, '--format', 'xml'])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('xml')
    for (const f of FORMAT_NAMES) expect(run.stderr).toContain(f)
  })

  const oneLineError = (run: CliResult, ...fragments: string[]) => {
    expect(run.code).toBe(2)
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(/^callaudit: /)
    for (const f of fragments) expect(run.stderr).toContain(f)
  }

  it('an --output in a directory that does not exist: one line, exit 2, nothing written', async () => {
    const path = join(work, 'no-such-dir', 'report.html')
    oneLineError(await runCli(['analyze', DEMO, '-o', path]), path, 'no directory')
    expect(existsSync(join(work, 'no-such-dir'))).toBe(false)
  })

  it('an --output that is a directory: one line, exit 2', async () => {
    const dir = join(work, 'a-dir.json')
    mkdirSync(dir)
    oneLineError(await runCli(['analyze', DEMO, '-o', dir]), 'is a directory')
  })

  it('an --output that is one of the captures read: one line, exit 2, the capture untouched', async () => {
    const capture = join(work, 'own-output.pcapng')
    copyFileSync(DEMO, capture)
    const before = readFileSync(capture)
    oneLineError(await runCli(['analyze', capture, '--format', 'json', '-o', capture]), capture, 'is one of the captures read')
    // Also under another name for the same file (a hard link).
    const link = join(work, 'own-output-link.json')
    linkSync(capture, link)
    oneLineError(await runCli(['analyze', capture, '-o', link]), link, 'is one of the captures read')
    expect(readFileSync(capture).equals(before)).toBe(true)
  })

  it('an --output whose name says no format, without --format: one line, exit 2', async () => {
    oneLineError(await runCli(['analyze', DEMO, '-o', join(work, 'report.xyz')]), 'add --format', '.sarif.json')
    expect(existsSync(join(work, 'report.xyz'))).toBe(false)
  })

  it('--json with another --format, and --csv-table without csv: exit 2', async () => {
    const both = await runCli(['analyze', DEMO, '--json', '--format', 'sarif'])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--json and --format sarif')
    oneLineError(await runCli(['analyze', DEMO, '--format', 'json', '--csv-table', 'endpoints']), '--csv-table')
  })
})

describe('formatForPath and chooseFormat', () => {
  it('picks the longest matching ending, case-insensitively', () => {
    expect(formatForPath('x.sarif.json')).toBe('sarif')
    expect(formatForPath('x.json')).toBe('json')
    expect(formatForPath('dir.json/x.JSONL')).toBe('ndjson')
    expect(formatForPath('x.Markdown')).toBe('markdown')
    expect(formatForPath('x.pcap')).toBeUndefined()
    expect(formatForPath('.json')).toBeUndefined()
    expect(formatForPath('report')).toBeUndefined()
  })

  it('--format over --output; --json is json; table by default', () => {
    expect(chooseFormat({json: false})).toBe('table')
    expect(chooseFormat({json: false, output: '-'})).toBe('table')
    expect(chooseFormat({json: true})).toBe('json')
    expect(chooseFormat({json: true, format: 'json', output: 'a.html'})).toBe('json')
    expect(chooseFormat({json: false, format: 'csv', output: 'a.html'})).toBe('csv')
    expect(chooseFormat({json: false, output: 'a.htm'})).toBe('html')
    expect(() => chooseFormat({json: true, format: 'html'})).toThrow(/--json and --format html/)
    expect(() => chooseFormat({json: false, output: 'a.pdf'})).toThrow(/add --format/)
  })
})
