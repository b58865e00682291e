import {expect} from 'vitest'
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {ROOT} from './paths.js'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the real CLI (bin/run.js, oclif's real parsing) as a user would, optionally with stdin. */
export function runCli(args: string[], options: {stdin?: Buffer; env?: Record<string, string>} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // A user's environment, not vitest's: NODE_ENV=test would make oclif look for TypeScript
    // sources, and colour variables of the test runner must not leak in.
    const env: Record<string, string | undefined> = {...process.env}
    for (const name of ['NODE_ENV', 'NO_COLOR', 'FORCE_COLOR', 'VITEST', 'VITEST_MODE', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'TEST']) delete env[name]
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
      cwd: ROOT,
      env: {...env, ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8')}))
    if (options.stdin) child.stdin.end(options.stdin)
    else child.stdin.end()
  })
}

/** A bad input's outcome: exit code 2, nothing on stdout, one line on stderr holding each fragment. */
export function expectOneLineInputError(run: CliResult, ...fragments: string[]): void {
  expect(run.code).toBe(2)
  expect(run.stdout).toBe('')
  const lines = run.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  for (const fragment of fragments) expect(lines[0]).toContain(fragment)
}
