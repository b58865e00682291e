import {type ProxiedDestination, proxiedDestinations} from '../../analysis/proxied-destinations.js'
import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {type CheckContext, finding, isCallFlow, quote} from '../context.js'
import {hostPort} from '../../util/ip-text.js'

const MAX_EVIDENCE_FLOWS = 10
const MAX_NAMES_SHOWN = 6

/**
 * CA-GEO-006: call traffic through an explicit proxy (HTTP CONNECT or SOCKS). The capture holds
 * the hop to the proxy only: the servers the names stand for were reached from the proxy's
 * network, so where the call went next cannot be judged from it. One finding per proxy, listing
 * what was asked of it; a proxy abroad is judged as an endpoint as well (CA-GEO-001).
 */
export function throughProxy(ctx: CheckContext): Finding[] {
  const byProxy = new Map<string, {ip: string; port: number; flows: ReportFlow[]; asked: ProxiedDestination[][]}>()
  // A flow with both (HTTP through SOCKS) is in both lists: it is taken once.
  const seen = new Set<number>()
  for (const protocol of ['http', 'socks'] as const) {
    const flows = ctx.flowsByProtocol.get(protocol) ?? []
    for (let i = 0; i < flows.length; i++) {
      const flow = flows[i]!
      if (seen.has(flow.id) || !isCallFlow(flow)) continue
      const asked = proxiedDestinations(flow)
      if (asked.length === 0) continue
      seen.add(flow.id)
      const key = `${flow.server.ip}|${flow.server.port}`
      let proxy = byProxy.get(key)
      if (!proxy) byProxy.set(key, (proxy = {ip: flow.server.ip, port: flow.server.port, flows: [], asked: []}))
      proxy.flows.push(flow)
      proxy.asked.push(asked)
    }
  }
  const out: Finding[] = []
  for (const proxy of [...byProxy.values()].sort((a, b) => a.flows[0]!.id - b.flows[0]!.id)) {
    const kinds = [...new Set(proxy.asked.flat().map((d) => d.kind))].join(' and ')
    const names = [...new Set(proxy.asked.flat().map((d) => d.destination))].sort()
    const apps = [...new Set(proxy.flows.map((f) => f.app).filter((a): a is string => a !== null))].sort()
    const e = ctx.endpointByIp.get(proxy.ip)
    const where = !e || e.judgement.verdict === 'local' ? 'an address of the local network' : e.geo?.country ? `located in ${e.geo.country}` : 'of unknown location'
    const n = proxy.flows.length
    const shown = names.slice(0, MAX_NAMES_SHOWN).map(quote).join(', ') + (names.length > MAX_NAMES_SHOWN ? ` and ${names.length - MAX_NAMES_SHOWN} more` : '')
    const detail =
      `${n} call flow${n > 1 ? 's' : ''}${apps.length ? ` of ${apps.join(', ')}` : ''} went through the ${kinds} proxy ${hostPort(proxy.ip, proxy.port)} (${where}), asking it for ${shown}. ` +
      `This capture holds only the hop to the proxy: the servers behind these names were reached from the proxy's network, so where the call went from there is not in it. ` +
      `Judge those servers where the proxy is (its logs, or a capture on its outside interface) before saying where the call went.`
    const evidence: FindingEvidence[] = []
    for (let k = 0; k < n && k < MAX_EVIDENCE_FLOWS; k++) {
      const f = proxy.flows[k]!
      const first = proxy.asked[k]![0]!
      evidence.push({description: `${first.kind} ${quote(first.destination)} on flow #${f.id} (${f.role}${f.app ? `, ${f.app}` : ''})`, frame: first.evidence.frame, capture: first.evidence.capture, time: first.evidence.time, flowId: f.id})
    }
    out.push(finding('CA-GEO-006', undefined, detail, evidence, proxy.flows.map((f) => f.id), proxy.ip))
  }
  return out
}
