import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {type AnalyzeOptions, analyzeCaptures} from '../../src/analysis/analyze.js'
import type {Report} from '../../src/report/report-model.js'
import type {ReplayOutput} from '../../src/replay/replay.js'

/** The embedded GeoIP default only, no policy file (an empty working directory), no fixed time. */
export const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}

/** A temporary directory per test file, removed by `cleanup` (call it in afterAll). */
export function tempDirs(): {make(prefix?: string): string; cleanup(): void} {
  const made: string[] = []
  return {
    make(prefix = 'callaudit-replay-') {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      made.push(dir)
      return dir
    },
    cleanup() {
      for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true})
    },
  }
}

export function analyzeOptions(cwd: string, paths: string[] = []): AnalyzeOptions {
  return {paths, geo: EMBEDDED_ONLY, policy: {}, cwd, toolVersion: 'test'}
}

export async function analyzeFile(path: string, cwd: string): Promise<Report> {
  return (await analyzeCaptures(analyzeOptions(cwd, [path]))).report
}

export function writeTemp(dir: string, name: string, bytes: Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** An output that keeps what was written, with when (ms since it was made) each piece came. */
export function collectingOutput(): ReplayOutput & {text(): string; pieces: Array<{at: number; text: string}>} {
  const start = Date.now()
  const pieces: Array<{at: number; text: string}> = []
  return {
    pieces,
    write: async (text: string) => {
      pieces.push({at: Date.now() - start, text})
    },
    text: () => pieces.map((p) => p.text).join(''),
  }
}

/** Wait until `test()` holds, checking every 10 ms; fails after `ms`. */
export async function waitFor(test: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
