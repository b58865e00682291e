import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {FIXTURES} from './paths.js'

export interface ManifestFlow {
  proto: number
  client: {ip: string; port: number}
  server: {ip: string; port: number}
  packets: {toServer: number; toClient: number}
  bytes: {toServer: number; toClient: number}
  firstFrame: number
  tunnel?: {kind: string; layer: 'outer' | 'inner'}
}

export interface ManifestEntry {
  file: string
  format: string
  byteOrder: string
  gzip: boolean
  linkTypes: number[]
  packets: number
  bytes: number
  firstTime?: string
  lastTime?: string
  flows: ManifestFlow[]
  nrb?: Array<{ip: string; names: string[]}>
  damageOffset?: number
  expectError?: string
  expectedWarnings?: string[]
  notes?: string[]
}

/** Ground truth written by fixtures/make-fixtures.ts next to the captures it generated. */
export function loadManifest(): ManifestEntry[] {
  return (JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {fixtures: ManifestEntry[]}).fixtures
}
