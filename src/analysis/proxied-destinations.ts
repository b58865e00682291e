import type {Evidence} from '../protocols/analyzer.js'
import type {FlowRecord} from '../flows/flow-records.js'
import {factsOf} from './flow-facts.js'

/** A destination a flow asked an explicit proxy for: `host:port` as sent, and where. */
export interface ProxiedDestination {
  kind: 'HTTP CONNECT' | 'SOCKS'
  destination: string
  /** The packet that carried the request. */
  evidence: Evidence
}

/**
 * What the flow asked an explicit proxy for: HTTP CONNECT requests (RFC 9110 §9.3.6, an
 * authority-form target `host:port`) and a SOCKS request (RFC 1928 §4, SOCKS4/4a).
 */
export function proxiedDestinations(flow: FlowRecord): ProxiedDestination[] {
  const f = factsOf(flow)
  const out: ProxiedDestination[] = []
  const requests = f.http?.requests
  if (requests) {
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!
      if (r.method === 'CONNECT') out.push({kind: 'HTTP CONNECT', destination: r.target, evidence: r.evidence})
    }
  }
  const socks = f.socks
  if (socks) out.push({kind: 'SOCKS', destination: `${socks.host.includes(':') ? `[${socks.host}]` : socks.host}:${socks.port}`, evidence: socks.request})
  return out
}

/** Whether the flow went through an explicit proxy (what proxiedDestinations lists, without
 * the list: asked once per flow of the report). */
export function throughProxy(flow: FlowRecord): boolean {
  const f = factsOf(flow)
  if (f.socks) return true
  const requests = f.http?.requests
  if (requests) for (let i = 0; i < requests.length; i++) if (requests[i]!.method === 'CONNECT') return true
  return false
}
