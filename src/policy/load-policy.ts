/**
 * Reading the policy: command-line flags over the policy file (`--policy FILE`, else
 * callaudit.yml or callaudit.yaml in the working directory) over the defaults (fail on high,
 * no home). Every problem is a PolicyInputError naming the file and line, or the flag.
 * The file schema is documented in docs/policy.md.
 */
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join, resolve} from 'node:path'
import type * as Yaml from 'yaml'
import type {Document, LineCounter, Node as YamlNode} from 'yaml'
import {CountryTokenError, expandCountryList, splitCountryText, type CountryList} from './countries.js'
import {compileHostGlob} from './host-glob.js'
import {formatCidr, formatIp, parseCidr, parseIpAddress} from './ip-match.js'
import {
  APPS,
  defaultPolicy,
  FAIL_ON_VALUES,
  isFailOn,
  isSeverity,
  policyAppId,
  ROLES,
  SEVERITIES,
  type AppId,
  type CountryRule,
  type FailOn,
  type Origin,
  type Policy,
  type Role,
  type RoleRule,
  type Severity,
  type Suppression,
  type SuppressionMatch,
} from './policy.js'
import {PolicyInputError} from './policy-error.js'
import {editDistance} from '../util/edit-distance.js'

// The yaml package (~70 CommonJS modules) is loaded only when a policy file is read: most runs
// have none, and loading it cost every run ~20 ms of startup. require() (the same module
// instance `import` gives under Node) keeps loadPolicy synchronous.
const require = createRequire(import.meta.url)
let yamlModule: typeof Yaml | undefined
function yaml(): typeof Yaml {
  return (yamlModule ??= require('yaml') as typeof Yaml)
}
const isAlias = ((node) => yaml().isAlias(node)) as typeof Yaml.isAlias
const isMap = ((node) => yaml().isMap(node)) as typeof Yaml.isMap
const isScalar = ((node) => yaml().isScalar(node)) as typeof Yaml.isScalar
const isSeq = ((node) => yaml().isSeq(node)) as typeof Yaml.isSeq

/** The parsed values of the policy flags (see flags.ts). */
export interface PolicyFlagValues {
  home?: string
  allow?: string
  deny?: string
  'fail-on'?: string
  policy?: string
}

export interface LoadPolicyOptions {
  /** Where callaudit.yml is looked for and --policy is resolved (default: process.cwd()). */
  cwd?: string
}

/** Names picked up in the working directory when --policy is not given. */
export const POLICY_FILE_NAMES = ['callaudit.yml', 'callaudit.yaml'] as const

export const FILE_KEYS = ['version', 'home', 'allow', 'deny', 'fail-on', 'roles', 'apps', 'suppressions', 'severity-overrides'] as const
const ROLE_KEYS = ['allow', 'deny', 'severity'] as const
const APP_KEYS = ['allow', 'deny'] as const
const SUPPRESSION_KEYS = ['match', 'reason', 'rules'] as const
const MATCH_KEYS = ['address', 'cidr', 'host', 'asn'] as const

/** Words people use for a key, mapped to the key callaudit expects (suggestions only). */
const SYNONYMS: Record<string, string> = {
  failon: 'fail-on',
  severity: 'severity-overrides',
  severities: 'severity-overrides',
  overrides: 'severity-overrides',
  suppress: 'suppressions',
  suppression: 'suppressions',
  ignore: 'suppressions',
  signalling: 'control',
  signaling: 'control',
  signal: 'control',
  turn: 'relay',
  stun: 'relay',
  tunnel: 'vpn',
  openvpn: 'vpn',
  ipsec: 'vpn',
  wireguard: 'vpn',
  rtp: 'media',
  srtp: 'media',
  audio: 'media',
  video: 'media',
  logging: 'telemetry',
  analytics: 'telemetry',
  http: 'web',
  https: 'web',
  content: 'web',
  mdns: 'lan',
  local: 'lan',
  skype: 'teams',
  msteams: 'teams',
  microsoftteams: 'teams',
  googlemeet: 'meet',
  '8x8': 'jitsi',
  ip: 'address',
  addr: 'address',
  network: 'cidr',
  prefix: 'cidr',
  subnet: 'cidr',
  range: 'cidr',
  hostname: 'host',
  domain: 'host',
  name: 'host',
  sni: 'host',
  as: 'asn',
  why: 'reason',
  comment: 'reason',
  rule: 'rules',
}

