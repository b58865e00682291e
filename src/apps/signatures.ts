/**
 * The signature data file (src/apps/signatures.json, format in docs/apps.md): loading,
 * validation with clear messages, and the compiled lookups identify-apps and assign-roles use.
 *
 * Trust model: the signature file is our data (patterns compiled here); names, addresses and
 * STUN SOFTWARE strings come from captures and are only ever compared, never evaluated.
 */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {InputError} from '../errors.js'
import {boundedMemo} from '../util/bounded-memo.js'
import {
  type AddressValue,
  type CidrRange,
  addressValue,
  cidrContains,
  compileCidr,
  compileGlob,
  globProblem,
  hasSuffix,
  normalizeName,
  parsePortRange,
} from './match.js'

export type Confidence = 'high' | 'medium' | 'low'

export const CONFIDENCE_RANK: Record<Confidence, number> = {high: 3, medium: 2, low: 1}

/** One step down (high → medium → low); low stays low. */
export function lowerConfidence(c: Confidence): Confidence {
  return c === 'high' ? 'medium' : 'low'
}

export function minConfidence(a: Confidence, b: Confidence): Confidence {
  return CONFIDENCE_RANK[a] <= CONFIDENCE_RANK[b] ? a : b
}

/** Where a name in a flow's evidence came from (see FlowEvidence.names). */
export type NameSource = 'sni' | 'quic-sni' | 'dtls-sni' | 'http-host' | 'socks' | 'sip' | 'cert' | 'dns' | 'dns-query' | 'nrb'
export const NAME_SOURCES: readonly NameSource[] = ['sni', 'quic-sni', 'dtls-sni', 'http-host', 'socks', 'sip', 'cert', 'dns', 'dns-query', 'nrb']

export type SignatureKind = 'domain' | 'name' | 'stun-software' | 'stun-attribute' | 'port' | 'range' | 'process' | 'payload'
const KINDS: readonly SignatureKind[] = ['domain', 'name', 'stun-software', 'stun-attribute', 'port', 'range', 'process', 'payload']

/** What a protocol analyzer recognises of an app's own wire format, by the id FlowEvidence.payloads
 * carries (kind `payload`): `whatsapp-chat` is WhatsApp's chat connection prologue
 * (src/protocols/whatsapp/chat-prologue.ts), `jitsi-room` a request naming a Jitsi Meet room
 * (src/protocols/http/meeting-links.ts). */
export const PAYLOAD_IDS: readonly string[] = ['whatsapp-chat', 'jitsi-room']

/** The kernel keeps a process's command name to this many characters (MAXCOMLEN, macOS). */
const MAX_COMMAND_NAME = 16
/** PCAPdroid's pcap trailer keeps an Android app's name to this many characters (20 bytes, NUL). */
const MAX_TRAILER_NAME = 19

/** Default confidence of a match of each kind (an entry may lower it with `confidence`). */
export const KIND_CONFIDENCE: Record<SignatureKind, Confidence> = {
  domain: 'high',
  name: 'high',
  'stun-software': 'high',
  'stun-attribute': 'high',
  range: 'medium',
  port: 'low',
  // The capturing host's own kernel says which process owned the socket.
  process: 'high',
  // The app's own protocol bytes, read on the flow.
  payload: 'high',
}

export type HintRole = 'telemetry' | 'relay' | 'control' | 'web'
const HINT_ROLES: readonly HintRole[] = ['telemetry', 'relay', 'control', 'web']

export interface SignatureEntry {
  kind: SignatureKind
  /** domain: suffixes; name: patterns; stun-software: prefixes; stun-attribute: hex types;
   * port: `8801-8810` / `9000`; range: CIDRs. */
  values: string[]
  /** port entries: which transport. */
  proto?: 'udp' | 'tcp'
  /** name/domain entries: only names from these sources match (e.g. ['cert']). */
  sources?: NameSource[]
  /** Caps the confidence of this entry's matches. */
  confidence?: Confidence
  /** false: supporting evidence only, never claims the app by itself (Apple's whole /8, Google's
   * public STUN ports used by every WebRTC app). Default true. */
  claims?: boolean
  /** range entries: the range matches only a far end on one of these ports (`tcp/5222`): an
   * operator's whole network is no app's, its servers on the app's own port may be. */
  ports?: string[]
  note?: string
  /** URL or document title; `unverified: <why>` when it could not be checked; `observed: ...`
   * for values seen in the nDPI test corpus together with nDPI's label. */
  source: string
  /** YYYY-MM-DD: when the source was checked. */
  date: string
}

