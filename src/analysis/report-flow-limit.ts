import {getHeapStatistics} from 'node:v8'
import {MAX_FLOWS_DEFAULT} from '../flows/flow-table.js'

/**
 * Heap a report may take per flow, at most: each flow becomes a report flow with its roles and
 * evidence, and, to as many addresses, an endpoint with its geolocation and judgement. Measured
 * on captures of as many flows as addresses (a scan): 60 000 needed a heap limit between 176 and
 * 208 MiB, 1 000 000 between 1 and 1.5 GiB (below, V8's heap-out-of-memory abort, no report).
 */
export const REPORT_HEAP_BYTES_PER_FLOW = 3072
/** Heap a run takes before its first flow (modules, signatures, policy, the databases' indexes). */
export const REPORT_HEAP_BASELINE_BYTES = 64 * 1024 * 1024

/**
 * The flow table's limit for a report (`analyze`, `replay`, `diff` of captures) when none is
 * given: 1 000 000, or fewer when Node's heap could not hold a report of that many: Node's
 * default heap limit is a quarter of the machine's memory up to 4 GiB, so a machine with 8 GiB
 * gets about 680 000 flows, one with 4 GiB about 330 000. Past the limit the longest-idle flows
 * are evicted and the report says how many, where a larger table would end the run with no
 * report at all.
 */
export function reportMaxFlows(heapLimitBytes = getHeapStatistics().heap_size_limit): number {
  const fit = Math.floor((heapLimitBytes - REPORT_HEAP_BASELINE_BYTES) / REPORT_HEAP_BYTES_PER_FLOW)
  return Math.max(16, Math.min(MAX_FLOWS_DEFAULT, fit))
}