/** The file's contents, validated: what the file sets, with lines. */
export interface PolicyFile {
  file: string
  home?: {list: CountryList; line: number}
  allow?: {list: CountryList; line: number}
  deny?: {list: CountryList; line: number}
  failOn?: {value: FailOn; line: number}
  roles?: {value: Partial<Record<Role, RoleRule>>; line: number}
  apps?: {value: Partial<Record<AppId, CountryRule>>; line: number}
  suppressions?: {value: Suppression[]; line: number}
  severityOverrides?: {value: Record<string, Severity>; line: number}
  /** Tokens as written for role and app lists (`roles.media.allow` → [...]). */
  specs: Record<string, string[]>
  notes: string[]
  /** Line of each rule id named (`severity-overrides.<id>`, `suppressions.<i>.rules.<id>`). */
  lines: Record<string, number>
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * The policy in effect: flags over the file over the defaults. The file is `--policy FILE`
 * (resolved against cwd; must exist), else callaudit.yml / callaudit.yaml in cwd if present.
 */
export function loadPolicy(flags: PolicyFlagValues, options: LoadPolicyOptions = {}): Policy {
  const cwd = options.cwd ?? process.cwd()
  let file: PolicyFile | undefined
  if (flags.policy !== undefined) {
    if (flags.policy.trim() === '') throw new PolicyInputError('--policy needs a file name')
    file = readPolicyFile(resolve(cwd, flags.policy), flags.policy)
  } else {
    const found = findPolicyFile(cwd)
    if (found !== undefined) file = readPolicyFile(join(cwd, found), found)
  }
  return policyFromSources(flags, file)
}

/** The policy from flag values and an already-parsed file (no file system access). */
export function policyFromSources(flags: PolicyFlagValues, file: PolicyFile | undefined): Policy {
  return mergePolicy(parsePolicyFlags(flags), file)
}

/** callaudit.yml or callaudit.yaml in dir (the name), undefined when neither; both is an error. */
export function findPolicyFile(dir: string): string | undefined {
  const present = POLICY_FILE_NAMES.filter((name) => existsSync(join(dir, name)))
  if (present.length > 1) {
    throw new PolicyInputError(`both ${present.join(' and ')} are in the working directory: keep one, or choose with --policy`)
  }
  return present[0]
}

/** Read and validate a policy file; `display` is the name used in messages. */
export function readPolicyFile(path: string, display: string): PolicyFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new PolicyInputError(`cannot read the policy file: ${why}`, display)
  }
  return parsePolicyText(text, display)
}

// ---------------------------------------------------------------------------------------------
// Flags

interface FlagLayer {
  home?: CountryList
  allow?: CountryList
  deny?: CountryList
  failOn?: FailOn
}

function parsePolicyFlags(flags: PolicyFlagValues): FlagLayer {
  const layer: FlagLayer = {}
  for (const name of ['home', 'allow', 'deny'] as const) {
    const value = flags[name]
    if (value === undefined) continue
    const tokens = splitCountryText(value)
    try {
      layer[name] = expandCountryList(tokens)
    } catch (error) {
      if (error instanceof CountryTokenError) throw new PolicyInputError(error.describe(`--${name}`))
      throw error
    }
    if (name === 'home' && layer.home!.codes.length === 0) {
      throw new PolicyInputError('--home needs a country code or group (e.g. --home DE or --home EU)')
    }
  }
  const failOn = flags['fail-on']
  if (failOn !== undefined) {
    const value = failOn.trim().toLowerCase()
    if (!isFailOn(value)) throw new PolicyInputError(`unknown severity "${failOn}" in --fail-on (expected ${orList(FAIL_ON_VALUES)})`)
    layer.failOn = value
  }
  return layer
}