export interface TenantRule {
  /** `zoom.us`: the label directly left of it names the organisation (`ministry.zoom.us`). */
  suffix: string
  /** Regular expressions (matched against the whole label, case-insensitively) for the
   * service's own infrastructure names, which reveal no organisation. */
  exclude: string[]
  /** Endings removed from the label first (`contoso-my` → `contoso`). */
  stripSuffixes?: string[]
  note?: string
  source: string
  date: string
}

export interface RoleHint {
  role: HintRole
  names: string[]
  note?: string
  source: string
  date: string
}

export interface AppDefinition {
  id: string
  displayName: string
  conferencing: boolean
  description?: string
  signatures: SignatureEntry[]
  tenants?: TenantRule[]
  roleHints?: RoleHint[]
}

export interface SignatureFile {
  version: string
  description?: string
  genericPorts: {values: string[]; note?: string; source: string; date: string}
  genericStunSoftware: {values: string[]; note?: string; source: string; date: string}
  roleHints: RoleHint[]
  apps: AppDefinition[]
}

/** A signature that matched, with the confidence it carries. */
export interface SignatureMatch {
  app: string
  kind: SignatureKind
  /** The pattern, CIDR, port range or prefix from the file that matched. */
  pattern: string
  confidence: Confidence
  entry: SignatureEntry
}

export interface TenantMatch {
  app: string
  org: string
  suffix: string
  rule: TenantRule
}

export interface RoleHintMatch {
  role: HintRole
  /** Set for an app's own hints (`log.zoom.us` → zoom). */
  app: string | undefined
  pattern: string
  hint: RoleHint
}

export function isUnverified(source: string): boolean {
  return /^\s*unverified\s*:/i.test(source)
}

/** Confidence of an entry's matches: the kind's default, capped by the entry, one step lower
 * when its source is unverified. */
export function entryConfidence(entry: SignatureEntry): Confidence {
  let c = KIND_CONFIDENCE[entry.kind]
  if (entry.confidence) c = minConfidence(c, entry.confidence)
  if (isUnverified(entry.source)) c = lowerConfidence(c)
  return c
}

// ---------------------------------------------------------------------------------------------
// Validation

