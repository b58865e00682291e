/**
 * Every name a machine gave away on the LAN, from both analyzers that read them: the LAN
 * analyzer (DHCP, DHCPv6, NBNS, SSDP) and the DNS analyzer for mDNS and LLMNR (the same wire
 * format as DNS, parsed once, by the DNS module). One entry per (source, kind, name), at the
 * first frame it was seen; sorted, so the output is deterministic.
 *
 * Input is the per-flow facts of `collectFlows` (or the same read back from JSON): shapes are
 * checked, anything unexpected is skipped.
 */
import type {Evidence} from '../analyzer.js'

export type LanNameKind =
  | 'hostname' // a machine's own name (DHCP option 12, mDNS/LLMNR host records)
  | 'fqdn' // DHCP client FQDN
  | 'vendor-class' // DHCP vendor class: OS or device family
  | 'service-instance' // mDNS service instance: "Alice's iPhone._companion-link._tcp.local"
  | 'query' // a name looked up by multicast (mDNS/LLMNR question)
  | 'netbios' // a NetBIOS name with its suffix: `DESKTOP-1<00>`, `WORKGROUP<1e>`
  | 'product' // SSDP SERVER / USER-AGENT

export interface LanName {
  source: 'dhcp' | 'dhcpv6' | 'mdns' | 'llmnr' | 'nbns' | 'ssdp'
  kind: LanNameKind
  name: string
  /** The flow it was seen on. */
  flowId: number
  evidence: Evidence
}

const MAX_NAMES = 4096

function isEvidence(v: unknown): v is Evidence {
  if (!v || typeof v !== 'object') return false
  const e = v as Record<string, unknown>
  return typeof e['frame'] === 'number' && typeof e['capture'] === 'number' && typeof e['time'] === 'string'
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : []
}

/** `_service._tcp.local`-style owner: a service type, whose PTR data are instance names. */
function isServiceType(name: string): boolean {
  return /(^|\.)_[^.]+\._(tcp|udp)\.[^.]+$/i.test(name) && !/^[^_]/.test(name)
}

function isReverse(name: string): boolean {
  return /\.(in-addr|ip6)\.arpa$/i.test(name)
}

export function lanNames(facts: Map<number, Record<string, unknown>>): LanName[] {
  const found = new Map<string, LanName>()
  const add = (source: LanName['source'], kind: LanNameKind, name: string | null, flowId: number, evidence: Evidence) => {
    if (!name || found.size >= MAX_NAMES) return
    const key = `${source}\u0000${kind}\u0000${name}`
    const known = found.get(key)
    // Keep the earliest sighting (captures in order, then frames).
    if (known && (known.evidence.capture < evidence.capture || (known.evidence.capture === evidence.capture && known.evidence.frame <= evidence.frame))) return
    found.set(key, {source, kind, name, flowId, evidence})
  }
  for (const [flowId, flowFacts] of facts) {
    const dns = flowFacts?.['dns'] as Record<string, unknown> | undefined
    if (dns && (dns['service'] === 'mdns' || dns['service'] === 'llmnr')) {
      const source = dns['service']
      for (const m of list(dns['messages'])) {
        if (!isEvidence(m['evidence'])) continue
        const e = m['evidence']
        if (m['response'] !== true) {
          for (const q of list(m['questions'])) {
            const name = str(q['name'])
            // Service browsing (`_airplay._tcp.local`, subtypes) names no machine: skip it.
            if (name && !isReverse(name) && !/(^|\.)_[^.]*\._(tcp|udp)(\.|$)/i.test(name) && !name.startsWith('_')) add(source, 'query', name, flowId, e)
          }
          continue
        }
        for (const r of list(m['records'])) {
          const owner = str(r['name'])
          const data = str(r['data'])
          const type = r['type']
          if ((type === 1 || type === 28) && owner) add(source, 'hostname', owner, flowId, e)
          else if (type === 12 && owner && data && isServiceType(owner) && !data.startsWith('_')) add(source, 'service-instance', data, flowId, e)
          else if (type === 12 && owner && data && isReverse(owner)) add(source, 'hostname', data, flowId, e)
          else if (type === 33 && data) add(source, 'hostname', data.split(' ')[3] ?? null, flowId, e)
        }
      }
    }
    const lan = flowFacts?.['lan'] as Record<string, unknown> | undefined
    if (!lan) continue
    const service = lan['service']
    for (const m of list(lan['messages'])) {
      if (!isEvidence(m['evidence'])) continue
      const e = m['evidence']
      if (service === 'dhcp' || service === 'dhcpv6') {
        add(service, 'hostname', str(m['hostname']), flowId, e)
        add(service, 'fqdn', str(m['clientFqdn']), flowId, e)
        add(service, 'vendor-class', str(m['vendorClass']), flowId, e)
      } else if (service === 'nbns') {
        for (const n of list(m['names'])) {
          const name = str(n['name'])
          add('nbns', 'netbios', name && `${name}<${String(n['suffix'])}>`, flowId, e)
        }
      } else if (service === 'ssdp') {
        add('ssdp', 'product', str(m['server']), flowId, e)
        add('ssdp', 'product', str(m['userAgent']), flowId, e)
      }
    }
  }
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)
  return [...found.values()].sort((a, b) => order(a.source, b.source) || order(a.kind, b.kind) || order(a.name, b.name))
}