// ---------------------------------------------------------------------------------------------
// Merge

function mergePolicy(flags: FlagLayer, file: PolicyFile | undefined): Policy {
  const policy = defaultPolicy()
  const notes: string[] = []
  const note = (text: string): void => {
    if (!notes.includes(text)) notes.push(text)
  }
  if (file) policy.source.file = file.file
  const fileOrigin = (line: number): Origin => ({from: 'file', file: file!.file, line})

  for (const name of ['home', 'allow', 'deny'] as const) {
    const fromFlag = flags[name]
    const fromFile = file?.[name]
    if (fromFlag) {
      policy[name] = fromFlag.codes
      policy.specs[name] = fromFlag.spec
      policy.source[name] = {from: 'flag', flag: `--${name}`}
      fromFlag.notes.forEach(note)
      if (fromFile) note(`--${name} replaces ${name} from ${file!.file} (${fromFile.list.spec.join(', ') || 'empty'})`)
    } else if (fromFile) {
      policy[name] = fromFile.list.codes
      policy.specs[name] = fromFile.list.spec
      policy.source[name] = fileOrigin(fromFile.line)
      fromFile.list.notes.forEach(note)
    }
  }
  if (flags.failOn !== undefined) {
    policy.failOn = flags.failOn
    policy.source.failOn = {from: 'flag', flag: '--fail-on'}
    if (file?.failOn) note(`--fail-on replaces fail-on from ${file.file} (${file.failOn.value})`)
  } else if (file?.failOn) {
    policy.failOn = file.failOn.value
    policy.source.failOn = fileOrigin(file.failOn.line)
  }
  if (file) {
    file.notes.forEach(note)
    if (file.roles) {
      policy.roles = file.roles.value
      policy.source.roles = fileOrigin(file.roles.line)
    }
    if (file.apps) {
      policy.apps = file.apps.value
      policy.source.apps = fileOrigin(file.apps.line)
    }
    if (file.suppressions) {
      policy.suppressions = file.suppressions.value
      policy.source.suppressions = fileOrigin(file.suppressions.line)
    }
    if (file.severityOverrides) {
      policy.severityOverrides = file.severityOverrides.value
      policy.source.severityOverrides = fileOrigin(file.severityOverrides.line)
    }
    Object.assign(policy.specs, file.specs)
    if (Object.keys(file.lines).length > 0) policy.source.lines = file.lines
  }
  const deniedHome = policy.home.filter((c) => policy.deny.includes(c))
  if (deniedHome.length > 0) note(`deny takes ${deniedHome.join(', ')} out of home`)
  const deniedAllowed = policy.allow.filter((c) => policy.deny.includes(c))
  if (deniedAllowed.length > 0) note(`${deniedAllowed.join(', ')} both allowed and denied: deny wins`)
  policy.notes = notes
  policy.specs = sortKeys(policy.specs)
  if (file) {
    const {file: name, ...rest} = policy.source
    policy.source = {file: name, ...rest}
  }
  return policy
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * Check that every rule id the policy names (severity-overrides, suppression rules) exists;
 * throws a PolicyInputError with the file line of the first unknown one.
 */
export function checkRuleIds(policy: Policy, known: Iterable<string>): void {
  const ids = [...known]
  const set = new Set(ids)
  const lines = policy.source.lines ?? {}
  const named: Array<[string, string, string]> = [
    ...Object.keys(policy.severityOverrides).map((id): [string, string, string] => [id, 'severity-overrides', `severity-overrides.${id}`]),
    ...policy.suppressions.flatMap((s, i) => (s.rules ?? []).map((id): [string, string, string] => [id, `suppression ${i + 1} rules`, `suppressions.${i}.rules.${id}`])),
  ]
  for (const [id, where, path] of named) {
    if (set.has(id)) continue
    const near = closest(id, ids)
    throw new PolicyInputError(`unknown rule id "${id}" in ${where}${near ? ` (did you mean ${near}?)` : ''}`, policy.source.file, lines[path])
  }
}

// ---------------------------------------------------------------------------------------------
// The file

/** Validate policy YAML text. `file` names it in messages. */
export function parsePolicyText(text: string, file: string): PolicyFile {
  const {LineCounter, parseDocument} = yaml()
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true, merge: false})
  const reader = new FileReader(file, doc, lineCounter)
  const problem = doc.errors[0] ?? doc.warnings[0]
  if (problem) {
    const line = lineCounter.linePos(problem.pos[0]).line
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new PolicyInputError(`invalid YAML: ${message.charAt(0).toLowerCase()}${message.slice(1)}`, file, line)
  }
  return reader.read()
}

