import {describe, expect, it} from 'vitest'
import type {AppIdentification} from '../../src/apps/index.js'
import {ascendingUnique, checkContext, finding, flowEvidence, flowsOf, flowsWith, MAX_FINDING_EVIDENCE, quote} from '../../src/findings/context.js'
import {RULES} from '../../src/findings/rules.js'
import {defaultPolicy} from '../../src/policy/policy.js'
import {compareText} from '../../src/report/compare-text.js'
import type {ReportEndpoint, ReportFlow, ReportVantage} from '../../src/report/report-model.js'

function flow(id: number, more: Partial<ReportFlow> = {}): ReportFlow {
  return {
    id,
    capture: 0,
    proto: 'udp',
    ipVersion: 4,
    client: {ip: '192.168.1.2', port: 50000 + id},
    server: {ip: '203.0.113.9', port: 443},
    packets: {toServer: 1, toClient: 1},
    bytes: {toServer: 100, toClient: 100},
    firstFrame: id,
    firstTime: '2025-06-01T00:00:00.000000Z',
    lastTime: '2025-06-01T00:00:01.000000Z',
    durationSeconds: 1,
    role: 'other',
    roleReason: '',
    app: null,
    remote: {ip: '203.0.113.9', port: 443},
    ...more,
  }
}

function endpoint(ip: string, flowIds: number[]): ReportEndpoint {
  return {ip, names: [], roles: [], apps: [], flowIds, packets: 0, bytes: 0, firstFrame: 1, geo: null, judgement: {verdict: 'unknown', reason: ''}}
}

const vantage = {} as ReportVantage
const identification = {} as AppIdentification

describe('checkContext', () => {
  const flows = [
    flow(1, {protocols: {rtp: {}, stun: {}}}),
    flow(2),
    flow(3, {role: 'media', protocols: {http: {}}}),
    flow(4, {app: 'zoom', protocols: {}}),
    flow(5, {role: 'dns', protocols: {rtp: {}}}),
    // A lookup of a meeting service's name, and a LAN broadcast naming the app: no call.
    flow(6, {role: 'dns', app: 'teams'}),
    flow(7, {role: 'lan', app: 'zoom'}),
    flow(8, {role: 'web', app: 'teams'}),
  ]
  const endpoints = [endpoint('203.0.113.9', [5, 1, 3]), endpoint('198.51.100.7', [2, 99])]
  const ctx = checkContext({flows, endpoints, vantage, policy: defaultPolicy(), identification})
  const ids = (list: readonly ReportFlow[]) => list.map((f) => f.id)

  it('lists the flows carrying each protocol, and any, in flow order', () => {
    expect(ids(flowsWith(ctx, 'rtp'))).toEqual([1, 5])
    expect(ids(flowsWith(ctx, 'stun'))).toEqual([1])
    expect(ids(flowsWith(ctx, 'http'))).toEqual([3])
    expect(flowsWith(ctx, 'tls')).toEqual([])
    // An empty protocols object carries no facts.
    expect(ids(ctx.flowsWithFacts)).toEqual([1, 3, 5])
  })

  it('lists call flows by role or app (beyond DNS lookups and LAN discovery), and each endpoint its flows in flowIds order', () => {
    expect(ids(ctx.callFlows)).toEqual([3, 4, 8])
    expect(ids(flowsOf(ctx, endpoints[0]!))).toEqual([5, 1, 3])
    // Ids the report does not hold are left out.
    expect(ids(flowsOf(ctx, endpoints[1]!))).toEqual([2])
    expect(ctx.flowById.get(4)).toBe(flows[3])
    expect(ctx.endpointByIp.get('198.51.100.7')).toBe(endpoints[1])
  })
})

describe('finding', () => {
  it('lists flow ids ascending without repeats, copied, whatever order the check found them in', () => {
    const inOrder = [1, 4, 9]
    expect(ascendingUnique(inOrder)).toEqual([1, 4, 9])
    expect(ascendingUnique(inOrder)).not.toBe(inOrder)
    expect(ascendingUnique([9, 4, 4, 1, 9])).toEqual([1, 4, 9])
    expect(ascendingUnique([1, 1])).toEqual([1])
    expect(ascendingUnique([])).toEqual([])
    expect(finding('CA-META-006', undefined, 'd', [], [7, 3, 7, 10]).flowIds).toEqual([3, 7, 10])
  })

  it(`keeps the first ${MAX_FINDING_EVIDENCE} evidence items`, () => {
    const evidence = Array.from({length: MAX_FINDING_EVIDENCE + 5}, (_, i) => flowEvidence(flow(i + 1), `item ${i}`))
    const f = finding('CA-GEO-001', 'high', 'detail', evidence, [1], '203.0.113.9')
    expect(f.evidence.map((e) => e.description)).toEqual(evidence.slice(0, MAX_FINDING_EVIDENCE).map((e) => e.description))
    expect(f).toMatchObject({ruleId: 'CA-GEO-001', severity: 'high', endpoint: '203.0.113.9'})
  })
})

describe('rule ids', () => {
  it('sort the same by code unit as by localeCompare (runChecks orders findings by code unit)', () => {
    const ids = RULES.map((r) => r.id)
    for (const a of ids) for (const b of ids) expect(Math.sign(compareText(a, b))).toBe(Math.sign(a.localeCompare(b)))
  })
})

describe('quote', () => {
  it('quotes short text whole and cuts long text to 117 units with "..."', () => {
    expect(quote('a "b"')).toBe('"a \\"b\\""')
    expect(quote('x'.repeat(120))).toBe(`"${'x'.repeat(120)}"`)
    expect(quote('x'.repeat(121))).toBe(`"${'x'.repeat(117)}..."`)
  })

  it('cuts between grapheme clusters: no half emoji (written \\ud83d), no accent off its letter', () => {
    // 117 units end inside the 59th emoji and between e and its U+0301.
    const emoji = quote('😀'.repeat(63))
    expect(emoji).toBe(`"${'😀'.repeat(58)}..."`)
    expect(emoji).not.toMatch(/\\ud[89ab]/i)
    expect(quote('e\u0301'.repeat(80))).toBe(`"${'e\u0301'.repeat(58)}..."`)
    expect(quote(`a${'👍🏽'.repeat(40)}`)).toBe(`"a${'👍🏽'.repeat(29)}..."`)
  })
})
