/**
 * Recognising and checking a JSON report written by `callaudit analyze --json` before the diff
 * trusts its fields. A report file may be hand-edited, truncated or something else entirely:
 * every problem becomes one InputError naming the file and the first field that is wrong.
 * Only the fields the diff reads are checked.
 */
import {InputError} from '../errors.js'
import {isSeverity} from '../policy/policy.js'
import type {Report} from '../report/report-model.js'

type Check = (value: unknown) => boolean

const isString: Check = (v) => typeof v === 'string'
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const stringList: Check = (v) => Array.isArray(v) && v.every(isString)
const numberList: Check = (v) => Array.isArray(v) && v.every(isNumber)
const optional = (check: Check): Check => (v) => v === undefined || check(v)
const nullable = (check: Check): Check => (v) => v === null || check(v)
const oneOf = (...values: string[]): Check => (v) => typeof v === 'string' && values.includes(v)
/** An object of strings: rule id → severity. (A value of another type would reach a template
 * string: a deeply nested array there overflows the stack when it is joined.) */
const stringRecord: Check = (v) => isObject(v) && Object.values(v).every(isString)

/** Field name → check, for one object. */
type Shape = Record<string, Check>

const GEO: Shape = {country: optional(isString), registeredCountry: optional(isString), asn: optional(isNumber), asOrg: optional(isString), city: optional(isString)}

const SHAPES = {
  report: {captures: Array.isArray, databases: Array.isArray, policy: isObject, vantage: isObject, apps: Array.isArray, tenants: Array.isArray, endpoints: Array.isArray, findings: Array.isArray, summary: isObject},
  capture: {path: isString},
  database: {id: isString, buildDate: isString},
  policy: {home: stringList, allow: stringList, deny: stringList, failOn: isString, homeState: oneOf('set', 'inferred', 'unjudged'), suppressions: Array.isArray, severityOverrides: stringRecord},
  suppression: {match: isString, reason: isString},
  vantage: {country: nullable(isString), publicAddresses: Array.isArray},
  publicAddress: {ip: isString},
  app: {app: isString, displayName: isString, confidence: isString, evidence: Array.isArray, flowIds: numberList},
  appEvidence: {kind: isString, flowIds: optional(numberList), via: optional(stringList)},
  tenant: {app: isString, org: isString, flowIds: numberList},
  endpoint: {ip: isString, names: stringList, roles: stringList, apps: stringList, bytes: isNumber, geo: nullable(isObject), judgement: isObject},
  judgement: {verdict: isString},
  finding: {ruleId: isString, severity: isSeverity, title: isString, detail: isString, evidence: Array.isArray, flowIds: numberList, endpoint: optional(isString), suppressed: optional(isObject)},
  evidence: {description: isString, frame: optional(isNumber), capture: optional(isNumber)},
  findingSuppression: {reason: isString, rule: isString},
  summary: {verdict: isString, findings: isObject, suppressed: isNumber, countries: Array.isArray},
  country: {country: isString, bytes: isNumber, share: isNumber, roles: stringList, endpoints: isNumber, verdict: isString},
} satisfies Record<string, Shape>

class ShapeError extends Error {}

function check(value: unknown, shape: Shape, where: string): Record<string, unknown> {
  if (!isObject(value)) throw new ShapeError(`${where || 'the document'} is not an object`)
  for (const [field, ok] of Object.entries(shape)) {
    if (!ok(value[field])) throw new ShapeError(`${where ? `${where}.` : ''}${field} is missing or of the wrong type`)
  }
  return value
}

function each(list: unknown, shape: Shape, where: string, inner?: (item: Record<string, unknown>, at: string) => void): void {
  ;(list as unknown[]).forEach((item, i) => {
    const at = `${where}[${i}]`
    const object = check(item, shape, at)
    inner?.(object, at)
  })
}

/** Whether parsed JSON claims to be a callaudit report (schemaVersion and tool name). */
function claimsReport(value: unknown): value is Record<string, unknown> {
  return isObject(value) && isObject(value['tool']) && value['tool']['name'] === 'callaudit' && 'schemaVersion' in value
}

/**
 * The Report in `text`, or an InputError naming `file`: not JSON, not a callaudit report, an
 * unsupported schema version, or a field the diff needs missing or of the wrong type.
 */
export function parseReport(text: string, file: string): Report {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new InputError(`not a callaudit JSON report: not valid JSON (${(error as Error).message})`, file)
  }
  if (!claimsReport(value)) throw new InputError('not a callaudit JSON report (expected the output of callaudit analyze --json)', file)
  if (value['schemaVersion'] !== 1) throw new InputError(`callaudit report schemaVersion ${JSON.stringify(value['schemaVersion'])} is not supported (this callaudit reads 1)`, file)
  if (value['kind'] === 'diff') throw new InputError('this is a callaudit diff, not a report (expected the output of callaudit analyze --json)', file)
  try {
    checkReport(value)
  } catch (error) {
    if (error instanceof ShapeError) throw new InputError(`not a usable callaudit analyze report: ${error.message}`, file)
    throw error
  }
  return value as unknown as Report
}

function checkReport(value: Record<string, unknown>): void {
  check(value, SHAPES.report, '')
  check(value['tool'], {version: isString}, 'tool')
  each(value['captures'], SHAPES.capture, 'captures')
  each(value['databases'], SHAPES.database, 'databases')
  const policy = check(value['policy'], SHAPES.policy, 'policy')
  each(policy['suppressions'], SHAPES.suppression, 'policy.suppressions')
  const vantage = check(value['vantage'], SHAPES.vantage, 'vantage')
  each(vantage['publicAddresses'], SHAPES.publicAddress, 'vantage.publicAddresses')
  each(value['apps'], SHAPES.app, 'apps', (app, at) => each(app['evidence'], SHAPES.appEvidence, `${at}.evidence`))
  each(value['tenants'], SHAPES.tenant, 'tenants')
  each(value['endpoints'], SHAPES.endpoint, 'endpoints', (endpoint, at) => {
    if (endpoint['geo'] !== null) check(endpoint['geo'], GEO, `${at}.geo`)
    check(endpoint['judgement'], SHAPES.judgement, `${at}.judgement`)
  })
  each(value['findings'], SHAPES.finding, 'findings', (finding, at) => {
    each(finding['evidence'], SHAPES.evidence, `${at}.evidence`)
    if (finding['suppressed'] !== undefined) check(finding['suppressed'], SHAPES.findingSuppression, `${at}.suppressed`)
  })
  const summary = check(value['summary'], SHAPES.summary, 'summary')
  each(summary['countries'], SHAPES.country, 'summary.countries')
}
