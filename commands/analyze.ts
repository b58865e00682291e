import * as Flags from '@oclif/core/flags'
import {analyzeCaptures, groupedAgeWarnings} from '../src/analysis/analyze.js'
import {BaseCommand} from '../src/cli/base-command.js'
import {InputError} from '../src/errors.js'
import {analysisNow} from '../src/geo/age.js'
import {discoveryOptions, geoipFlags} from '../src/geo/flags.js'
import {policyFlags, policyFlagValues} from '../src/policy/flags.js'
import {checkOutputPath, chooseFormat, CSV_TABLES, type CsvTable, FORMAT_NAMES, FORMATS, renderedPieces, writeFileAtomic} from '../src/report/formats.js'
import {ChunkPool} from '../src/report/json-bytes.js'
import {writePiecesToStdout} from '../src/report/json-text.js'
import {ProgressBar, wantsProgress} from '../src/report/progress.js'
import {capturesArg} from '../src/cli/capture-args.js'
import {expandCapturePaths} from '../src/capture/expand-paths.js'

export default class Analyze extends BaseCommand {
  /** The British spelling (the project writes British English): `callaudit analyse` ran into
   * oclif's "command analyse:call.pcapng not found". */
  static override aliases = ['analyse']

  static override summary = 'Audit a test call: where its traffic went, what leaked in clear, and whether it passes policy.'

  static override description = `Reads the captures once: flows, protocol metadata (DNS, TLS/QUIC/DTLS, STUN/TURN, RTP/RTCP, Zoom media, HTTP, LAN names), the apps in the call and the role of each flow, the caller's vantage; geolocates every remote address with the GeoIP databases in effect; judges each against the policy; and reports findings with evidence (frame numbers to open in Wireshark).

Exit codes: 0 analysed and within policy; 1 findings at or above --fail-on (default high); 2 usage error or unreadable input; 3 an internal error (a bug). The exit code is the same whatever the output format. A capture that holds no call at all (made before the call, on the wrong interface, or of a call inside a VPN) is not a pass: it gets finding CA-CALL-001 (high).

Formats (--format, or inferred from the --output file name): table (.txt), json (.json; the same as --json), markdown (.md .markdown), html (.html .htm), sarif (.sarif .sarif.json), csv (.csv; --csv-table flows or endpoints), ndjson (.ndjson .jsonl). A file written with --output never has colour, and appears only once complete.

With no --home and no policy file, home is the vantage's country (geolocated from the public address STUN reveals, else from the capturing host's own public address, as on IPv6 without NAT) and the report says so; when that is unknown, countries are reported without judging.`

  static override examples = [
    {description: 'The bundled demo: a Zoom call from Jakarta relayed abroad', command: '<%= config.bin %> <%= command.id %> fixtures/demo-jakarta-call.pcapng'},
    {description: 'Judge against the EU as home, never China or Russia, failing CI on medium', command: '<%= config.bin %> <%= command.id %> call.pcapng --home EU --deny CN,RU --fail-on medium'},
    {description: 'With your own MaxMind databases and a policy file, as JSON', command: '<%= config.bin %> <%= command.id %> call.pcapng --geoip-dir /usr/share/GeoIP --policy callaudit.yml --json > report.json'},
    {description: 'The vantage stated, when the capture shows no public address', command: '<%= config.bin %> <%= command.id %> call.pcapng --vantage ID'},
    {description: 'A self-contained HTML report and SARIF for code scanning (format from the file name)', command: '<%= config.bin %> <%= command.id %> call.pcapng -o report.html && <%= config.bin %> <%= command.id %> call.pcapng -o callaudit.sarif'},
    {description: 'The endpoints as CSV', command: '<%= config.bin %> <%= command.id %> call.pcapng --format csv --csv-table endpoints > endpoints.csv'},
  ]

  static override args = {
    captures: capturesArg,
  }

  static override strict = false

