import {Args, Flags} from '@oclif/core'
import {analyzeCaptures, groupedAgeWarnings} from '../src/analysis/analyze.js'
import {BaseCommand} from '../src/cli/base-command.js'
import {analysisNow} from '../src/geo/age.js'
import {discoveryOptions, geoipFlags} from '../src/geo/flags.js'
import {policyFlags, policyFlagValues} from '../src/policy/flags.js'
import {renderAnalyzeTable} from '../src/report/analyze-table.js'
import {writeStdout} from '../src/report/json-text.js'
import type {Report} from '../src/report/report-model.js'

export default class Analyze extends BaseCommand {
  static override summary = 'Audit a test call: where its traffic went, what leaked in clear, and whether it passes policy.'

  static override description = `Reads the captures once: flows, protocol metadata (DNS, TLS/QUIC/DTLS, STUN/TURN, RTP/RTCP, Zoom media, HTTP, LAN names), the apps in the call and the role of each flow, the caller's vantage; geolocates every remote address with the GeoIP databases in effect; judges each against the policy; and reports findings with evidence (frame numbers to open in Wireshark).

Exit codes: 0 analysed and within policy; 1 findings at or above --fail-on (default high); 2 usage error or unreadable input.

With no --home and no policy file, home is the vantage's country (geolocated from the public address STUN reveals) and the report says so; when that is unknown, countries are reported without judging.`

  static override examples = [
    {description: 'The bundled demo: a Zoom call from Jakarta relayed abroad', command: '<%= config.bin %> <%= command.id %> fixtures/demo-jakarta-call.pcapng'},
    {description: 'Judge against the EU as home, never China or Russia, failing CI on medium', command: '<%= config.bin %> <%= command.id %> call.pcapng --home EU --deny CN,RU --fail-on medium'},
    {description: 'With your own MaxMind databases and a policy file, as JSON', command: '<%= config.bin %> <%= command.id %> call.pcapng --geoip-dir /usr/share/GeoIP --policy callaudit.yml --json > report.json'},
    {description: 'The vantage stated, when the capture shows no public address', command: '<%= config.bin %> <%= command.id %> call.pcapng --vantage ID'},
  ]

  static override args = {
    captures: Args.string({description: 'capture files of the call (pcap, pcapng, .gz), or - for standard input', required: true, ignoreStdin: true}),
  }

  static override strict = false

  static override flags = {
    ...policyFlags,
    vantage: Flags.string({helpValue: 'CC|LAT,LON', description: 'Where the capture was taken, when the capture does not show it: an ISO country code or decimal "lat,lon".'}),
    endpoints: Flags.integer({description: 'Endpoints shown in the table (the JSON has all).', default: 15, min: 0}),
    'max-flows': Flags.integer({description: 'Most flows held in memory; beyond it the longest-idle quarter is evicted and counted.', default: 1_000_000, min: 16}),
    ...geoipFlags,
  }

  public async run(): Promise<Report | void> {
    const {argv, flags} = await this.parse(Analyze)
    const fixedNow = process.env.CALLAUDIT_NOW ? analysisNow(process.env) : undefined
    const geo = discoveryOptions(flags, process.env)
    const {report, failures, databases} = await analyzeCaptures({
      paths: argv as string[],
      geo,
      policy: policyFlagValues(flags),
      vantage: flags.vantage,
      now: fixedNow,
      maxFlows: flags['max-flows'],
      toolVersion: this.config.version,
    })
    if (report.captures.length === 0) {
      for (const failure of failures.slice(1)) this.complain(failure)
      const {InputError} = await import('../src/errors.js')
      throw new InputError(failures[0] ?? 'no capture could be read')
    }
    for (const failure of failures) this.complain(failure)
    this.exitCode = failures.length ? 2 : report.summary.exitCode
    if (!fixedNow) {
      // Database age against today's date: said on stderr, never put in the (reproducible) report.
      for (const warning of groupedAgeWarnings(databases, analysisNow(process.env), undefined)) this.complain(`warning: ${warning}`)
    }
    if (this.jsonEnabled()) return report
    await writeStdout(renderAnalyzeTable(report, {endpoints: flags.endpoints}))
  }
}
