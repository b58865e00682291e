import {existsSync, readdirSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const FIXTURES = join(ROOT, 'fixtures')
/** The shared corpus sits beside the project in development and CI, not on a user's machine. */
export const SHARED_CAPTURES = resolve(ROOT, '../shared/captures')
export const HAVE_CORPUS = existsSync(join(SHARED_CAPTURES, 'ndpi')) && existsSync(join(SHARED_CAPTURES, 'oracle'))

export function corpusFiles(): string[] {
  return HAVE_CORPUS ? readdirSync(join(SHARED_CAPTURES, 'ndpi')).sort() : []
}

export function corpusPath(name: string): string {
  return join(SHARED_CAPTURES, 'ndpi', name)
}

export function oraclePath(name: string): string {
  return join(SHARED_CAPTURES, 'oracle', `${name}.json`)
}