class Problems {
  readonly list: string[] = []
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`)
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function checkDate(p: Problems, path: string, v: unknown): void {
  if (typeof v !== 'string') return p.add(path, 'missing "date" (YYYY-MM-DD when the source was checked)')
  const m = DATE.exec(v)
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined
  if (!m || !d || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) p.add(path, `"date" ${JSON.stringify(v)} is not a YYYY-MM-DD date`)
}

function checkSource(p: Problems, path: string, v: unknown): void {
  if (typeof v !== 'string' || v.trim().length < 8) p.add(path, 'missing "source" (URL or document title, or "unverified: <why>")')
}

function checkStrings(p: Problems, path: string, v: unknown): v is string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s.length > 0)) {
    p.add(path, 'must be a non-empty list of strings')
    return false
  }
  return true
}

function checkRegexes(p: Problems, path: string, values: string[]): void {
  values.forEach((r, i) => {
    try {
      new RegExp(`^(?:${r})$`, 'i')
    } catch (e) {
      p.add(`${path}[${i}]`, `invalid regular expression ${JSON.stringify(r)}: ${(e as Error).message}`)
    }
  })
}

function checkRoleHint(p: Problems, path: string, h: unknown): void {
  if (!isObject(h)) return p.add(path, 'must be an object')
  if (!HINT_ROLES.includes(h.role as HintRole)) p.add(`${path}.role`, `must be one of ${HINT_ROLES.join(', ')}`)
  if (checkStrings(p, `${path}.names`, h.names)) {
    h.names.forEach((n, i) => {
      const problem = globProblem(n)
      if (problem) p.add(`${path}.names[${i}]`, problem)
    })
  }
  checkSource(p, path, h.source)
  checkDate(p, path, h.date)
}

function checkEntry(p: Problems, path: string, e: unknown): void {
  if (!isObject(e)) return p.add(path, 'must be an object')
  const kind = e.kind as SignatureKind
  if (!KINDS.includes(kind)) return p.add(`${path}.kind`, `must be one of ${KINDS.join(', ')}`)
  checkSource(p, path, e.source)
  checkDate(p, path, e.date)
  if (e.confidence !== undefined && !['high', 'medium', 'low'].includes(e.confidence as string)) p.add(`${path}.confidence`, 'must be high, medium or low')
  if (e.claims !== undefined && typeof e.claims !== 'boolean') p.add(`${path}.claims`, 'must be true or false')
  if (e.sources !== undefined) {
    if (!Array.isArray(e.sources) || e.sources.length === 0 || !e.sources.every((s) => NAME_SOURCES.includes(s as NameSource))) {
      p.add(`${path}.sources`, `must be a non-empty list of ${NAME_SOURCES.join(', ')}`)
    } else if (kind !== 'name' && kind !== 'domain') p.add(`${path}.sources`, 'only name and domain entries have sources')
  }
  if (kind === 'port' && e.proto !== 'udp' && e.proto !== 'tcp') p.add(`${path}.proto`, 'port entries need "proto": "udp" or "tcp"')
  if (e.ports !== undefined) {
    if (kind !== 'range') p.add(`${path}.ports`, 'only range entries have ports')
    else if (!Array.isArray(e.ports) || e.ports.length === 0 || !e.ports.every((v) => typeof v === 'string' && /^(udp|tcp)\/\d{1,5}$/.test(v) && Number(v.split('/')[1]) >= 1 && Number(v.split('/')[1]) <= 65535)) {
      p.add(`${path}.ports`, 'must be a non-empty list of udp/N or tcp/N')
    }
  }
  if (!checkStrings(p, `${path}.values`, e.values)) return
  e.values.forEach((v, i) => {
    const at = `${path}.values[${i}]`
    switch (kind) {
      case 'domain':
        if (normalizeName(v) !== v || v.includes('*')) p.add(at, `"${v}" is not a lower-case domain suffix`)
        break
      case 'name': {
        const problem = globProblem(v)
        if (problem) p.add(at, problem)
        break
      }
      case 'stun-software':
        if (v.trim() !== v || v.length > 128) p.add(at, `"${v}" is not a SOFTWARE prefix`)
        break
      case 'stun-attribute':
        if (!/^0x[0-9a-f]{4}$/i.test(v)) p.add(at, `"${v}" is not a STUN attribute type such as 0x8008`)
        break
      case 'port': {
        const r = parsePortRange(v)
        if (typeof r === 'string') p.add(at, r)
        break
      }
      case 'range': {
        const r = compileCidr(v)
        if (typeof r === 'string') p.add(at, r)
        break
      }
      case 'process':
        if (v.trim() !== v || v.length === 0 || v.length > 64) p.add(at, `"${v}" is not a process name`)
        break
      case 'payload':
        if (!PAYLOAD_IDS.includes(v)) p.add(at, `"${v}" is not a payload recognition the analyzers make (${PAYLOAD_IDS.join(', ')})`)
        break
    }
  })
}

/** Every problem in a parsed signature document, as `path: message` lines (empty when valid). */
export function signatureProblems(doc: unknown): string[] {
  const p = new Problems()
  if (!isObject(doc)) {
    p.add('(top)', 'must be an object with "version" and "apps"')
    return p.list
  }
  if (typeof doc.version !== 'string' || !DATE.test(doc.version)) p.add('version', 'must be a YYYY-MM-DD date string')
  const gp = doc.genericPorts
  if (!isObject(gp)) p.add('genericPorts', 'must be an object with values, source and date')
  else {
    if (checkStrings(p, 'genericPorts.values', gp.values)) {
      gp.values.forEach((v, i) => {
        if (!/^(udp|tcp)\/\d{1,5}$/.test(v) || Number(v.split('/')[1]) > 65535) p.add(`genericPorts.values[${i}]`, `"${v}" is not udp/N or tcp/N`)
      })
    }
    checkSource(p, 'genericPorts', gp.source)
    checkDate(p, 'genericPorts', gp.date)
  }
  const gs = doc.genericStunSoftware
  if (!isObject(gs)) p.add('genericStunSoftware', 'must be an object with values, source and date')
  else {
    checkStrings(p, 'genericStunSoftware.values', gs.values)
    checkSource(p, 'genericStunSoftware', gs.source)
    checkDate(p, 'genericStunSoftware', gs.date)
  }
  if (!Array.isArray(doc.roleHints)) p.add('roleHints', 'must be a list')
  else doc.roleHints.forEach((h, i) => checkRoleHint(p, `roleHints[${i}]`, h))
  if (!Array.isArray(doc.apps) || doc.apps.length === 0) {
    p.add('apps', 'must be a non-empty list')
    return p.list
  }
  const ids = new Set<string>()
  doc.apps.forEach((a, i) => {
    const path = `apps[${i}]`
    if (!isObject(a)) return p.add(path, 'must be an object')
    if (typeof a.id !== 'string' || !/^[a-z][a-z0-9-]*$/.test(a.id)) p.add(`${path}.id`, 'must be a lower-case identifier such as "zoom"')
    else if (ids.has(a.id)) p.add(`${path}.id`, `duplicate app id "${a.id}"`)
    else ids.add(a.id)
    const at = typeof a.id === 'string' ? `${path} (${a.id})` : path
    if (typeof a.displayName !== 'string' || a.displayName.length === 0) p.add(`${at}.displayName`, 'missing')
    if (typeof a.conferencing !== 'boolean') p.add(`${at}.conferencing`, 'must be true or false')
    if (!Array.isArray(a.signatures)) p.add(`${at}.signatures`, 'must be a list (may be empty)')
    else {
      a.signatures.forEach((e, j) => checkEntry(p, `${at}.signatures[${j}]`, e))
      // A process name listed twice for one app would be matched, and shown as evidence, twice.
      const processes = new Set<string>()
      a.signatures.forEach((e, j) => {
        if (!isObject(e) || e.kind !== 'process' || !Array.isArray(e.values)) return
        for (const v of e.values) {
          if (typeof v !== 'string') continue
          if (processes.has(v.toLowerCase())) p.add(`${at}.signatures[${j}]`, `process name "${v}" is listed twice for this app`)
          processes.add(v.toLowerCase())
        }
      })
    }
    if (a.tenants !== undefined) {
      if (!Array.isArray(a.tenants)) p.add(`${at}.tenants`, 'must be a list')
      else {
        a.tenants.forEach((t, j) => {
          const tp = `${at}.tenants[${j}]`
          if (!isObject(t)) return p.add(tp, 'must be an object')
          if (typeof t.suffix !== 'string' || normalizeName(t.suffix) !== t.suffix || t.suffix.includes('*')) p.add(`${tp}.suffix`, 'must be a lower-case domain suffix')
          if (!Array.isArray(t.exclude) || !t.exclude.every((x) => typeof x === 'string')) p.add(`${tp}.exclude`, 'must be a list of regular expressions')
          else checkRegexes(p, `${tp}.exclude`, t.exclude as string[])
          if (t.stripSuffixes !== undefined && (!Array.isArray(t.stripSuffixes) || !t.stripSuffixes.every((x) => typeof x === 'string' && x.length > 0))) {
            p.add(`${tp}.stripSuffixes`, 'must be a list of strings')
          }
          checkSource(p, tp, t.source)
          checkDate(p, tp, t.date)
        })
      }
    }
    if (a.roleHints !== undefined) {
      if (!Array.isArray(a.roleHints)) p.add(`${at}.roleHints`, 'must be a list')
      else a.roleHints.forEach((h, j) => checkRoleHint(p, `${at}.roleHints[${j}]`, h))
    }
  })
  return p.list
}

// ---------------------------------------------------------------------------------------------
// Compiled lookups

interface CompiledName {
  app: string
  entry: SignatureEntry
  pattern: string
  /** Suffix entries (kind domain) test with hasSuffix; globs with the regex. */
  suffix?: string
  regex?: RegExp
}

interface CompiledRange {
  app: string
  entry: SignatureEntry
  range: CidrRange
}

interface CompiledPort {
  app: string
  entry: SignatureEntry
  proto: 'udp' | 'tcp'
  low: number
  high: number
  text: string
}

interface CompiledHint {
  app: string | undefined
  hint: RoleHint
  pattern: string
  regex: RegExp
}

interface CompiledTenant {
  app: string
  rule: TenantRule
  exclude: RegExp[]
}

const NO_MATCHES: readonly SignatureMatch[] = Object.freeze([])

/** A validated, compiled signature file. */
export class Signatures {
  readonly version: string
  /** Where it was read from ('(inline)' for parsed objects). */
  readonly file: string
  readonly doc: SignatureFile
  readonly apps: AppDefinition[]
  private readonly appIndex = new Map<string, number>()
  private readonly names: CompiledName[] = []
  private readonly ranges: CompiledRange[] = []
  private readonly rangesByPrefix4 = new Map<number, Map<number, CompiledRange[]>>()
  private readonly ranges6: CompiledRange[] = []
  private readonly ports: CompiledPort[] = []
  private readonly stunSoftware: Array<{app: string; entry: SignatureEntry; prefix: string}> = []
  private readonly stunAttributes: Array<{app: string; entry: SignatureEntry; type: number; text: string}> = []
  private readonly processNames: Array<{app: string; entry: SignatureEntry; name: string; pattern: string}> = []
  private readonly payloads: Array<{app: string; entry: SignatureEntry; id: string}> = []
  private readonly generic = new Set<string>()
  private readonly genericSoftware: string[]
  private readonly hints: CompiledHint[] = []
  private readonly tenants: CompiledTenant[] = []
  private readonly addressCache = new Map<string, readonly SignatureMatch[]>()
  private prefixes4: {masks: number[]; nets: Map<number, CompiledRange[]>[]} | undefined
  /** By source, then name: no key string built per question. */
  private readonly nameCache = new Map<NameSource, Map<string, readonly SignatureMatch[]>>()
  private nameCacheSize = 0
  /** By protocol, then port (ports repeat on every flow to a service). */
  private readonly portCache = new Map<string, Map<number, readonly SignatureMatch[]>>()
  /** Per distinct name: the same server names come back flow after flow. */
  private readonly tenantMemo = boundedMemo((raw: string) => this.scanTenants(raw))
  private readonly hintMemo = boundedMemo((raw: string) => this.scanHints(raw))

  constructor(doc: SignatureFile, file = '(inline)') {
    this.doc = doc
    this.file = file
    this.version = doc.version
    this.apps = doc.apps
    doc.apps.forEach((app, i) => this.appIndex.set(app.id, i))
    for (const v of doc.genericPorts.values) this.generic.add(v)
    this.genericSoftware = doc.genericStunSoftware.values.map((v) => v.toLowerCase())
    for (const app of doc.apps) {
      for (const entry of app.signatures) {
        for (const value of entry.values) {
          switch (entry.kind) {
            case 'domain':
              this.names.push({app: app.id, entry, pattern: value, suffix: value})
              break
            case 'name':
              this.names.push({app: app.id, entry, pattern: value, regex: compileGlob(value)})
              break
            case 'stun-software':
              this.stunSoftware.push({app: app.id, entry, prefix: value.toLowerCase()})
              break
            case 'stun-attribute':
              this.stunAttributes.push({app: app.id, entry, type: Number.parseInt(value, 16), text: value.toLowerCase()})
              break
            case 'process':
              this.processNames.push({app: app.id, entry, name: value.toLowerCase(), pattern: value})
              break
            case 'payload':
              this.payloads.push({app: app.id, entry, id: value})
              break
            case 'port': {
              const r = parsePortRange(value) as {low: number; high: number}
              this.ports.push({app: app.id, entry, proto: entry.proto!, low: r.low, high: r.high, text: `${entry.proto} ${value}`})
              break
            }
            case 'range': {
              const compiled: CompiledRange = {app: app.id, entry, range: compileCidr(value) as CidrRange}
              this.ranges.push(compiled)
              if (compiled.range.version === 4) {
                let byNet = this.rangesByPrefix4.get(compiled.range.prefixLength)
                if (!byNet) this.rangesByPrefix4.set(compiled.range.prefixLength, (byNet = new Map()))
                const list = byNet.get(compiled.range.net4)
                if (list) list.push(compiled)
                else byNet.set(compiled.range.net4, [compiled])
              } else this.ranges6.push(compiled)
              break
            }
          }
        }
      }
      for (const hint of app.roleHints ?? []) for (const n of hint.names) this.hints.push({app: app.id, hint, pattern: n, regex: compileGlob(n)})
      for (const rule of app.tenants ?? []) {
        this.tenants.push({app: app.id, rule, exclude: rule.exclude.map((r) => new RegExp(`^(?:${r})$`, 'i'))})
      }
    }
    for (const hint of doc.roleHints) for (const n of hint.names) this.hints.push({app: undefined, hint, pattern: n, regex: compileGlob(n)})
    // Longest suffix first, so <org>.my.webex.com is read with the my.webex.com rule.
    this.tenants.sort((a, b) => b.rule.suffix.length - a.rule.suffix.length)
  }

  app(id: string): AppDefinition | undefined {
    const i = this.appIndex.get(id)
    return i === undefined ? undefined : this.apps[i]
  }

  /** Position of the app in the file: the last tie-breaker everywhere. */
  order(id: string): number {
    return this.appIndex.get(id) ?? Number.MAX_SAFE_INTEGER
  }

  /**
   * Apps whose name signatures match a name from a capture. The confidence accounts for the
   * entry (kind, cap, verification) and for the name's source: certificate names, pcapng Name
   * Resolution Block names and names only asked in DNS (no connection seen) count at most medium.
   */
  matchName(raw: string, source: NameSource): readonly SignatureMatch[] {
    // Names repeat across flows: the scan over every pattern runs once per distinct name.
    let bySource = this.nameCache.get(source)
    if (!bySource) this.nameCache.set(source, (bySource = new Map()))
    const cached = bySource.get(raw)
    if (cached) return cached
    const out = this.scanNames(raw, source)
    if (this.nameCacheSize >= 65_536) {
      this.nameCache.clear()
      this.nameCacheSize = 0
      this.nameCache.set(source, (bySource = new Map()))
    }
    bySource.set(raw, out)
    this.nameCacheSize++
    return out
  }

  private scanNames(raw: string, source: NameSource): SignatureMatch[] {
    const name = normalizeName(raw)
    if (!name) return []
    const out: SignatureMatch[] = []
    for (const n of this.names) {
      if (n.entry.sources && !n.entry.sources.includes(source)) continue
      const hit = n.suffix !== undefined ? hasSuffix(name, n.suffix) : n.regex!.test(name)
      if (!hit) continue
      let confidence = entryConfidence(n.entry)
      if (source === 'cert' || source === 'nrb' || source === 'dns-query') confidence = minConfidence(confidence, 'medium')
      out.push({app: n.app, kind: n.entry.kind, pattern: n.pattern, confidence, entry: n.entry})
    }
    return out
  }

  matchStunSoftware(raw: string): SignatureMatch[] {
    if (typeof raw !== 'string' || raw.length === 0) return []
    const value = raw.slice(0, 256).toLowerCase()
    return this.stunSoftware
      .filter((s) => value.startsWith(s.prefix))
      .map((s) => ({app: s.app, kind: 'stun-software' as const, pattern: s.entry.values.find((v) => v.toLowerCase() === s.prefix)!, confidence: entryConfidence(s.entry), entry: s.entry}))
  }

  /**
   * Apps whose process signatures match a process name from the capture (macOS PKTAP or pcapng
   * process blocks), case-insensitively: the name itself, the name as the kernel cuts it
   * (MAX_COMMAND_NAME characters), or a helper process of the app (`Slack Helper (Renderer)`,
   * cut to `Slack Helper (Re`): the name followed by a space. An Android package name as
   * PCAPdroid's trailer cuts it (MAX_TRAILER_NAME characters) matches too, unless the cut falls
   * on a dot: `com.google.android.` is every Google app's, not Meet's.
   */
  matchProcess(raw: string): SignatureMatch[] {
    if (typeof raw !== 'string' || raw.length === 0) return []
    const value = raw.slice(0, 64).toLowerCase()
    const cutPackage = value.length === MAX_TRAILER_NAME && value.includes('.') && !value.endsWith('.')
    return this.processNames
      .filter((s) => value === s.name || value === s.name.slice(0, MAX_COMMAND_NAME) || value.startsWith(`${s.name} `) || (`${s.name} `.startsWith(value) && value.length === MAX_COMMAND_NAME) || (cutPackage && s.name.startsWith(value)))
      .map((s) => ({app: s.app, kind: 'process' as const, pattern: s.pattern, confidence: entryConfidence(s.entry), entry: s.entry}))
  }

  /** Apps whose payload signatures name a recognition an analyzer made on the flow
   * (FlowEvidence.payloads[].id, e.g. `whatsapp-chat`). */
  matchPayload(id: string): SignatureMatch[] {
    return this.payloads
      .filter((s) => s.id === id)
      .map((s) => ({app: s.app, kind: 'payload' as const, pattern: s.id, confidence: entryConfidence(s.entry), entry: s.entry}))
  }

  /** A SOFTWARE value of a general-purpose STUN/TURN server (Coturn...): no app evidence. */
  isGenericStunSoftware(raw: string): boolean {
    if (typeof raw !== 'string') return false
    const value = raw.slice(0, 256).toLowerCase()
    return this.genericSoftware.some((g) => value.startsWith(g))
  }

  matchStunAttribute(type: number): SignatureMatch[] {
    return this.stunAttributes
      .filter((s) => s.type === type)
      .map((s) => ({app: s.app, kind: 'stun-attribute' as const, pattern: s.text, confidence: entryConfidence(s.entry), entry: s.entry}))
  }

  isGenericPort(proto: string, port: number): boolean {
    return this.generic.has(`${proto}/${port}`)
  }

  /** App port signatures for a server port; generic ports (3478, 443, ...) never match. The
   * list is shared between calls (one per protocol and port): read it, do not change it. */
  matchPort(proto: string, port: number): readonly SignatureMatch[] {
    if ((proto !== 'udp' && proto !== 'tcp') || !Number.isInteger(port) || port <= 0) return NO_MATCHES
    let byPort = this.portCache.get(proto)
    if (!byPort) this.portCache.set(proto, (byPort = new Map()))
    let out = byPort.get(port)
    if (!out) byPort.set(port, (out = this.scanPorts(proto, port)))
    return out
  }

  private scanPorts(proto: 'udp' | 'tcp', port: number): SignatureMatch[] {
    if (this.isGenericPort(proto, port)) return []
    return this.ports
      .filter((p) => p.proto === proto && port >= p.low && port <= p.high)
      .map((p) => ({app: p.app, kind: 'port' as const, pattern: p.text, confidence: entryConfidence(p.entry), entry: p.entry}))
  }

  /** Published ranges containing an address (most specific first). Shared between calls (one
   * list per address): read it, do not change it. */
  matchAddress(ip: string): readonly SignatureMatch[] {
    const cached = this.addressCache.get(ip)
    if (cached) return cached
    const value: AddressValue | undefined = addressValue(ip)
    // Once per distinct address, and mostly before the optimiser has compiled this: indexed
    // loops over arrays (a for-of over the Map made an iterator and an entry per prefix, ~1 KB
    // per address), no arrays when nothing matches (most addresses).
    let hits: CompiledRange[] | undefined
    if (value?.version === 4) {
      const {masks, nets} = this.prefixTable4()
      for (let i = 0; i < masks.length; i++) {
        const list = nets[i]!.get((value.v4 & masks[i]!) >>> 0)
        if (list) (hits ??= []).push(...list)
      }
    } else if (value?.version === 6) {
      for (let i = 0; i < this.ranges6.length; i++) if (cidrContains(this.ranges6[i]!.range, value)) (hits ??= []).push(this.ranges6[i]!)
    }
    let out: readonly SignatureMatch[] = NO_MATCHES
    if (hits) {
      hits.sort((a, b) => b.range.prefixLength - a.range.prefixLength || this.order(a.app) - this.order(b.app))
      out = hits.map((r) => ({app: r.app, kind: 'range' as const, pattern: r.range.text, confidence: entryConfidence(r.entry), entry: r.entry}))
    }
    if (this.addressCache.size < 100_000) this.addressCache.set(ip, out)
    return out
  }

  /** rangesByPrefix4 as arrays, in the Map's order: each prefix's mask and its networks. */
  private prefixTable4(): {masks: number[]; nets: Map<number, CompiledRange[]>[]} {
    if (!this.prefixes4) {
      const masks: number[] = []
      const nets: Map<number, CompiledRange[]>[] = []
      for (const [prefix, byNet] of this.rangesByPrefix4) {
        masks.push(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0)
        nets.push(byNet)
      }
      this.prefixes4 = {masks, nets}
    }
    return this.prefixes4
  }

  /**
   * The organisation a name reveals (`ministry.zoom.us` → ministry), or undefined for the
   * service's own infrastructure names and names that are not exactly one label below a
   * tenant suffix.
   */
  tenantOf(raw: string): TenantMatch | undefined {
    return this.tenantMemo(raw)
  }

  private scanTenants(raw: string): TenantMatch | undefined {
    const name = normalizeName(raw)
    if (!name) return undefined
    for (const t of this.tenants) {
      const suffix = t.rule.suffix
      if (name.length <= suffix.length + 1 || !hasSuffix(name, suffix)) continue
      let label = name.slice(0, name.length - suffix.length - 1)
      if (label.includes('.') || label.includes('*')) return undefined
      for (const strip of t.rule.stripSuffixes ?? []) {
        if (label.endsWith(strip) && label.length > strip.length) {
          label = label.slice(0, -strip.length)
          break
        }
      }
      if (!/^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/.test(label)) return undefined
      if (t.exclude.some((r) => r.test(label))) return undefined
      return {app: t.app, org: label, suffix, rule: t.rule}
    }
    return undefined
  }

  /** The first role hint whose pattern matches the name: an app's own hints before the global ones. */
  roleHintOf(raw: string): RoleHintMatch | undefined {
    return this.hintMemo(raw)
  }

  private scanHints(raw: string): RoleHintMatch | undefined {
    const name = normalizeName(raw)
    if (!name) return undefined
    for (const h of this.hints) if (h.regex.test(name)) return {role: h.hint.role, app: h.app, pattern: h.pattern, hint: h.hint}
    return undefined
  }
}

/** Validate a parsed document and compile it; InputError listing every problem otherwise. */
export function parseSignatures(doc: unknown, file = '(inline)'): Signatures {
  const problems = signatureProblems(doc)
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).join('; ')
    const more = problems.length > 20 ? ` (and ${problems.length - 20} more)` : ''
    throw new InputError(`invalid signature file: ${shown}${more}`, file)
  }
  return new Signatures(doc as SignatureFile, file)
}

/** Where the bundled signatures.json is: beside this module (src/apps, or dist/src/apps when a
 * build copies it), else in the package's src/apps. */
export function defaultSignaturesPath(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'signatures.json')]
  // dist/src/apps → <root>/src/apps
  candidates.push(join(here, '..', '..', '..', 'src', 'apps', 'signatures.json'))
  for (const c of candidates) if (existsSync(c)) return c
  throw new InputError('bundled signature file src/apps/signatures.json not found', candidates[0])
}

/** Read, validate and compile a signature file (the bundled one by default). */
export function loadSignatures(path?: string): Signatures {
  const file = path ?? defaultSignaturesPath()
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new InputError(`cannot read signature file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new InputError(`signature file is not valid JSON: ${(e as Error).message}`, file)
  }
  return parseSignatures(doc, file)
}

let bundled: Signatures | undefined

/** The bundled signatures, loaded once. */
export function defaultSignatures(): Signatures {
  bundled ??= loadSignatures()
  return bundled
}
