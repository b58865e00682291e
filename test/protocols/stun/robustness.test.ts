import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import type {ProtocolAnalyzer} from '../../../src/protocols/analyzer.js'
import {rtpAnalyzer} from '../../../src/protocols/rtp/analyzer.js'
import {stunAnalyzer} from '../../../src/protocols/stun/analyzer.js'
import {zoomAnalyzer} from '../../../src/protocols/zoom/analyzer.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'

/**
 * The dispatcher swallows analyzer exceptions (a last resort), so this test wraps the STUN, RTP
 * and Zoom analyzers to see any exception they raise over every corpus capture, malformed and
 * fuzzed ones included, and checks that their facts are JSON, deterministic and describable.
 */
function watched(analyzer: ProtocolAnalyzer<any, any>, errors: string[], where: () => string): ProtocolAnalyzer<any, any> {
  const guard = <T>(what: string, f: () => T): T => {
    try {
      return f()
    } catch (error) {
      errors.push(`${where()} ${analyzer.name}.${what}: ${(error as Error).stack ?? String(error)}`)
      throw error
    }
  }
  return {
    name: analyzer.name,
    probe: (flow, packet) => guard('probe', () => analyzer.probe(flow, packet)),
    start: (flow, evidenceOf) => guard('start', () => analyzer.start(flow, evidenceOf)),
    feed: (state, packet) => guard('feed', () => analyzer.feed(state, packet)),
    finish: (state) => guard('finish', () => analyzer.finish(state)),
    describe: (facts) => guard('describe', () => analyzer.describe(facts)),
  }
}

describe.skipIf(!HAVE_CORPUS)('STUN, RTP and Zoom analyzers over every corpus capture', () => {
  it('raise no exception and give JSON facts that describe', async () => {
    const errors: string[] = []
    let current = ''
    const analyzers = [stunAnalyzer, rtpAnalyzer, zoomAnalyzer].map((a) => watched(a, errors, () => current))
    const byName = new Map(analyzers.map((a) => [a.name, a]))
    let withFacts = 0
    for (const name of corpusFiles()) {
      current = name
      const collection = await collectFlows([corpusPath(name)], {analyzers})
      for (const facts of collection.facts.values()) {
        for (const [analyzer, f] of Object.entries(facts)) {
          if (!byName.has(analyzer)) continue
          withFacts++
          expect(JSON.parse(JSON.stringify(f))).toEqual(f)
          for (const line of byName.get(analyzer)!.describe(f)) expect(typeof line).toBe('string')
        }
      }
    }
    expect(errors).toEqual([])
    expect(withFacts).toBeGreaterThan(100)
  })

  it('same input, same facts', async () => {
    for (const name of ['teams.pcap', 'stun.pcap', 'wa_video.pcap', 'zoom.pcap']) {
      const run = async () => JSON.stringify([...(await collectFlows([corpusPath(name)], {analyzers: [stunAnalyzer, rtpAnalyzer, zoomAnalyzer]})).facts])
      expect(await run()).toBe(await run())
    }
  })
})
