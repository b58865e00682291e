import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ProgressBar, renderProgress, wantsProgress} from '../../src/report/progress.js'
import {ROOT} from '../helpers/paths.js'

describe('renderProgress (the line, on numbers)', () => {
  const state = {path: 'call.pcapng', file: 1, files: 1}

  it('shows a 24-cell bar, the percentage and bytes of the total', () => {
    expect(renderProgress({...state, bytesRead: 1_000_000, totalBytes: 2_000_000}, 100)).toBe(`reading call.pcapng [${'#'.repeat(12)}${'-'.repeat(12)}]  50% 1.0 MB of 2.0 MB`)
    expect(renderProgress({...state, bytesRead: 0, totalBytes: 5000}, 100)).toContain(`[${'-'.repeat(24)}]   0% 0 B of 5.0 kB`)
    expect(renderProgress({...state, bytesRead: 5000, totalBytes: 5000}, 100)).toContain(`[${'#'.repeat(24)}] 100% 5.0 kB of 5.0 kB`)
    // 99.9 % is not yet 100 %: the bar rounds down.
    expect(renderProgress({...state, bytesRead: 999, totalBytes: 1000}, 100)).toContain(`[${'#'.repeat(23)}-]  99%`)
  })

  it('clamps a count beyond the size (a file that grew while read)', () => {
    expect(renderProgress({...state, bytesRead: 3000, totalBytes: 2000}, 100)).toContain(`[${'#'.repeat(24)}] 100% 3.0 kB of 2.0 kB`)
  })

  it('shows bytes read only when the size is unknown (standard input)', () => {
    expect(renderProgress({path: '-', bytesRead: 1_500_000, totalBytes: undefined, file: 1, files: 1}, 80)).toBe('reading standard input 1.5 MB read')
    expect(renderProgress({...state, bytesRead: 10, totalBytes: 0}, 80)).toBe('reading call.pcapng 10 B read')
  })

  it('says which file of several', () => {
    expect(renderProgress({path: 'b.pcap', bytesRead: 1, totalBytes: 2, file: 2, files: 3}, 100)).toMatch(/^reading \(2\/3\) b\.pcap \[/)
  })

  it('never wraps: fits any width, keeping the end of a long path', () => {
    const long = `/srv/captures/${'very-long-directory-name/'.repeat(6)}ministry-call.pcapng`
    for (let width = 10; width <= 200; width++) {
      const line = renderProgress({path: long, bytesRead: 123_456_789, totalBytes: 987_654_321, file: 1, files: 1}, width)
      expect([...line].length, `width ${width}`).toBeLessThanOrEqual(width - 1)
    }
    const line = renderProgress({path: long, bytesRead: 1, totalBytes: 2, file: 1, files: 1}, 80)
    expect(line).toMatch(/ …[^ ]*ministry-call\.pcapng \[/)
  })

  it('neutralises control characters in a file name', () => {
    const line = renderProgress({path: 'x\u001b[2J\u009b31m.pcap', bytesRead: 1, totalBytes: 2, file: 1, files: 1}, 100)
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    expect(line).toContain('x\\x1b[2J\\x9b31m.pcap')
  })
})

describe('ProgressBar (drawing, throttling, erasing)', () => {
  function bar(options: {delayMs?: number; columns?: number} = {}) {
    let t = 0
    const written: string[] = []
    const stream = {write: (s: string) => written.push(s), columns: options.columns ?? 100}
    const progress = new ProgressBar(stream, {files: 1, now: () => t, ...(options.delayMs === undefined ? {} : {delayMs: options.delayMs})})
    return {progress, written, advance: (ms: number) => (t += ms)}
  }

  it('draws nothing for a run shorter than the delay, and then erases nothing', () => {
    const b = bar()
    for (let i = 0; i < 29; i++) {
      b.advance(10)
      b.progress.update('a.pcap', i * 1000, 100_000)
    }
    b.progress.done()
    expect(b.written).toEqual([])
  })

  it('redraws at most ten times a second however often it is told, and erases at the end', () => {
    const b = bar({delayMs: 0})
    for (let i = 1; i <= 2000; i++) {
      b.advance(1) // 2000 updates over two seconds
      b.progress.update('a.pcap', i * 500, 1_000_000)
    }
    const draws = b.written.length
    expect(draws).toBeGreaterThanOrEqual(19)
    expect(draws).toBeLessThanOrEqual(21)
    for (const w of b.written) expect(w).toMatch(/^\r(reading a\.pcap \[[#-]{24}\] +\d+% .*)\u001b\[K$/)
    b.progress.done()
    expect(b.written.at(-1)).toBe('\r\u001b[K')
    b.progress.done()
    expect(b.written.length).toBe(draws + 1)
  })

  it('counts files as the path changes and takes an unknown width as 80 columns', () => {
    const b = bar({delayMs: 0, columns: 0})
    b.progress.update('a.pcap', 1, 2)
    b.advance(200)
    b.progress.update('b.pcap', 1, 2)
    expect(b.written[1]).toContain('b.pcap')
    expect(b.written[1]!.length).toBeGreaterThan(30)
    expect(b.written[1]!.length).toBeLessThanOrEqual(80 + 4)
  })
})

describe('wantsProgress', () => {
  it('only for a terminal, never with --json or a machine format on stdout', () => {
    expect(wantsProgress({stderrIsTTY: true, json: false, machineOnStdout: false})).toBe(true)
    expect(wantsProgress({stderrIsTTY: false, json: false, machineOnStdout: false})).toBe(false)
    expect(wantsProgress({stderrIsTTY: undefined, json: false, machineOnStdout: false})).toBe(false)
    expect(wantsProgress({stderrIsTTY: true, json: true, machineOnStdout: false})).toBe(false)
    expect(wantsProgress({stderrIsTTY: true, json: false, machineOnStdout: true})).toBe(false)
  })
})

/**
 * Through the real CLI. The capture arrives on standard input in two parts a second apart, so
 * the read outlasts the bar's delay: on a terminal (a pseudo-terminal from script(1)) the bar
 * appears; with stderr a pipe it must not.
 */
describe('the CLI', () => {
  let work: string
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'callaudit-progress-'))
  })
  afterAll(() => rmSync(work, {recursive: true, force: true}))

  const demo = 'fixtures/demo-jakarta-call.pcapng'
  const slowly = (command: string) => `(head -c 100000 ${demo}; sleep 1; tail -c +100001 ${demo}) | node bin/run.js analyze - ${command}`
  const env = {...process.env, NO_COLOR: '1'}
  for (const name of ['NODE_ENV', 'VITEST', 'VITEST_MODE', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'TEST']) delete env[name]
  const haveScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0

  it('prints no progress when stderr is not a terminal', () => {
    const run = spawnSync('sh', ['-c', slowly(`-o ${join(work, 'piped.md')}`)], {cwd: ROOT, env, encoding: 'utf8'})
    expect(run.status).toBe(1)
    expect(run.stderr).not.toContain('reading')
    expect(run.stderr).not.toContain('\r')
    expect(run.stderr).not.toContain('\u001b')
  })

  it.skipIf(!haveScript)('draws and erases the bar on a terminal, but not with --json', () => {
    // script -e returns the command's exit code; everything the pseudo-terminal shows is captured.
    const run = spawnSync('script', ['-qec', slowly(`-o ${join(work, 'tty.md')}`), '/dev/null'], {cwd: ROOT, env, encoding: 'utf8'})
    expect(run.status).toBe(1)
    const onTerminal = run.stdout
    expect(onTerminal).toMatch(/\rreading standard input \d+(\.\d)? kB read\u001b\[K/)
    expect(onTerminal).toContain('\r\u001b[K')
    const json = spawnSync('script', ['-qec', slowly('--json > /dev/null'), '/dev/null'], {cwd: ROOT, env, encoding: 'utf8'})
    expect(json.stdout).not.toContain('reading')
  })
})