type Pair = {key: YamlNode; value: YamlNode | null; keyText: string}

class FileReader {
  private readonly result: PolicyFile

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {
    this.result = {file, specs: {}, notes: [], lines: {}}
  }

  read(): PolicyFile {
    const root = this.deref(this.doc.contents as YamlNode | null)
    if (root === null || (isScalar(root) && root.value === null)) return this.result
    if (!isMap(root)) this.fail(root, `a policy file is a mapping of keys (${FILE_KEYS.join(', ')}); got ${this.describe(root)}`)
    for (const pair of this.pairs(root, FILE_KEYS, '')) this.topLevel(pair)
    return this.result
  }

  private topLevel({key, value, keyText}: Pair): void {
    const line = this.line(key)
    switch (keyText as (typeof FILE_KEYS)[number]) {
      case 'version': {
        const v = this.deref(value)
        if (!isScalar(v) || v.value !== 1) this.fail(v ?? key, `unsupported version ${v && isScalar(v) ? JSON.stringify(v.value) : this.describe(v)} (this callaudit reads version 1)`)
        return
      }
      case 'home':
      case 'allow':
      case 'deny':
        this.result[keyText as 'home' | 'allow' | 'deny'] = {list: this.countryList(value, keyText, key), line}
        return
      case 'fail-on':
        this.result.failOn = {value: this.severity(value, 'fail-on', key, true) as FailOn, line}
        return
      case 'roles':
        this.result.roles = {value: this.rules(value, key, 'roles', ROLES, ROLE_KEYS), line}
        return
      case 'apps':
        this.result.apps = {value: this.rules(value, key, 'apps', APPS, APP_KEYS), line}
        return
      case 'suppressions':
        this.result.suppressions = {value: this.suppressions(value, key), line}
        return
      case 'severity-overrides':
        this.result.severityOverrides = {value: this.severityOverrides(value, key), line}
        return
    }
  }

  private countryList(node: YamlNode | null, where: string, at: YamlNode): CountryList {
    const value = this.deref(node)
    const tokens: string[] = []
    const lines: number[] = []
    const add = (item: YamlNode): void => {
      if (!isScalar(item) || typeof item.value !== 'string') {
        const quote = isScalar(item) && typeof item.value === 'boolean' && typeof item.source === 'string' ? ` (quote it: "${item.source}")` : ''
        this.fail(item, `${where} lists countries or groups; got ${this.describe(item)}${quote}`)
      }
      for (const token of splitCountryText(item.value)) {
        tokens.push(token)
        lines.push(this.line(item))
      }
    }
    if (value === null || (isScalar(value) && value.value === null)) return {codes: [], spec: [], notes: []}
    if (isSeq(value)) {
      for (const item of value.items) add(this.deref(item as YamlNode) ?? (item as YamlNode))
    } else if (isScalar(value)) {
      add(value)
    } else {
      this.fail(value ?? at, `${where} must be a list of country codes or groups, or a comma-separated string; got ${this.describe(value)}`)
    }
    try {
      return expandCountryList(tokens)
    } catch (error) {
      if (error instanceof CountryTokenError) throw new PolicyInputError(error.describe(where), this.file, lines[error.index])
      throw error
    }
  }

