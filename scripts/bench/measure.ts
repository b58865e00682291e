/**
 * Runs a command with its standard output sent to /dev/null and measures wall time (our own
 * monotonic clock around spawn → exit), peak RSS and CPU time.
 *
 * Peak RSS and CPU come from GNU time (`/usr/bin/time -f '%M %U %S' -o FILE`: the kernel's
 * ru_maxrss of the waited-for command, exact even for short peaks). Without GNU time the bench
 * falls back to polling /proc/PID/status VmHWM every 10 ms (a lower bound: the last poll before
 * exit) and reports no CPU time.
 */
import {spawn, spawnSync} from 'node:child_process'
import {accessSync, closeSync, constants, existsSync, openSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

export const GNU_TIME = '/usr/bin/time'

export interface Sample {
  seconds: number
  /** Peak resident set, MiB. */
  rssMb: number
  /** User + system CPU seconds (undefined without GNU time). */
  cpuSeconds: number | undefined
  exitCode: number
  /** Last lines the command wrote to stderr (for the report when it failed). */
  stderrTail: string
}

export interface Runner {
  /** How peak RSS is measured, for the report. */
  method: string
  run(argv: string[], options?: {cwd?: string}): Promise<Sample>
}

/** Path of an executable found on PATH (or the path itself when absolute and executable). */
export function which(command: string): string | undefined {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => join(dir, command))
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

export function makeRunner(scratchDir: string): Runner {
  const gnuTime = existsSync(GNU_TIME) && isGnuTime()
  return gnuTime
    ? {method: `GNU time (${GNU_TIME} -f '%M %U %S'): ru_maxrss`, run: (argv, options) => runWithGnuTime(argv, scratchDir, options?.cwd)}
    : {method: 'polling /proc/PID/status VmHWM every 10 ms (lower bound)', run: (argv, options) => runPolling(argv, options?.cwd)}
}

function isGnuTime(): boolean {
  // BusyBox and BSD time have no -f/-o; GNU time prints "GNU Time" for --version.
  try {
    const r = spawnSync(GNU_TIME, ['--version'], {encoding: 'utf8'})
    return `${r.stdout}${r.stderr}`.includes('GNU')
  } catch {
    return false
  }
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join('\n')
}

async function runWithGnuTime(argv: string[], scratchDir: string, cwd: string | undefined): Promise<Sample> {
  const out = join(scratchDir, `time-${process.pid}-${Date.now()}.txt`)
  const devNull = openSync('/dev/null', 'w')
  try {
    const {seconds, exitCode, stderr} = await spawnTimed(GNU_TIME, ['-f', '%M %U %S', '-o', out, '--', ...argv], devNull, cwd)
    const fields = readFileSync(out, 'utf8').trim().split('\n').pop()!.trim().split(/\s+/)
    const [maxRssKb, user, sys] = fields.map(Number)
    return {seconds, rssMb: (maxRssKb ?? Number.NaN) / 1024, cpuSeconds: (user ?? Number.NaN) + (sys ?? Number.NaN), exitCode, stderrTail: tail(stderr)}
  } finally {
    closeSync(devNull)
    rmSync(out, {force: true})
  }
}

async function runPolling(argv: string[], cwd: string | undefined): Promise<Sample> {
  const devNull = openSync('/dev/null', 'w')
  let hwmKb = 0
  try {
    const {seconds, exitCode, stderr} = await spawnTimed(argv[0]!, argv.slice(1), devNull, cwd, (pid) => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
        if (match) hwmKb = Math.max(hwmKb, Number(match[1]))
      } catch {
        // process already gone
      }
    })
    return {seconds, rssMb: hwmKb / 1024, cpuSeconds: undefined, exitCode, stderrTail: tail(stderr)}
  } finally {
    closeSync(devNull)
  }
}

/**
 * The environment of every measured run: ours without NODE_EXTRA_CA_CERTS. When it is set (as
 * on sandboxes and corporate machines that route through an inspecting proxy), every Node
 * process reads and parses that CA bundle before running a line of its program: ~0.13 s per run
 * on the bench host, a third of callaudit's whole fixed cost, spent on certificates a tool that
 * never opens a connection does not use. It is a cost of that machine, not of callaudit (tshark
 * and ndpiReader do not read it); the bench prints that it was left out.
 */
export const MEASURED_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'))
export const EXTRA_CA_CERTS_UNSET = process.env.NODE_EXTRA_CA_CERTS !== undefined

function spawnTimed(
  command: string,
  args: string[],
  stdoutFd: number,
  cwd: string | undefined,
  poll?: (pid: number) => void,
): Promise<{seconds: number; exitCode: number; stderr: string}> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(command, args, {cwd, stdio: ['ignore', stdoutFd, 'pipe'], env: MEASURED_ENV})
    let stderr = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192)
    })
    const timer = poll && child.pid !== undefined ? setInterval(() => poll(child.pid!), 10) : undefined
    child.on('error', (error) => {
      if (timer) clearInterval(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (timer) clearInterval(timer)
      resolve({seconds, exitCode: code ?? (signal ? 128 : 1), stderr})
    })
  })
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