  static override flags = {
    ...policyFlags,
    vantage: Flags.string({helpValue: 'CC|LAT,LON', description: 'Where the capture was taken, when the capture does not show it: an ISO country code or decimal "lat,lon". A country also sets the inferred home; a lat,lon point names no country, so give --home with it.'}),
    format: Flags.string({
      char: 'f',
      options: [...FORMAT_NAMES],
      description: 'Output format. Default: table, or what the --output file name says (.json .md .html .sarif .csv .ndjson .txt ...). --json is --format json.',
    }),
    output: Flags.string({
      char: 'o',
      helpValue: 'FILE',
      description: 'Write the report to FILE instead of standard output (a file appears complete or not at all; a pipe or device such as /dev/stdout is written into; never coloured). The format follows the file name unless --format is given.',
    }),
    'csv-table': Flags.string({options: [...CSV_TABLES], description: 'Which table --format csv holds: one row per flow, or per remote endpoint. Default: flows.'}),
    detail: Flags.boolean({description: "JSON: keep each flow's protocol facts (every DNS message, TLS hello, certificate, STUN transaction...) in flows[].protocols. Without it the findings, endpoints and apps cite what matters and the file stays small."}),
    endpoints: Flags.integer({description: 'Endpoints shown in the table (the JSON has all).', default: 15, min: 0}),
    'max-flows': Flags.integer({description: 'Most flows held in memory; beyond it the longest-idle quarter is evicted and counted. Default: 1000000, or one per 3 KiB of Node\'s heap limit when that is fewer (a machine with less than 16 GiB of memory; NODE_OPTIONS=--max-old-space-size raises it).', min: 16}),
    ...geoipFlags,
  }

  public async run(): Promise<void> {
    const {argv, flags} = await this.parse(Analyze)
    // Patterns a shell did not expand (cmd.exe, PowerShell, a quoted argument) are expanded here.
    const paths = expandCapturePaths(argv as string[])
    const json = this.jsonEnabled()
    // Output decisions before the read: a bad --format/--output combination or an unwritable
    // --output fails at once, not after a long analysis.
    const output = flags.output === '-' ? undefined : flags.output
    const format = chooseFormat({format: flags.format, json, output})
    if (flags['csv-table'] && format !== 'csv') throw new InputError(`--csv-table applies to the csv format, not ${format}`)
    if (output) checkOutputPath(output, paths)

    const fixedNow = process.env.CALLAUDIT_NOW ? analysisNow(process.env) : undefined
    const geo = discoveryOptions(flags, process.env)
    const progress = wantsProgress({stderrIsTTY: process.stderr.isTTY, json, machineOnStdout: !output && FORMATS[format].machine})
      ? new ProgressBar(process.stderr, {files: paths.length})
      : undefined
    let analysis
    try {
      analysis = await analyzeCaptures({
        paths,
        geo,
        policy: policyFlagValues(flags),
        vantage: flags.vantage,
        now: fixedNow,
        maxFlows: flags['max-flows'],
        toolVersion: this.config.version,
        ...(progress ? {onProgress: (path: string, read: number, total: number | undefined) => progress.update(path, read, total)} : {}),
      })
    } finally {
      progress?.done()
    }
    const {report, failures, databases} = analysis
    if (report.captures.length === 0) {
      for (const failure of failures.slice(1)) this.complain(failure)
      throw new InputError(failures[0] ?? 'no capture could be read')
    }
    for (const failure of failures) this.complain(failure)
    this.exitCode = report.summary.exitCode
    if (!fixedNow) {
      // Database age against today's date: said on stderr, never put in the (reproducible) report.
      for (const warning of groupedAgeWarnings(databases, analysisNow(process.env), undefined)) this.complain(`warning: ${warning}`)
    }
    // JSON (--json or --format json) is written here, streamed, rather than returned for oclif
    // to print: a long capture's report is hundreds of megabytes. Both writers below are done
    // with a chunk before they take the next, and hand its buffer back (ChunkPool).
    const pool = new ChunkPool()
    const text = await FORMATS[format].render(report, {
      // Colour only on the terminal, as decided in BaseCommand.init; a file never gets it.
      color: !output,
      endpoints: flags.endpoints,
      csvTable: (flags['csv-table'] ?? 'flows') as CsvTable,
      exitCode: this.exitCode,
      detail: flags.detail,
      pool,
    })
    if (output) writeFileAtomic(output, text, pool)
    else await writePiecesToStdout(renderedPieces(text), pool)
  }
}
