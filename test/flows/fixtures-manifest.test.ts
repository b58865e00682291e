import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/errors.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {buildFlowsReport} from '../../src/flows/flows-report.js'
import {flowRecordAt, flowRecordJson, protoName} from '../../src/flows/flow-records.js'
import {safeJsonStringify} from '../../src/report/json-text.js'
import {loadManifest, type ManifestEntry} from '../helpers/manifest.js'
import {corpusFiles, corpusPath, FIXTURES, HAVE_CORPUS} from '../helpers/paths.js'

const TUNNEL_TYPES: Record<string, string> = {gtpu: 'gtp-u', 'gtp-u': 'gtp-u', gre: 'gre', vxlan: 'vxlan', ipip: 'ipip', '6in4': '6in4', teredo: 'teredo', geneve: 'geneve'}

/** A truncated last record is analysed with the bytes it has (documented in README): the
 * generator counts only whole records, so such files have one frame more here. */
function salvagesPartialRecord(entry: ManifestEntry): boolean {
  return entry.file === 'bad-truncated-last.pcap' || entry.file === 'bad-truncated.pcap.gz'
}

describe('every generated fixture reads as its manifest says', () => {
  for (const entry of loadManifest()) {
    it(entry.file, async () => {
      const collection = await collectFlows([join(FIXTURES, entry.file)])
      if (entry.expectError) {
        expect(collection.captures).toHaveLength(0)
        expect(collection.failures).toHaveLength(1)
        expect(collection.failures[0]).toBeInstanceOf(InputError)
        expect(collection.failures[0]!.oneLine()).toContain(entry.expectError)
        return
      }
      expect(collection.failures).toEqual([])
      const report = buildFlowsReport(collection)
      const capture = report.captures[0]!
      expect(capture.format).toBe(entry.format)
      expect(capture.gzip).toBe(entry.gzip)
      expect(capture.byteOrder).toBe(entry.byteOrder)
      expect(capture.linkTypes).toEqual(entry.linkTypes)
      const extra = salvagesPartialRecord(entry) ? 1 : 0
      expect(capture.packets).toBe(entry.packets + extra)
      if (!extra) {
        expect(capture.bytes).toBe(entry.bytes)
        if (entry.firstTime) expect(capture.firstTime).toBe(entry.firstTime)
        if (entry.lastTime) expect(capture.lastTime).toBe(entry.lastTime)
      }
      if (entry.damageOffset !== undefined) {
        expect(capture.stoppedAt?.offset).toBe(entry.damageOffset)
      } else {
        expect(capture.stoppedAt).toBeNull()
      }
      for (const needle of entry.expectedWarnings ?? []) {
        expect(report.summary.warnings.join('\n')).toContain(needle)
      }
      for (const nrb of entry.nrb ?? []) expect(capture.names[nrb.ip]).toEqual(nrb.names)

      // Flows: the same set, each with the same orientation and counters.
      const ours = report.flows.filter((f) => !extra || f.firstFrame <= entry.packets)
      const expected = entry.flows.map((f) => ({
        proto: protoName(f.proto),
        client: f.client,
        server: f.server,
        packets: f.packets,
        bytes: f.bytes,
        firstFrame: f.firstFrame,
        tunnel: f.tunnel?.layer === 'inner' ? TUNNEL_TYPES[f.tunnel.kind] ?? f.tunnel.kind : undefined,
      }))
      const actual = ours.map((f) => ({
        proto: f.proto,
        client: f.client,
        server: f.server,
        packets: f.packets,
        bytes: f.bytes,
        firstFrame: f.firstFrame,
        tunnel: f.tunnel?.type,
      }))
      const order = (x: {firstFrame: number; proto: string; client: {port: number}}, y: typeof x) =>
        x.firstFrame - y.firstFrame || x.proto.localeCompare(y.proto) || x.client.port - y.client.port
      if (extra) {
        // Only counts of flows that the partial record does not touch are comparable.
        expect(actual.map((f) => [f.proto, f.client, f.server]).sort()).toEqual(expected.map((f) => [f.proto, f.client, f.server]).sort())
      } else {
        expect(actual.sort(order)).toEqual(expected.sort(order))
      }
    })
  }
})

describe('streamed flows JSON', () => {
  it('is the same text as the whole report serialised at once, for every selection', async () => {
    const {jsonText} = await import('../../src/report/json-text.js')
    const {flowsReportJson} = await import('../../src/flows/flows-report.js')
    const {ALL_ANALYZERS} = await import('../../src/protocols/index.js')
    const cases: Array<[string, boolean]> = [
      ['demo-call.pcapng', false], ['demo-jakarta-call.pcapng', true], ['tunnels.pcap', false], ['ipv4-options-frags.pcap', false],
      ['tcp-handshake-reuse.pcap', false], ['bad-empty.pcap', false], ['bad-unknown-linktype.pcap', false],
    ]
    for (const [file, withFacts] of cases) {
      const collection = await collectFlows([join(FIXTURES, file)], withFacts ? {analyzers: ALL_ANALYZERS} : {})
      for (const selection of [{}, {protos: ['udp']}, {limit: 2, sort: 'bytes' as const}, {protos: ['sctp']}]) {
        expect([...flowsReportJson(collection, selection)].join(''), `${file} ${JSON.stringify(selection)}`).toBe(jsonText(buildFlowsReport(collection, selection)))
      }
    }
  })
})

describe('flow records written straight from the table', () => {
  // flowRecordJson writes the record text by hand for speed; it must be safeJsonStringify's text
  // of the record object, byte for byte, on every real capture (IPv6, tunnels, fragments, TCP
  // states, every time precision, the protocol facts).
  it.skipIf(!HAVE_CORPUS)('are safeJsonStringify of the record, for every flow of every corpus capture', async () => {
    const {ALL_ANALYZERS} = await import('../../src/protocols/index.js')
    let flows = 0
    for (const [index, name] of corpusFiles().entries()) {
      // Facts on every other capture: both paths of the writer.
      const collection = await collectFlows([corpusPath(name)], index % 2 ? {analyzers: ALL_ANALYZERS} : {})
      for (let slot = 0; slot < collection.table.count; slot++) {
        const expected = safeJsonStringify(flowRecordAt(collection, slot))
        const actual = flowRecordJson(collection, slot)
        if (actual !== expected) expect(actual, `${name} slot ${slot}`).toBe(expected)
        flows++
      }
    }
    expect(flows).toBeGreaterThan(5_000)
  }, 600_000)
})
