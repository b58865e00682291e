import {getHeapStatistics, setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

/**
 * Share of V8's heap limit the protocol analyzers' facts may fill during a read. What is left
 * serves the report built from them afterwards (up to REPORT_HEAP_BYTES_PER_FLOW, 3 KiB, per
 * flow on top of the facts, which the report's flow limit allows for: report-flow-limit.ts).
 */
export const ANALYZER_HEAP_SHARE = 0.3

/** What the heap held when the watch found it over budget. */
export interface HeapPressure {
  /** The budget the live heap outgrew (ANALYZER_HEAP_SHARE of the limit), in bytes. */
  budgetBytes: number
  /** V8's heap limit (`--max-old-space-size`), in bytes. */
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
 * and is at least twice what was live at the last forced one. Each forced collection then comes
 * after at least as many bytes were allocated as it has to mark, as V8's own would: its cost
 * stays in proportion. A read that stays within budget never pays for one. The live heap can
 * pass the budget by as much as it held at the last collection before it is noticed: at most
 * twice the budget, which leaves the report room.
 */
export class HeapWatch {
  private readonly budget: number
  private lastLive = 0

  constructor(
    share = ANALYZER_HEAP_SHARE,
    private readonly limitBytes = getHeapStatistics().heap_size_limit,
  ) {
    this.budget = limitBytes * share
  }

  /** Called after each chunk: the pressure when the live heap is over budget, else undefined. */
  afterChunk(): HeapPressure | undefined {
    if (getHeapStatistics().used_heap_size <= Math.max(this.budget, 2 * this.lastLive)) return undefined
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
