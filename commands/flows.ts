import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../src/cli/base-command.js'
import {collectFlows} from '../src/flows/collect-flows.js'
import {buildFlowsReport, type FlowsReport, flowsReportHead, flowsReportJsonBytes} from '../src/flows/flows-report.js'
import {flowsCsvPieces} from '../src/report/flows-csv.js'
import {ChunkPool} from '../src/report/json-bytes.js'
import {writePiecesToStdout, writeStdout} from '../src/report/json-text.js'
import {capturesArg} from '../src/cli/capture-args.js'
import {InputError} from '../src/errors.js'
import {canonicalProtoName, PROTO_NAME_LIST} from '../src/flows/flow-records.js'
import {expandCapturePaths} from '../src/capture/expand-paths.js'

export default class Flows extends BaseCommand {
  static override summary = 'List the flows (bidirectional 5-tuples) of one or more captures.'

  static override description = `Reads pcap and pcapng files (also gzip-compressed, or - for standard input), decodes every link type, IP version and tunnel (GTP-U, GRE, VXLAN, Geneve, IP-in-IP, 6in4, Teredo), and lists one line per flow with its client, server, packets and bytes per direction (original frame lengths, as tshark's conversation tables count them), first frame number and TCP handshake RTT, and the process behind the flow when the capture names it (macOS \`tcpdump -k\` / PKTAP). Several files are read as one call: their flows are merged.

The --json output is a documented contract (docs/flows-json.md) that later reports reuse.`

  static override examples = [
    {description: 'The 20 largest flows of the demo call', command: '<%= config.bin %> <%= command.id %> fixtures/demo-call.pcapng'},
    {description: 'Every UDP flow, as CSV', command: '<%= config.bin %> <%= command.id %> call.pcapng --proto udp --limit 0 --csv > flows.csv'},
    {description: 'Live from tcpdump', command: 'tcpdump -i any -w - | <%= config.bin %> <%= command.id %> -'},
    {description: 'What each flow reveals: names, SNI, certificates, STUN addresses, RTP streams', command: '<%= config.bin %> <%= command.id %> call.pcapng --detail'},
    {description: 'Machine-readable, for scripts', command: '<%= config.bin %> <%= command.id %> part1.pcap part2.pcap.gz --json'},
  ]

  static override args = {
    // ignoreStdin: a capture piped in is binary data to read with `-`, never an argument.
    captures: capturesArg,
  }

  static override strict = false

  static override flags = {
    csv: Flags.boolean({description: 'Print the flows as CSV instead of a table.', exclusive: ['json']}),
    limit: Flags.integer({description: 'Show at most this many flows (0 = all). Default: 20 in the table, all with --json/--csv.', min: 0}),
    proto: Flags.string({description: 'Only these protocols, comma-separated (tcp, udp, icmp, icmpv6, sctp, gre, esp, ...).'}),
    sort: Flags.string({description: 'Order of the listing (default: bytes in the table, flow id with --json and --csv).', options: ['bytes', 'packets', 'time', 'id']}),
    detail: Flags.boolean({description: 'Also read the protocols in each flow (DNS, TLS/QUIC SNI, certificates, STUN, RTP, HTTP...) and show what an eavesdropper could read, with frame numbers.'}),
    'max-flows': Flags.integer({description: 'Most flows held in memory; beyond it the longest-idle quarter is evicted and counted.', default: 1_000_000, min: 16}),
  }

  public async run(): Promise<FlowsReport | void> {
    const {argv, flags} = await this.parse(Flows)
    // Patterns a shell did not expand (cmd.exe, PowerShell, a quoted argument) are expanded here.
    const paths = expandCapturePaths(argv as string[])
    const json = this.jsonEnabled()
    // Checked before the (possibly long) read.
    const protos = protocolsFlag(flags.proto)
    // The protocol analyzers are loaded only when asked for: plain listings start faster.
    const protocols = flags.detail ? await import('../src/protocols/index.js') : undefined
    const analyzers = protocols?.ALL_ANALYZERS
    const collection = await collectFlows(paths, {maxFlows: flags['max-flows'], analyzers})
    if (collection.captures.length === 0) {
      // Nothing could be read at all: the first problem is the error, the others go to stderr.
      for (const failure of collection.failures.slice(1)) this.complain(failure.oneLine())
      throw collection.failures[0]!
    }
    for (const failure of collection.failures) this.complain(failure.oneLine())
    if (collection.failures.length > 0) this.exitCode = 2
    const selection = {
      protos,
      sort: (flags.sort ?? (json || flags.csv ? 'id' : 'bytes')) as 'bytes' | 'packets' | 'time' | 'id',
      limit: flags.limit ?? (json || flags.csv ? 0 : 20),
    }
    if (json) {
      // Streamed: a capture with a hundred thousand flows never sits in memory as one string;
      // each chunk's buffer is filled again once written (ChunkPool).
      const pool = new ChunkPool()
      await writePiecesToStdout(flowsReportJsonBytes(collection, selection, pool), pool)
      return
    }
    if (flags.csv) {
      // Streamed as the JSON is: the rows of a large capture never sit in memory at once.
      await writePiecesToStdout(flowsCsvPieces(collection, selection))
      for (const warning of flowsReportHead(collection, 0).summary.warnings) this.complain(`warning: ${warning}`)
      return
    }
    const report = buildFlowsReport(collection, selection)
    // The table renderer (and the table package under it) is loaded only for the table.
    const {renderFlowsTable} = await import('../src/report/flows-table.js')
    await writeStdout(renderFlowsTable(report, protocols ? {detail: protocols.analyzerByName} : {}))
    for (const warning of report.summary.warnings) this.complain(`warning: ${warning}`)
  }
}

/** --proto's names, checked: a typo ("tpc") listed no flow and said nothing. */
function protocolsFlag(value: string | undefined): string[] | undefined {
  const names = value?.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean)
  return names?.map((name) => {
    const canonical = canonicalProtoName(name)
    if (canonical === undefined) throw new InputError(`--proto: "${name}" is not a protocol name (${PROTO_NAME_LIST})`)
    return canonical
  })
}
