import {describe, expect, it} from 'vitest'
import {buildEndpoints} from '../../src/analysis/endpoints.js'
import {GeoResolver} from '../../src/geo/resolver.js'
import {defaultPolicy} from '../../src/policy/policy.js'
import type {ReportFlow} from '../../src/report/report-model.js'

/** A report flow to `remote` with only what buildEndpoints reads. */
function flow(id: number, remote: string, role: string, app: string | null, bytes = 100): ReportFlow {
  return {
    id,
    firstFrame: id * 10,
    packets: {toServer: 2, toClient: 1},
    bytes: {toServer: bytes, toClient: 0},
    role,
    app,
    remote: {ip: remote, port: 443},
  } as unknown as ReportFlow
}

describe('buildEndpoints', () => {
  const resolver = new GeoResolver([])

  it('gathers every flow of an address: its ids, roles by weight, apps sorted, counters summed', () => {
    const flows = [
      flow(1, '203.0.113.7', 'web', null),
      flow(2, '198.51.100.1', 'dns', null),
      flow(3, '203.0.113.7', 'media', 'zoom'),
      flow(4, '203.0.113.7', 'control', 'teams'),
      flow(5, '203.0.113.7', 'media', 'zoom'),
    ]
    const names = new Map([['203.0.113.7', new Set(['b.example', 'a.example'])]])
    const [busy, lone] = buildEndpoints(flows, resolver, defaultPolicy(), names)
    expect(busy).toMatchObject({ip: '203.0.113.7', flowIds: [1, 3, 4, 5], roles: ['media', 'control', 'web'], apps: ['teams', 'zoom'], names: ['a.example', 'b.example'], packets: 12, bytes: 400, firstFrame: 10})
    expect(lone).toMatchObject({ip: '198.51.100.1', flowIds: [2], roles: ['dns'], apps: [], names: [], packets: 3, bytes: 100, firstFrame: 20})
  })

  it('gives each endpoint lists of its own: filling one leaves the others as they were', () => {
    const [a, b] = buildEndpoints([flow(1, '203.0.113.1', 'web', null, 200), flow(2, '203.0.113.2', 'web', null)], resolver, defaultPolicy(), new Map())
    // Lists an endpoint starts without (names, apps) may be shared until filled, never written.
    expect(() => a!.names.push('x')).toThrow()
    a!.names = ['x']
    a!.apps = ['zoom']
    expect(b!.names).toEqual([])
    expect(b!.apps).toEqual([])
  })
})