  private severity(node: YamlNode | null, where: string, at: YamlNode, allowNone: boolean): Severity | FailOn {
    const value = this.deref(node)
    const expected = `expected ${orList(allowNone ? FAIL_ON_VALUES : SEVERITIES)}`
    if (!isScalar(value) || typeof value.value !== 'string') {
      this.fail(value ?? at, `${where} must be a severity (${expected}); got ${this.describe(value)}`)
    }
    const text = value.value.trim().toLowerCase()
    if (allowNone ? !isFailOn(text) : !isSeverity(text)) this.fail(value, `unknown severity "${value.value}" in ${where} (${expected})`)
    return text as FailOn
  }

  private rules<K extends string, R extends RoleRule>(node: YamlNode | null, at: YamlNode, kind: 'roles' | 'apps', names: readonly K[], keys: readonly string[]): Partial<Record<K, R>> {
    const value = this.deref(node)
    const out: Partial<Record<K, R>> = {}
    if (value === null || (isScalar(value) && value.value === null)) return out
    const label = kind === 'roles' ? 'role' : 'app'
    if (!isMap(value)) this.fail(value, `${kind} must be a mapping of ${label} names (${names.join(', ')}) to rules; got ${this.describe(value)}`)
    const entries = this.pairs(value, names, kind, label).sort((a, b) => names.indexOf(a.keyText as K) - names.indexOf(b.keyText as K))
    for (const {value: ruleNode, keyText} of entries) {
      const where = `${kind}.${keyText}`
      const rule = this.deref(ruleNode)
      const parsed: RoleRule = {}
      if (rule !== null && !(isScalar(rule) && rule.value === null)) {
        if (!isMap(rule)) this.fail(rule, `${where} must be a mapping with ${orList(keys)}; got ${this.describe(rule)}`)
        for (const item of this.pairs(rule, keys, where)) {
          if (item.keyText === 'severity') {
            parsed.severity = this.severity(item.value, `${where}.severity`, item.key, false) as Severity
          } else {
            const list = this.countryList(item.value, `${where}.${item.keyText}`, item.key)
            parsed[item.keyText as 'allow' | 'deny'] = list.codes
            this.result.specs[`${where}.${item.keyText}`] = list.spec
            for (const n of list.notes) if (!this.result.notes.includes(n)) this.result.notes.push(n)
          }
        }
      }
      out[keyText as K] = orderRule(parsed) as R
    }
    return out
  }

  private suppressions(node: YamlNode | null, at: YamlNode): Suppression[] {
    const value = this.deref(node)
    if (value === null || (isScalar(value) && value.value === null)) return []
    if (!isSeq(value)) this.fail(value ?? at, `suppressions must be a list of entries with match and reason; got ${this.describe(value)}`)
    return value.items.map((raw, index) => this.suppression(this.deref(raw as YamlNode), index))
  }

  private suppression(item: YamlNode | null, index: number): Suppression {
    const where = `suppression ${index + 1}`
    if (item === null || !isMap(item)) this.fail(item, `${where} must be a mapping with match and reason; got ${this.describe(item)}`)
    const line = this.line(item)
    let match: SuppressionMatch | undefined
    let reason: string | undefined
    let rules: string[] | undefined
    for (const {key, value, keyText} of this.pairs(item, SUPPRESSION_KEYS, where)) {
      if (keyText === 'match') match = this.match(value, key, where)
      else if (keyText === 'reason') {
        const r = this.deref(value)
        if (r !== null && !(isScalar(r) && r.value === null) && (!isScalar(r) || typeof r.value !== 'string')) {
          this.fail(r, `${where} reason must be text; got ${this.describe(r)}`)
        }
        reason = r !== null && isScalar(r) && typeof r.value === 'string' ? r.value.replace(/\s+/g, ' ').trim() : ''
        if (reason === '') this.fail(r ?? key, `${where} has an empty reason (say why it is accepted; the report repeats it)`)
      } else {
        rules = this.ruleIds(value, key, `${where} rules`, index)
      }
    }
    if (match === undefined) this.fail(item, `${where} has no match (one of ${orList(MATCH_KEYS)})`)
    if (reason === undefined) this.fail(item, `${where} has no reason (say why it is accepted; the report repeats it)`)
    return {match, reason, ...(rules ? {rules} : {}), origin: {from: 'file', file: this.file, line}}
  }

