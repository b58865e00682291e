import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import {groupedAgeWarnings} from '../src/analysis/analyze.js'
import {BaseCommand} from '../src/cli/base-command.js'
import {InputError} from '../src/errors.js'
import {analysisNow} from '../src/geo/age.js'
import {discoveryOptions, geoipFlags} from '../src/geo/flags.js'
import {policyFlags, policyFlagValues} from '../src/policy/flags.js'
import {FilterError, parseEventFilter} from '../src/replay/event-filter.js'
import {EVENT_KINDS} from '../src/replay/replay-event.js'
import {SEVERITIES} from '../src/policy/policy.js'
import {jsonLine} from '../src/replay/render-events.js'
import {followCapture, replayCaptures, type ReplayOutput} from '../src/replay/replay.js'
import {capturesArg} from '../src/cli/capture-args.js'
import {expandCapturePaths} from '../src/capture/expand-paths.js'

/** A non-negative decimal number of seconds or a speed factor. */
const decimal = Flags.custom<number>({
  parse: async (input) => {
    const value = Number(input)
    // Exit code 2, as for oclif's own flag types.
    if (input.trim() === '' || !Number.isFinite(value) || value < 0) throw new Errors.CLIError(`Expected a number of 0 or more but received: ${input}`, {exit: 2})
    return value
  },
})

const stdoutOutput: ReplayOutput = {
  write: (text) => (process.stdout.write(text) ? Promise.resolve() : new Promise((resolve) => process.stdout.once('drain', () => resolve()))),
}

export default class Replay extends BaseCommand {
  static override summary = 'The call as it happened: a time-ordered stream of its events, or a live audit of a capture still being written.'

  static override description = `Prints, in capture order, what happened during the call, each with its time from the start of the capture, its absolute time and its frame number: new flows (with their role, country and operator), DNS answers, TLS/QUIC SNI, certificates, STUN mapped addresses, TURN allocations, media streams starting and stopping (with the Zoom media type where known), RTCP SDES items, and each finding at the moment its evidence was complete. It ends with the analyze summary. The events are a view of the same analysis as analyze: its report is the one analyze gives.

With --follow the capture is read while it is being written (tcpdump -U -w call.pcap in another terminal; pcap or pcapng), events are printed as they appear, and Ctrl-C (or --until seconds without new data) ends the read and prints the summary of what was seen; a second Ctrl-C quits at once.

--json prints one JSON event per line (NDJSON) and, last, one line {"kind":"report","report":{...}} holding the analyze report. See docs/replay.md.

Exit codes: 0 analysed and within policy; 1 findings at or above --fail-on; 2 usage error or unreadable input; 3 an internal error (a bug).`

  static override examples = [
    {description: 'The bundled demo call, event by event', command: '<%= config.bin %> <%= command.id %> fixtures/demo-jakarta-call.pcapng'},
    {description: 'Replayed at ten times the speed of the call', command: '<%= config.bin %> <%= command.id %> fixtures/demo-jakarta-call.pcapng --speed 10'},
    {description: 'Only DNS answers, SNI and high or critical findings', command: '<%= config.bin %> <%= command.id %> call.pcapng --filter dns,sni,high,critical'},
    {description: 'A live audit during the test call (Ctrl-C for the summary)', command: 'tcpdump -i any -U -w call.pcap & <%= config.bin %> <%= command.id %> call.pcap --follow --home EU'},
    {description: 'Events as NDJSON, ending after 30 s without new packets', command: '<%= config.bin %> <%= command.id %> call.pcap --follow --until 30 --json > events.ndjson'},
  ]

  static override args = {
    captures: capturesArg,
  }

  static override strict = false

