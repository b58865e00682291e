import {DEFAULT_PACKET_BUDGET, type EvidenceOf, type FlowInfo, type PayloadPacket, type ProtocolAnalyzer} from './analyzer.js'

interface Active {
  analyzer: ProtocolAnalyzer
  state: unknown
  /** Still wants packets. */
  live: boolean
  /** Packets it may still be shown. */
  budget: number
}

interface FlowInspection {
  flowId: number
  active: Active[]
  /** Number of analyzers still live. */
  live: number
  packets: number
  /** The flow was evicted from the flow table: its facts are not reported. */
  forgotten: boolean
}

/** Most packets offered per flow in all: a cap so that no analyzer bug can make one flow cost
 * the whole capture. */
const MAX_PACKETS_PER_FLOW = 1_000_000

/**
 * Runs the analyzers over flows during the read. A flow is probed on its first payload packet;
 * the caller keeps the returned inspection index beside the flow (a typed-array column of the
 * flow table), so that each later packet costs one array access, not a map lookup. A flow with
 * no live analyzer is done and the caller stops offering it packets.
 */
export class ProtocolDispatcher {
  private readonly inspections: FlowInspection[] = []
  /** Set by `stop`: the facts every flow had then; no analyzer runs after it. */
  private stoppedFacts: Map<number, Record<string, unknown>> | undefined

  constructor(
    private readonly analyzers: ProtocolAnalyzer[],
    private readonly evidenceOf: EvidenceOf,
  ) {}

  /**
   * Probe a flow with its first payload packet and feed that packet. Returns the inspection
   * index to pass to `feed` for later packets, or -1 when no analyzer wants the flow (or all
   * stepped aside already).
   */
  start(info: FlowInfo, packet: PayloadPacket): number {
    if (this.stoppedFacts) return -1
    const active: Active[] = []
    for (const analyzer of this.analyzers) {
      let wanted = false
      try {
        wanted = analyzer.probe(info, packet)
      } catch {
        wanted = false
      }
      if (wanted) active.push({analyzer, state: analyzer.start(info, this.evidenceOf), live: true, budget: analyzer.packetBudget ?? DEFAULT_PACKET_BUDGET})
    }
    if (active.length === 0) return -1
    const index = this.inspections.length
    // Exact size (an array grown by push from [] reserves 17 slots): one per flow, 100 k flows.
    this.inspections.push({flowId: info.id, active: active.slice(), live: active.length, packets: 0, forgotten: false})
    return this.feed(index, packet) ? index : -1
  }

  /** Offer a later payload packet; false when no analyzer wants more of this flow. */
  feed(index: number, packet: PayloadPacket): boolean {
    const inspection = this.inspections[index]!
    inspection.packets++
    const active = inspection.active
    for (let i = 0; i < active.length; i++) {
      const a = active[i]!
      if (!a.live) continue
      let more = false
      try {
        more = a.analyzer.feed(a.state, packet) && --a.budget > 0
      } catch {
        // A bug in one analyzer must not stop the read: it simply stops looking at this flow.
        more = false
      }
      if (!more) {
        a.live = false
        inspection.live--
      }
    }
    return inspection.live > 0 && inspection.packets < MAX_PACKETS_PER_FLOW
  }

  /** Facts per flow id: `{dns: {...}, tls: {...}}`, only flows where something was learned. */
  finish(): Map<number, Record<string, unknown>> {
    if (this.stoppedFacts) return this.stoppedFacts
    const facts = this.factsBy((a) => a.analyzer.finish(a.state))
    // The states are consumed: nothing may feed them again, and their memory is freed.
    this.inspections.length = 0
    return facts
  }

  /**
   * The facts `finish` would give if the read ended now, leaving the analyzers undisturbed so the
   * read can go on (replay --follow). `finish` may consume a state (TLS, QUIC and DTLS wrap up
   * partial messages and drop their buffers, RTP ends its payload sampling), so each state is
   * copied with `copy` and the copy is finished.
   */
  snapshot(copy: (state: unknown) => unknown): Map<number, Record<string, unknown>> {
    if (this.stoppedFacts) return new Map(this.stoppedFacts)
    return this.factsBy((a) => a.analyzer.finish(copy(a.state)))
  }

  private factsBy(finishOne: (a: Active) => unknown): Map<number, Record<string, unknown>> {
    const out = new Map<number, Record<string, unknown>>()
    for (const inspection of this.inspections) {
      if (inspection.forgotten) continue
      const facts: Record<string, unknown> = {}
      for (const a of inspection.active) {
        let result: unknown
        try {
          result = finishOne(a)
        } catch {
          result = undefined
        }
        if (result !== undefined) facts[a.analyzer.name] = result
      }
      if (Object.keys(facts).length > 0) out.set(inspection.flowId, facts)
    }
    return out
  }

  /**
   * Finish every flow's analyzers now and start none hereafter (memory ran short: see
   * HeapWatch): what they learned so far is kept for `finish`, and their states (reassembly
   * buffers, payload samples) are freed. The caller stops offering packets: `feed` must not be
   * called again, and `start` refuses every flow.
   */
  stop(): void {
    if (!this.stoppedFacts) this.stoppedFacts = this.finish()
  }

  get stopped(): boolean {
    return this.stoppedFacts !== undefined
  }

  /** Flows evicted from the flow table: drop their state (their facts are not reported). */
  forget(flowIds: Iterable<number>): void {
    const ids = new Set(flowIds)
    if (this.stoppedFacts) for (const id of ids) this.stoppedFacts.delete(id)
    for (const inspection of this.inspections) {
      if (!ids.has(inspection.flowId)) continue
      inspection.forgotten = true
      inspection.active = []
      inspection.live = 0
    }
  }
}