  private match(node: YamlNode | null, at: YamlNode, where: string): SuppressionMatch {
    const value = this.deref(node)
    if (value === null || !isMap(value)) this.fail(value ?? at, `${where} match must be a mapping with one of ${orList(MATCH_KEYS)}; got ${this.describe(value)}`)
    const pairs = this.pairs(value, MATCH_KEYS, `${where} match`)
    if (pairs.length !== 1) {
      const got = pairs.length === 0 ? 'none' : pairs.map((p) => p.keyText).join(' and ')
      this.fail(value, `${where} must match on exactly one of ${orList(MATCH_KEYS)}; got ${got}`)
    }
    const {keyText, value: raw, key} = pairs[0]!
    const v = this.deref(raw)
    if (keyText === 'asn') {
      const asn = v !== null && isScalar(v) ? parseAsn(v.value) : undefined
      if (asn === undefined) this.fail(v ?? key, `invalid ASN ${this.quote(v)} in ${where} (expected a number such as 8075 or AS8075)`)
      return {asn}
    }
    if (v === null || !isScalar(v) || typeof v.value !== 'string') {
      this.fail(v ?? key, `${where} ${keyText} must be text; got ${this.describe(v)}`)
    }
    const text = v.value.trim()
    if (keyText === 'address') {
      const ip = parseIpAddress(text)
      if (ip === undefined) {
        const hint = text.includes('/') ? ' (a prefix: use cidr:)' : ''
        this.fail(v, `invalid address "${text}" in ${where}${hint}`)
      }
      return {address: formatIp(ip)}
    }
    if (keyText === 'cidr') {
      const parsed = parseCidr(text)
      if ('error' in parsed) this.fail(v, `invalid CIDR "${text}" in ${where} (${parsed.error})`)
      return {cidr: formatCidr(parsed.cidr)}
    }
    const glob = compileHostGlob(text)
    if ('error' in glob) this.fail(v, `invalid host pattern "${text}" in ${where} (${glob.error})`)
    return {host: glob.glob.pattern}
  }

  private ruleIds(node: YamlNode | null, at: YamlNode, where: string, index: number): string[] {
    const value = this.deref(node)
    const items: YamlNode[] = isSeq(value) ? value.items.map((i) => this.deref(i as YamlNode) ?? (i as YamlNode)) : value === null ? [] : [value]
    const ids: string[] = []
    for (const item of items) {
      if (!isScalar(item) || typeof item.value !== 'string') this.fail(item ?? at, `${where} lists rule ids; got ${this.describe(item)}`)
      for (const id of item.value.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
        if (!RULE_ID.test(id)) this.fail(item, `invalid rule id "${id}" in ${where}`)
        if (!ids.includes(id)) ids.push(id)
        this.result.lines[`suppressions.${index}.rules.${id}`] = this.line(item)
      }
    }
    if (ids.length === 0) this.fail(value ?? at, `${where} is empty (leave rules out to suppress every finding)`)
    return ids
  }

