/**
 * Host-name patterns for suppressions: `*.zoom.us`, `zoom*.example.com`, `us0?web.zoom.us`.
 * Case-insensitive, a trailing dot ignored. `*` matches one or more characters, dots included
 * (`*.zoom.us` matches `a.b.zoom.us` but not `zoom.us` itself); `?` matches one character
 * other than a dot. Names must be ASCII (internationalised names in their xn-- form).
 */
import {isIP} from 'node:net'

export interface HostGlob {
  /** The pattern in canonical form (lower case, no trailing dot). */
  pattern: string
  regex: RegExp
}

/** Lower case without the trailing dot: the form names are compared in. */
export function normalizeHostName(name: string): string {
  const lower = name.trim().toLowerCase()
  return lower.endsWith('.') ? lower.slice(0, -1) : lower
}

export function compileHostGlob(text: string): {glob: HostGlob} | {error: string} {
  const pattern = normalizeHostName(text)
  if (pattern === '') return {error: 'empty pattern'}
  if (/[^\x00-\x7f]/.test(pattern)) return {error: 'not ASCII; write internationalised names in their xn-- form'}
  if (isIP(pattern) !== 0) return {error: 'an IP address; use address: or cidr:'}
  const bad = /[^a-z0-9.*?_-]/.exec(pattern)
  if (bad) return {error: `character "${bad[0]}" cannot appear in a host name`}
  if (pattern.length > 253) return {error: 'longer than 253 characters'}
  if (pattern.startsWith('.') || pattern.includes('..')) return {error: 'empty label'}
  if (pattern.includes('**')) return {error: '"**" is not needed: * already matches across dots'}
  if (/^[*?.]+$/.test(pattern)) return {error: 'matches every host name'}
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.+' : ch === '?' ? '[^.]' : ch === '.' ? '\\.' : ch))
    .join('')
  return {glob: {pattern, regex: new RegExp(`^${source}$`)}}
}

export function hostGlobMatches(glob: HostGlob, name: string): boolean {
  return glob.regex.test(normalizeHostName(name))
}
