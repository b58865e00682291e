/**
 * Capture paths given as patterns that no shell expanded: Windows' cmd.exe and PowerShell pass
 * `captures\*.pcapng` as it is, and so does a quoted pattern in a CI job (`"captures/*.pcapng"`).
 * A path that names an existing file is always taken as it is (a file may be called `a*b.pcap`);
 * one that does not, and has `*`, `?` or `[…]` in its last part, is expanded as a POSIX shell
 * would: the matching names in that directory, sorted, hidden files only when the pattern starts
 * with a dot. A pattern that matches nothing stays as given, and its read fails naming it.
 */
import {readdirSync, statSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {regularFileIdentity} from './file-identity.js'
import {appendAll} from '../util/append-all.js'

const GLOB_CHARS = /[*?[]/

export function expandCapturePaths(paths: readonly string[]): string[] {
  const out: string[] = []
  for (const path of paths) {
    if (path === '-' || exists(path)) {
      out.push(path)
      continue
    }
    const matches = matchesOf(path)
    if (matches.length) appendAll(out, matches)
    else out.push(path)
  }
  return out
}

/** Whether a path given as a pattern matched nothing (for its read error). */
export function isUnmatchedPattern(path: string): boolean {
  return path !== '-' && GLOB_CHARS.test(basename(path)) && !exists(path)
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

function matchesOf(path: string): string[] {
  const pattern = basename(path)
  const dir = dirname(path)
  if (!GLOB_CHARS.test(pattern) || GLOB_CHARS.test(dir)) return []
  const re = patternRegex(pattern)
  if (!re) return []
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const hidden = pattern.startsWith('.')
  // Code-unit order, as the C locale sorts a shell's expansion: the same on every machine.
  return names
    .filter((name) => (hidden || !name.startsWith('.')) && re.test(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(dir, name))
    .filter((p) => regularFileIdentity(p) !== undefined)
}

/** `*` any run of characters, `?` one, `[abc]` / `[a-z]` / `[!a]` (or `[^a]`) one of a set. */
function patternRegex(pattern: string): RegExp | undefined {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') re += '.*'
    else if (c === '?') re += '.'
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end < 0) return undefined
      let set = pattern.slice(i + 1, end)
      if (set.startsWith('!') || set.startsWith('^')) set = `^${set.slice(1)}`
      re += `[${set.replace(/[\\\]]/g, '\\$&')}]`
      i = end
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&')
  }
  try {
    return new RegExp(`${re}$`, 's')
  } catch {
    return undefined
  }
}
