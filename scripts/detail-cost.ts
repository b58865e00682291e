/**
 * Where the time of `flows --detail` goes, over one capture: what the 40% allowance of issue 4
 * is spent on. Usage (after `npm run build`, on the bench's capture for instance):
 *
 *   node --import tsx scripts/detail-cost.ts /tmp/benchcache/callaudit-bench-1024mib-<key>.pcap
 *
 * Each read is of the whole capture, in this process, best of `--runs` (default 3):
 *   1. the flow table alone (what `flows` does before writing);
 *   2. every analyzer probing every flow's first payload, none starting (the dispatch's cost);
 *   3. every analyzer as `--detail` runs them;
 *   4. only the analyzers that end up with facts on a flow started on it (an oracle taken from
 *      read 3): what giving up sooner on the flows an analyzer learns nothing from could save;
 * then the size of the protocol facts as JSON and the time to serialise them.
 */
import {parseArgs} from 'node:util'
import {collectFlows} from '../src/flows/collect-flows.js'
import {ALL_ANALYZERS} from '../src/protocols/index.js'
import type {EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../src/protocols/analyzer.js'

const {values, positionals} = parseArgs({allowPositionals: true, options: {runs: {type: 'string', default: '3'}}})
const path = positionals[0]
if (!path) {
  process.stderr.write('usage: node --import tsx scripts/detail-cost.ts CAPTURE [--runs N]\n')
  process.exit(2)
}
const runs = Math.max(1, Number(values.runs) || 3)

/** An analyzer that behaves as `inner` except where `probe` says otherwise. */
function withProbe(inner: ProtocolAnalyzer, probe: (flow: FlowInfo, packet: PayloadPacket) => boolean): ProtocolAnalyzer {
  return {...inner, name: inner.name, probe, start: (f: FlowInfo, e: EvidenceOf) => inner.start(f, e), feed: (s, p) => inner.feed(s, p), finish: (s) => inner.finish(s), describe: (f) => inner.describe(f)}
}

async function best(label: string, analyzers: ProtocolAnalyzer[] | undefined): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await collectFlows([path!], analyzers ? {analyzers} : {})
    fastest = Math.min(fastest, performance.now() - t)
  }
  process.stdout.write(`${label.padEnd(58)} ${(fastest / 1000).toFixed(2)} s\n`)
  return fastest
}

const base = await best('1. flow table alone', undefined)
await best('2. every analyzer probes every flow, none starts', ALL_ANALYZERS.map((a) => withProbe(a, (f, p) => (a.probe(f, p), false))))
const all = await best('3. analyzers as --detail runs them', ALL_ANALYZERS)

// The oracle: which analyzers end with facts on which flow; and the facts' JSON, measured before
// the collection is let go (held during the reads, it would slow them with garbage collection).
const useful = new Map<string, Set<number>>(ALL_ANALYZERS.map((a) => [a.name, new Set()]))
let bytes = 0
let stringify = Number.POSITIVE_INFINITY
{
  const collection = await collectFlows([path], {analyzers: ALL_ANALYZERS})
  for (const [id, facts] of collection.facts) for (const name of Object.keys(facts)) useful.get(name)?.add(id)
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    bytes = 0
    for (const facts of collection.facts.values()) bytes += Buffer.byteLength(JSON.stringify(facts))
    stringify = Math.min(stringify, performance.now() - t)
  }
}
await best('4. only where an analyzer ends with facts (oracle)', ALL_ANALYZERS.map((a) => withProbe(a, (f, p) => useful.get(a.name)!.has(f.id) && a.probe(f, p))))
process.stdout.write(`${'protocol facts as JSON'.padEnd(58)} ${(bytes / 1e6).toFixed(1)} MB, JSON.stringify ${(stringify / 1000).toFixed(2)} s\n`)
process.stdout.write(`analyzers' cost over the flow table: ${((all - base) / 1000).toFixed(2)} s (${(all / base).toFixed(1)}× the table alone)\n`)
