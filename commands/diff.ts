import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../src/cli/base-command.js'
import {diffReports} from '../src/diff/compute-diff.js'
import type {Diff} from '../src/diff/diff-model.js'
import {renderDiffMarkdown} from '../src/diff/diff-markdown.js'
import {renderDiffTable} from '../src/diff/diff-table.js'
import {loadSide} from '../src/diff/load-side.js'
import {reportPolicyWarning} from '../src/diff/side-warnings.js'
import {InputError} from '../src/errors.js'
import {analysisNow} from '../src/geo/age.js'
import {discoveryOptions, geoipFlags} from '../src/geo/flags.js'
import {policyFlags, policyFlagValues} from '../src/policy/flags.js'
import {loadPolicy} from '../src/policy/load-policy.js'
import {jsonText, writeStdout} from '../src/report/json-text.js'

export default class DiffCommand extends BaseCommand {
  static override summary = 'Compare two analyses of a call: new and gone countries, endpoints, apps and findings.'

  static override description = `Each side is a capture (pcap, pcapng, .gz), analysed now with the policy, GeoIP and --vantage flags as analyze would, or a JSON report written by \`callaudit analyze --json\` (recognised by its content), used as it stands. A report and a capture can be mixed.

Endpoints are matched by address and by name: a new address with a name and country seen before has moved, it is not new. Findings are matched by rule and subject (endpoint, app or organisation), never by frame numbers. See docs/diff.md.

Exit codes: 0 no new finding at or above --fail-on; 1 the after side has new findings at or above --fail-on (default high; suppressed findings never count); 2 usage error or unreadable input; 3 an internal error (a bug).`

  static override examples = [
    {description: 'Two test calls of one app, before and after an update', command: '<%= config.bin %> <%= command.id %> call-v5.pcapng call-v6.pcapng --home DE'},
    {description: 'Last release\'s report against today\'s capture, failing CI on medium', command: '<%= config.bin %> <%= command.id %> baseline.json call.pcapng --fail-on medium'},
    {description: 'A pull-request comment', command: '<%= config.bin %> <%= command.id %> before.json after.json --format markdown > diff.md'},
  ]

  static override args = {
    before: Args.string({description: 'the earlier side: a capture file or a callaudit JSON report', required: true, ignoreStdin: true}),
    after: Args.string({description: 'the later side: a capture file or a callaudit JSON report', required: true, ignoreStdin: true}),
  }

  static override flags = {
    format: Flags.string({char: 'f', options: ['table', 'json', 'markdown'], description: 'Output format (default table; --json is the same as --format json).'}),
    ...policyFlags,
    vantage: Flags.string({helpValue: 'CC|LAT,LON', description: 'Where the captures were taken, when they do not show it (capture sides only).'}),
    endpoints: Flags.integer({description: 'Endpoint rows shown in the table (JSON and Markdown have all).', default: 20, min: 0}),
    'max-flows': Flags.integer({description: 'Most flows held in memory per capture side; beyond it the longest-idle quarter is evicted and counted. Default: 1000000, or one per 3 KiB of Node\'s heap limit when that is fewer (a machine with less than 16 GiB of memory; NODE_OPTIONS=--max-old-space-size raises it).', min: 16}),
    ...geoipFlags,
  }

  public async run(): Promise<Diff | void> {
    const {args, flags} = await this.parse(DiffCommand)
    if (this.jsonEnabled() && flags.format !== undefined && flags.format !== 'json') throw new InputError(`--json and --format ${flags.format} ask for different outputs: give one`)
    if (args.before === '-' && args.after === '-') throw new InputError('only one side can be read from standard input (-)')
    const format = this.jsonEnabled() ? 'json' : (flags.format ?? 'table')

    const policyValues = policyFlagValues(flags)
    // The policy as given (flags > policy file > defaults): fail-on for the exit code, and what a
    // report side is compared with. Read first so that a bad policy fails before any analysis.
    const policy = loadPolicy(policyValues, {})
    const captureOptions = {
      geo: discoveryOptions(flags, process.env),
      policy: policyValues,
      vantage: flags.vantage,
      now: process.env.CALLAUDIT_NOW ? analysisNow(process.env) : undefined,
      maxFlows: flags['max-flows'],
      toolVersion: this.config.version,
    }
    const before = await loadSide(args.before, captureOptions)
    const after = await loadSide(args.after, captureOptions)

    const warnings: string[] = []
    for (const side of [before, after]) {
      if (side.kind !== 'report') continue
      const warning = reportPolicyWarning(side.input, side.report, policy)
      if (warning) warnings.push(warning)
    }
    const diff = diffReports(before, after, {failOn: policy.failOn, toolVersion: this.config.version, warnings})
    for (const w of diff.warnings) this.complain(`warning: ${w}`)
    this.exitCode = diff.summary.exitCode

    if (format === 'json') await writeStdout(jsonText(diff))
    else if (format === 'markdown') await writeStdout(renderDiffMarkdown(diff))
    else await writeStdout(renderDiffTable(diff, {endpoints: flags.endpoints}))
  }
}