  private severityOverrides(node: YamlNode | null, at: YamlNode): Record<string, Severity> {
    const value = this.deref(node)
    if (value === null || (isScalar(value) && value.value === null)) return {}
    if (!isMap(value)) this.fail(value ?? at, `severity-overrides must be a mapping of rule id to severity; got ${this.describe(value)}`)
    const out: Array<[string, Severity]> = []
    for (const item of value.items) {
      const key = this.deref(item.key as YamlNode)
      if (key === null || !isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
        this.fail(key ?? value, `severity-overrides keys are rule ids; got ${this.describe(key)}`)
      }
      const id = String(key.value).trim()
      if (!RULE_ID.test(id)) this.fail(key, `invalid rule id "${id}" in severity-overrides`)
      out.push([id, this.severity(item.value as YamlNode | null, `severity-overrides for ${id}`, key, false) as Severity])
      this.result.lines[`severity-overrides.${id}`] = this.line(key)
    }
    return Object.fromEntries(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }

  // -- helpers --------------------------------------------------------------------------------

  /** The pairs of a mapping, keys checked against the valid ones. */
  private pairs(map: YamlNode, valid: readonly string[], where: string, label = 'key'): Pair[] {
    const out: Pair[] = []
    if (!isMap(map)) return out
    for (const item of map.items) {
      const key = this.deref(item.key as YamlNode)
      if (key === null || !isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
        this.fail(key ?? map, `keys must be plain names; got ${this.describe(key)}`)
      }
      const written = String(key.value)
      const keyText = label === 'app' ? (policyAppId(written) ?? written) : written
      if (out.some((p) => p.keyText === keyText)) this.fail(key, `${label} "${keyText}" appears twice in ${where}`)
      if (!valid.includes(keyText)) {
        const near = SYNONYMS[written.toLowerCase().replace(/[\s_-]/g, '')] ?? closest(written, valid)
        const suggestion = near !== undefined && valid.includes(near) ? `did you mean ${near}? ` : ''
        const inWhere = where === '' ? '' : ` in ${where}`
        const validLabel = label === 'key' ? 'valid keys' : `valid ${label}s`
        this.fail(key, `unknown ${label} "${written}"${inWhere} (${suggestion}${validLabel}: ${valid.join(', ')})`)
      }
      out.push({key, value: item.value as YamlNode | null, keyText})
    }
    return out
  }

  private deref(node: YamlNode | null | undefined): YamlNode | null {
    if (node === null || node === undefined) return null
    if (isAlias(node)) return (node.resolve(this.doc) as YamlNode | undefined) ?? null
    return node
  }

  private line(node: YamlNode | null | undefined): number {
    const offset = node?.range?.[0]
    return offset === undefined ? 1 : this.lineCounter.linePos(offset).line
  }

  private describe(node: YamlNode | null): string {
    if (node === null) return 'nothing'
    if (isMap(node)) return 'a mapping'
    if (isSeq(node)) return 'a list'
    if (isScalar(node)) {
      const v = node.value
      if (v === null) return 'nothing'
      if (typeof v === 'number' || typeof v === 'bigint') return `the number ${String(v)}`
      if (typeof v === 'boolean') return String(v)
      if (typeof v === 'string') return `"${v}"`
    }
    return 'something else'
  }

  private quote(node: YamlNode | null): string {
    return node !== null && isScalar(node) && node.value !== null ? `"${String(node.value)}"` : this.describe(node)
  }

  private fail(node: YamlNode | null | undefined, message: string): never {
    throw new PolicyInputError(message, this.file, this.line(node))
  }
}

/** Rule ids: letters, digits and . _ - / : (e.g. `jurisdiction.media-outside`). */
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/

function parseAsn(value: unknown): number | undefined {
  let text: string
  if (typeof value === 'number') text = String(value)
  else if (typeof value === 'string') text = value.trim().replace(/^as/i, '')
  else return undefined
  if (!/^(0|[1-9]\d{0,9})$/.test(text)) return undefined
  const asn = Number(text)
  return asn <= 4294967295 ? asn : undefined
}

function orderRule(rule: RoleRule): RoleRule {
  const out: RoleRule = {}
  if (rule.allow) out.allow = rule.allow
  if (rule.deny) out.deny = rule.deny
  if (rule.severity) out.severity = rule.severity
  return out
}

function orList(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`
}

/** The candidate within two edits (or sharing a 3+ character prefix), if exactly one is best. */
function closest(text: string, candidates: readonly string[]): string | undefined {
  const lower = text.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  if (best !== undefined && bestDistance <= Math.min(2, Math.floor(best.length / 2))) return best
  if (lower.length >= 3) {
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower))
    if (prefixed.length === 1) return prefixed[0]
  }
  return undefined
}

