import {spawnSync} from 'node:child_process'
import {closeSync, existsSync, openSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/paths.js'

const DEMO = 'fixtures/demo-jakarta-call.pcapng'

/** The real CLI with its standard error on `/dev/full` (warnings cannot be written). */
function runWithFullStderr(args: string[]): {status: number | null; stdout: string} {
  const full = openSync('/dev/full', 'w')
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {cwd: ROOT, stdio: ['ignore', 'pipe', full], encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
    return {status: r.status, stdout: r.stdout}
  } finally {
    closeSync(full)
  }
}

/** The real CLI with its standard output on `/dev/full` (every write fails: no space left), as
 * `callaudit ... > report.json` on a full disk. */
function runToFullDisk(args: string[]): {status: number | null; stderr: string} {
  const full = openSync('/dev/full', 'w')
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
    return {status: r.status, stderr: r.stderr}
  } finally {
    closeSync(full)
  }
}

describe.skipIf(!existsSync('/dev/full'))('a report that cannot be written to standard output', () => {
  it.each([
    ['analyze (table)', ['analyze', DEMO]],
    ['analyze --json', ['analyze', DEMO, '--json']],
    ['flows', ['flows', DEMO]],
  ])('%s: one line saying so and exit code 2, not a stack trace or a verdict', (_, args) => {
    const {status, stderr} = runToFullDisk(args)
    expect(status).toBe(2)
    const lines = stderr.trim().split('\n').filter((l) => !l.includes('warning:'))
    expect(lines).toEqual(['callaudit: cannot write to standard output: no space left on the device'])
  })
})

describe.skipIf(!existsSync('/dev/full'))('a standard error that cannot be written', () => {
  it('does not stop the report or change the exit code: warnings are best effort', () => {
    const report = runWithFullStderr(['analyze', DEMO, '--json'])
    expect(report.status).toBe(1)
    expect(JSON.parse(report.stdout).summary.exitCode).toBe(1)
    expect(runWithFullStderr(['analyze', 'fixtures/no-such-file.pcap']).status).toBe(2)
  })
})
