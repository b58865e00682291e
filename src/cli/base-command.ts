import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'
import chalk from 'chalk'
import {InputError} from '../errors.js'
import {jsonText} from '../report/json-text.js'
import {safeTerminal} from '../report/sanitize.js'

/**
 * What every callaudit command shares: `--json` (oclif's own flag), `--no-color` and
 * NO_COLOR, deterministic JSON output, and input errors turned into one line and exit code 2.
 * Commands stay thin: parse flags, call the library in src/, pick a renderer.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    color: Flags.boolean({
      description: 'Colour the table output (default: when stdout is a terminal and NO_COLOR is unset). Use --no-color to turn it off.',
      allowNo: true,
      helpGroup: 'GLOBAL',
    }),
  }

  /** Exit code to use after normal output (2 when some input could not be read). */
  protected exitCode = 0

  public override async init(): Promise<void> {
    await super.init()
    // Decided before the command's own parse so that every renderer sees the final chalk level.
    const flag = this.argv.includes('--no-color') ? false : this.argv.includes('--color') ? true : undefined
    const noColorEnv = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== ''
    const wanted = flag ?? (!noColorEnv && process.stdout.isTTY === true)
    if (!wanted) chalk.level = 0
    // Warnings and error lines on stderr are best effort: a stderr that cannot be written (a
    // full log disk, a closed pipe) crashed the run before its report, exit code 1 ("findings").
    process.stderr.on('error', () => {})
    // oclif's own listener rethrows every error but EPIPE: a report that cannot be written (a
    // full disk behind `> report.json`) became an uncaught exception with a stack. Ours instead.
    process.stdout.removeAllListeners('error')
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      // `callaudit ... | head` closes the pipe early: that is not an error worth a stack trace.
      if (error.code === 'EPIPE') process.exit(this.exitCode)
      // The report did not reach its reader: never an exit code that reads as a verdict.
      const reason = error.code === 'ENOSPC' ? 'no space left on the device' : error.code === 'EIO' ? 'input/output error' : (error.code ?? oneLine(error.message))
      process.stderr.write(`callaudit: cannot write to standard output: ${safeTerminal(reason)}\n`)
      process.exit(2)
    })
  }

  /** Deterministic JSON (see src/report/json-text.ts) instead of oclif's colourised dump. */
  public override logJson(json: unknown): void {
    // Commands that stream their JSON themselves return nothing.
    if (json === undefined) return
    process.stdout.write(jsonText(json))
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    // oclif's usage errors (a bad flag value, a missing argument) carry their exit code (2);
    // with --json oclif alone would print `{"error":{"oclif":{"exit":2}}}` and exit 1, which
    // means "findings". Both kinds become one message, the JSON error shape and exit code 2.
    const usageExit = error instanceof InputError ? undefined : (error as {oclif?: {exit?: number}}).oclif?.exit
    // A usage error (a mistyped flag, a missing argument, a value out of range) is the user's to
    // mend, not a bug: one line saying what, with or without --json, never "internal error".
    if (error instanceof InputError || (usageExit !== undefined && usageExit !== 0)) {
      const message = error instanceof InputError ? error.oneLine() : oneLine(error.message)
      const exitCode = error instanceof InputError ? 2 : usageExit!
      if (this.jsonEnabled()) this.writeJsonError(message, exitCode)
      // One line naming the file and the problem, never wrapped or decorated.
      process.stderr.write(`callaudit: ${safeTerminal(message)}\n`)
      process.exitCode = exitCode
      return undefined
    }
    // Anything else is a bug. With --json oclif writes only `{"error":{}}` (an Error has no
    // enumerable fields) and nothing on stderr: say what it was, in one line, on both. Without
    // it, the same line on stderr instead of oclif's indented message, and the stack with DEBUG.
    process.stderr.write(`callaudit: internal error: ${safeTerminal(oneLine(error.message))} (a bug in callaudit; DEBUG=1 shows where)\n`)
    if (process.env.DEBUG && error.stack) process.stderr.write(`${error.stack.split('\n').map((line) => safeTerminal(line)).join('\n')}\n`)
    if (!this.jsonEnabled()) (error as {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling = true
    // Its own exit code: oclif's default, 1, is what a CI job reads as "findings at or above
    // --fail-on", and a crash must not pass for a verdict. oclif exits with `oclif.exit`.
    // With --json oclif writes the error and returns (process.exitCode); without, it rethrows
    // and its handler exits with `oclif.exit`.
    if (usageExit === undefined) {
      process.exitCode = INTERNAL_ERROR_EXIT
      ;(error as {oclif?: {exit?: number}}).oclif = {...(error as {oclif?: object}).oclif, exit: INTERNAL_ERROR_EXIT}
    }
    return super.catch(error)
  }

  /** An unexpected error as the JSON output: its message (see catch) and the exit code. */
  protected override toErrorJson(error: unknown): unknown {
    const message = error instanceof Error ? error.message : String(error)
    return {error: {message: `internal error: ${oneLine(message)}`, exitCode: INTERNAL_ERROR_EXIT}}
  }

  /** An error as the command's JSON output (replay, whose output is NDJSON, writes one line). */
  protected writeJsonError(message: string, exitCode: number): void {
    process.stdout.write(jsonText({error: {message, exitCode}}))
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    const result = await super.finally(error)
    if (!error && this.exitCode !== 0) process.exitCode = this.exitCode
    return result
  }

  /** Print an input problem as one line on stderr without stopping. */
  protected complain(message: string): void {
    process.stderr.write(`callaudit: ${safeTerminal(message)}\n`)
  }
}

/** Exit code of an unexpected error (a bug): 0 within policy, 1 findings, 2 bad input, 3 this. */
export const INTERNAL_ERROR_EXIT = 3

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
