import {Config} from '@oclif/core/config'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {BaseCommand} from '../../src/cli/base-command.js'
import {ROOT} from '../helpers/paths.js'

/** A command with a bug: the only way to provoke an unexpected error on purpose. */
class Broken extends BaseCommand {
  static override description = 'throws'
  async run(): Promise<void> {
    throw new TypeError('cannot read properties of undefined\n    (reading \u001b[31m"x")')
  }
}

/** Run Broken with argv, catching what it writes. */
async function runBroken(argv: string[]): Promise<{stdout: string; stderr: string; exitCode: number | undefined}> {
  const config = await Config.load(ROOT)
  const stdout: string[] = []
  const stderr: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true))
  const before = process.exitCode
  let exitCode: number | undefined
  try {
    await Broken.run(argv, config).catch(() => undefined)
  } finally {
    vi.restoreAllMocks()
    exitCode = typeof process.exitCode === 'number' ? process.exitCode : undefined
    process.exitCode = before
  }
  return {stdout: stdout.join(''), stderr: stderr.join(''), exitCode}
}

afterEach(() => vi.restoreAllMocks())

describe('an unexpected error (a bug)', () => {
  it('with --json: its message in the JSON error and on stderr, one line, escapes neutralised', async () => {
    const {stdout, stderr, exitCode} = await runBroken(['--json'])
    const json = JSON.parse(stdout) as {error: {message: string; exitCode: number}}
    expect(json.error.message).toBe('internal error: cannot read properties of undefined (reading \u001b[31m"x")')
    expect(json.error.exitCode).toBe(exitCode)
    expect(stderr).toMatch(/^callaudit: internal error: cannot read properties of undefined \(reading .*"x"\) \(a bug in callaudit; DEBUG=1 shows where\)\n$/)
    expect(stderr).not.toContain('\u001b')
    expect(stdout).not.toContain('\u001b')
    // Not 1 ("findings" to a CI job) nor 2 (bad input): a crash has its own code.
    expect(exitCode).toBe(3)
  })

  it('without --json: exit code 3 too, through oclif\'s handler', async () => {
    const error = new TypeError('boom')
    const config = await Config.load(ROOT)
    const command = new Broken([], config)
    const stderr: string[] = []
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true))
    const before = process.exitCode
    try {
      await expect((command as unknown as {catch(e: Error): Promise<unknown>}).catch(error)).rejects.toBe(error)
      expect((error as {oclif?: {exit?: number}}).oclif?.exit).toBe(3)
      // One line of ours, and oclif told not to print its own.
      expect(stderr.join('')).toBe('callaudit: internal error: boom (a bug in callaudit; DEBUG=1 shows where)\n')
      expect((error as {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling).toBe(true)
    } finally {
      vi.restoreAllMocks()
      process.exitCode = before
    }
  })
})
