import type {EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from './analyzer.js'

interface Active {
  analyzer: ProtocolAnalyzer
  state: unknown
  /** Still wants packets. */
  live: boolean
}

interface FlowInspection {
  info: FlowInfo
  active: Active[]
  /** Number of analyzers still live. */
  live: number
}

/** Most packets offered per flow in all: a cap so that no analyzer bug can make one flow cost
 * the whole capture. RTP counting steps aside on its own before this in practice. */
const MAX_PACKETS_PER_FLOW = 1_000_000

/**
 * Runs the analyzers over flows during the read. One instance per run; flows are identified by
 * their flow id. Flows are probed on their first payload packet; a flow with no live analyzer
 * is marked done and never looked at again.
 */
export class ProtocolDispatcher {
  private readonly flows = new Map<number, FlowInspection>()
  private readonly done = new Set<number>()
  private readonly counts = new Map<number, number>()

  constructor(
    private readonly analyzers: ProtocolAnalyzer[],
    private readonly evidenceOf: EvidenceOf,
  ) {}

  /** True when the flow needs no more packets (lets the caller skip building a packet). */
  isDone(flowId: number): boolean {
    return this.done.has(flowId)
  }

  /** Offer one payload packet of a flow. `describe` builds the FlowInfo on first sight. */
  offer(flowId: number, describe: () => FlowInfo, packet: PayloadPacket): void {
    if (packet.data.length === 0 || this.done.has(flowId)) return
    let inspection = this.flows.get(flowId)
    if (!inspection) {
      const info = describe()
      const active: Active[] = []
      for (const analyzer of this.analyzers) {
        let wanted = false
        try {
          wanted = analyzer.probe(info, packet)
        } catch {
          wanted = false
        }
        if (wanted) active.push({analyzer, state: analyzer.start(info, this.evidenceOf), live: true})
      }
      inspection = {info, active, live: active.length}
      this.flows.set(flowId, inspection)
      if (active.length === 0) {
        this.done.add(flowId)
        return
      }
    }
    const count = (this.counts.get(flowId) ?? 0) + 1
    this.counts.set(flowId, count)
    for (const a of inspection.active) {
      if (!a.live) continue
      let more = false
      try {
        more = a.analyzer.feed(a.state, packet)
      } catch {
        // A bug in one analyzer must not stop the read: it simply stops looking at this flow.
        more = false
      }
      if (!more) {
        a.live = false
        inspection.live--
      }
    }
    if (inspection.live === 0 || count >= MAX_PACKETS_PER_FLOW) this.done.add(flowId)
  }

  /** Facts per flow id: `{dns: {...}, tls: {...}}`, only flows where something was learned. */
  finish(): Map<number, Record<string, unknown>> {
    const out = new Map<number, Record<string, unknown>>()
    for (const [flowId, inspection] of this.flows) {
      const facts: Record<string, unknown> = {}
      for (const a of inspection.active) {
        let result: unknown
        try {
          result = a.analyzer.finish(a.state)
        } catch {
          result = undefined
        }
        if (result !== undefined) facts[a.analyzer.name] = result
      }
      if (Object.keys(facts).length > 0) out.set(flowId, facts)
    }
    return out
  }

  /** Forget flows that were evicted from the flow table. */
  forget(flowIds: Iterable<number>): void {
    for (const id of flowIds) {
      this.flows.delete(id)
      this.done.delete(id)
      this.counts.delete(id)
    }
  }
}
