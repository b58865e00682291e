/** Shared helpers for the geo tests: paths, building dist/ when stale, running the real CLI. */
import {spawnSync} from 'node:child_process'
import {expect} from 'vitest'
import {InputError} from '../../src/errors.js'
import {GeoDatabase} from '../../src/geo/database.js'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {tempDir as removedAfterwards} from '../helpers/temp-dir.js'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const FIXTURES = join(ROOT, 'fixtures', 'geo')
export const fixture = (name: string) => join(FIXTURES, name)

export function tempDir(): string {
  return removedAfterwards('callaudit-geo-')
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const name of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, name.name)
    newest = Math.max(newest, name.isDirectory() ? newestMtime(path) : name.name.endsWith('.ts') ? statSync(path).mtimeMs : 0)
  }
  return newest
}

/** Compile (tsc) when dist/ is older than the geo sources, and build the embedded ASN database. */
export function ensureBuilt(): void {
  const sources = Math.max(newestMtime(join(ROOT, 'src', 'geo')), newestMtime(join(ROOT, 'commands', 'db')), statSync(join(ROOT, 'commands', 'geo.ts')).mtimeMs)
  const compiled = join(ROOT, 'dist', 'commands', 'geo.js')
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < sources || !existsSync(join(ROOT, 'dist', 'src', 'geo', 'build-embedded.js'))) {
    // Errors in files other engineers are editing do not stop tsc from emitting ours.
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], {cwd: ROOT, stdio: 'ignore'})
  }
  const build = spawnSync('node', ['dist/src/geo/build-embedded.js'], {cwd: ROOT, encoding: 'utf8'})
  if (build.status !== 0) throw new Error(`build:geo failed: ${build.stderr}`)
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Run `node bin/run.js ...args` with a clean, deterministic environment. */
export function runCli(args: string[], options: {input?: string; env?: Record<string, string>} = {}): CliResult {
  const env: Record<string, string> = {PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1', CALLAUDIT_NOW: '2026-07-01T00:00:00Z', ...options.env}
  const result = spawnSync('node', [join(ROOT, 'bin', 'run.js'), ...args], {cwd: ROOT, encoding: 'utf8', input: options.input ?? '', env})
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** The one-line error opening a database file gives (fails the test when it opens). */
export function openError(path: string): string {
  try {
    GeoDatabase.open(path, {id: 'x', origin: 'geoip-db'})
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).oneLine()
  }
  throw new Error('expected an error')
}
