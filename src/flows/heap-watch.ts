import {getHeapStatistics, setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

/**
 * Share of V8's heap limit the protocol analyzers' facts may fill during a read. What is left
 * serves the report built from them afterwards (up to REPORT_HEAP_BYTES_PER_FLOW, 3 KiB, per
 * flow on top of the facts, which the report's flow limit allows for: report-flow-limit.ts).
 */
export const ANALYZER_HEAP_SHARE = 0.3

/**
 * The most V8 (Node 20, 64-bit) reserves for its young generation: three semi-spaces of up to
 * 16 MiB (two for scavenging, one for new large objects). `heap_size_limit` counts them on top of
 * the old generation (`--max-old-space-size`), where everything a read keeps ends up: a budget
 * taken from `heap_size_limit` itself would promise facts up to 48 MiB that are not there, which
 * on a small heap is the difference between a report and V8's out-of-memory abort.
 */
const YOUNG_GENERATION_BYTES = 48 * 1024 * 1024

/** The old generation's limit: what long-lived objects (facts, flows, the report) can fill. */
export function oldGenerationLimit(heapSizeLimit = getHeapStatistics().heap_size_limit): number {
  // A heap V8 sized from a small machine's memory has a smaller young generation: subtracting
  // the largest only makes the budget smaller, never too large. A quarter keeps a floor.
  return Math.max(heapSizeLimit - YOUNG_GENERATION_BYTES, heapSizeLimit / 4)
}

/** What the heap held when the watch found it over budget. */
export interface HeapPressure {
  /** The budget the live heap outgrew (ANALYZER_HEAP_SHARE of the limit), in bytes. */
  budgetBytes: number
  /** The old generation's limit (`--max-old-space-size`, or V8's default for this machine), in bytes. */
  limitBytes: number
}

/**
 * Watches the JavaScript heap during a read, once per chunk, so that a capture whose protocol
 * facts outgrow memory (a million DNS answers, each kept with its records) stops the analyzers
 * rather than crashing the process when V8 reaches its heap limit, which ends Node with a fatal
 * error no handler can catch.
 *
 * The heap in use includes garbage not yet collected: only a full collection tells what is
 * live, so one is forced (V8's `gc`, exposed at run time) when the heap in use passes the budget
 * and has grown by a quarter of the budget since the last forced one. Each forced collection
 * then comes after at least a quarter of what it has to mark was allocated: its cost stays in
 * proportion to the read's, and a read that stays within budget never pays for one. The live
 * heap can pass the budget by at most that quarter (plus one chunk's facts) before it is
 * noticed, which leaves the report its room.
 */
export class HeapWatch {
  private readonly budget: number
  private lastLive = 0

  constructor(
    share = ANALYZER_HEAP_SHARE,
    private readonly limitBytes = oldGenerationLimit(),
  ) {
    this.budget = limitBytes * share
  }

  /** Called after each chunk: the pressure when the live heap is over budget, else undefined. */
  afterChunk(): HeapPressure | undefined {
    if (getHeapStatistics().used_heap_size <= Math.max(this.budget, this.lastLive + this.budget / 4)) return undefined
    collectGarbage()
    this.lastLive = getHeapStatistics().used_heap_size
    return this.lastLive > this.budget ? {budgetBytes: this.budget, limitBytes: this.limitBytes} : undefined
  }
}

let gc: (() => void) | undefined

/** A full garbage collection. V8 exposes `gc` only to contexts created after the flag is set. */
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
}