  static override flags = {
    speed: decimal({helpValue: 'N', default: 0, exclusive: ['follow'], description: 'Print the events at N times the speed of the call (0: as fast as possible).'}),
    filter: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'KIND|SEVERITY',
      description: `Only these events (repeatable, comma-separated): kinds ${EVENT_KINDS.join(', ')} (media: media-start and media-stop); a severity (${SEVERITIES.join(', ')}) selects findings of that severity.`,
    }),
    follow: Flags.boolean({description: 'Keep reading a capture that is still being written; Ctrl-C (or --until) ends and prints the summary.'}),
    until: decimal({helpValue: 'SECONDS', dependsOn: ['follow'], description: 'With --follow: end after this many seconds without new data in the file.'}),
    summary: Flags.boolean({default: true, allowNo: true, description: 'End with the analyze summary (--json: a last line with the report). --no-summary for events only.'}),
    detail: Flags.boolean({description: "--json: the report line keeps each flow's protocol facts (flows[].protocols), as analyze --detail --json."}),
    ...policyFlags,
    vantage: Flags.string({helpValue: 'CC|LAT,LON', description: 'Where the capture was taken, when the capture does not show it: an ISO country code or decimal "lat,lon".'}),
    endpoints: Flags.integer({description: 'Endpoints shown in the summary table (the JSON has all).', default: 15, min: 0}),
    'max-flows': Flags.integer({description: 'Most flows held in memory; beyond it the longest-idle quarter is evicted and counted. Default: 1000000, or one per 3 KiB of Node\'s heap limit when that is fewer (a machine with less than 16 GiB of memory; NODE_OPTIONS=--max-old-space-size raises it).', min: 16}),
    ...geoipFlags,
  }

  public async run(): Promise<void> {
    const {argv, flags} = await this.parse(Replay)
    // Patterns a shell did not expand (cmd.exe, PowerShell, a quoted argument) are expanded here.
    const paths = expandCapturePaths(argv as string[])
    let filter
    try {
      filter = parseEventFilter(flags.filter ?? [])
    } catch (error) {
      if (error instanceof FilterError) throw new InputError(error.message)
      throw error
    }
    if (flags.follow && paths.length !== 1) throw new InputError('--follow reads one capture file as it is being written: give exactly one')
    const fixedNow = process.env.CALLAUDIT_NOW ? analysisNow(process.env) : undefined
    const analyze = {
      geo: discoveryOptions(flags, process.env),
      policy: policyFlagValues(flags),
      vantage: flags.vantage,
      now: fixedNow,
      maxFlows: flags['max-flows'],
      toolVersion: this.config.version,
    }
    const print = {json: this.jsonEnabled(), filter, summary: flags.summary, endpoints: flags.endpoints, detail: flags.detail}

    let result
    if (flags.follow) {
      // First Ctrl-C: stop reading and print the summary of what was seen. Second: quit now.
      const stop = {requested: false}
      const onInterrupt = () => {
        if (stop.requested) process.exit(130)
        stop.requested = true
      }
      process.on('SIGINT', onInterrupt)
      try {
        result = await followCapture(paths[0]!, analyze, {...print, stop, untilSilentSeconds: flags.until}, stdoutOutput)
      } finally {
        process.off('SIGINT', onInterrupt)
      }
    } else {
      result = await replayCaptures({...analyze, paths}, {...print, speed: flags.speed}, stdoutOutput)
    }

    const {report, failures, databases} = result
    if (report.captures.length === 0) {
      for (const failure of failures.slice(1)) this.complain(failure)
      throw new InputError(failures[0] ?? 'no capture could be read')
    }
    for (const failure of failures) this.complain(failure)
    this.exitCode = failures.length ? 2 : report.summary.exitCode
    if (!fixedNow) {
      // Database age against today's date: said on stderr, never put in the (reproducible) output.
      for (const warning of groupedAgeWarnings(databases, analysisNow(process.env), undefined)) this.complain(`warning: ${warning}`)
    }
  }

  /** With --json the output is NDJSON: an input error is one more line, not a pretty document. */
  /** Replay's output is NDJSON: an error is one line of it. */
  protected override writeJsonError(message: string, exitCode: number): void {
    process.stdout.write(jsonLine({kind: 'error', error: {message, exitCode}}))
  }
}
