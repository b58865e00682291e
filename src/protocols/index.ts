import type {ProtocolAnalyzer} from './analyzer.js'

/**
 * Every protocol analyzer, in the order their facts appear in a flow record. Each lives in its
 * own module under src/protocols/<name>/ and is added here (one import, one list entry).
 */
// analyzer imports (keep one per line, alphabetical)

export const ALL_ANALYZERS: ProtocolAnalyzer<any, any>[] = [
  // analyzer list (keep one per line)
]

export function analyzerByName(name: string): ProtocolAnalyzer<any, any> | undefined {
  return ALL_ANALYZERS.find((a) => a.name === name)
}
