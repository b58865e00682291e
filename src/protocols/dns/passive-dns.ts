/**
 * Passive DNS: which names resolved to which address, from the DNS/mDNS/LLMNR responses seen in
 * the capture, so that a report can name every endpoint even when its own flow carries no SNI.
 *
 * Per response, an address gets the owner name of its A/AAAA record and every name that leads
 * to that owner through the CNAME records of the same response (`www.zoom.us` → CNAME
 * `zoom.us.cdn.example` → A 203.0.113.7 names 203.0.113.7 by both). Records of every section
 * count (glue in the additional section is also a name → address binding). Names are lowercased
 * (ASCII only: DNS compares names case-insensitively, RFC 4343) so 0x20-randomised queries do not
 * duplicate them.
 *
 * Input is the per-flow facts of `collectFlows` (or the same read back from JSON): shapes are
 * checked, anything unexpected is skipped.
 */

/** Names kept per address (the capture decides how many; this is only a safety bound). */
const MAX_NAMES_PER_ADDRESS = 256
/** CNAME steps followed backwards from an address record. */
const MAX_CHAIN = 16

interface RecordLike {
  name: string
  type: number
  data: string
}

function asRecords(value: unknown): RecordLike[] {
  if (!Array.isArray(value)) return []
  const out: RecordLike[] = []
  for (const r of value) {
    if (r && typeof r === 'object') {
      const {name, type, data} = r as Record<string, unknown>
      if (typeof name === 'string' && typeof type === 'number' && typeof data === 'string') out.push({name, type, data})
    }
  }
  return out
}

function lowerAscii(name: string): string {
  // Names are mostly lower case already: no regular expression run (and no copy) for those.
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) return name.replace(/[A-Z]+/g, (s) => s.toLowerCase())
  }
  return name
}

/** Order addresses: IPv4 numerically, then IPv6 by their text (canonical RFC 5952 forms). */
function compareAddresses(a: string, b: string): number {
  const a6 = a.includes(':')
  const b6 = b.includes(':')
  if (a6 !== b6) return a6 ? 1 : -1
  if (!a6) {
    const pa = a.split('.').map(Number)
    const pb = b.split('.').map(Number)
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0)
    return 0
  }
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Names per address from the responses in `facts`. With `wanted`, only those addresses are
 * named: a report names the ends of its flows, and a capture of a busy resolver answers for
 * millions of addresses no flow went to (memory would follow the answers, not the flows).
 */
export function passiveDns(facts: Map<number, Record<string, unknown>>, wanted?: ReadonlySet<string>): Map<string, string[]> {
  const names = new Map<string, Set<string>>()
  const add = (address: string, name: string) => {
    if (name === '.' || name === '') return
    if (wanted && !wanted.has(address)) return
    let set = names.get(address)
    if (!set) names.set(address, (set = new Set()))
    if (set.size < MAX_NAMES_PER_ADDRESS) set.add(name)
  }
  for (const flowFacts of facts.values()) {
    const dns = flowFacts?.['dns'] as Record<string, unknown> | undefined
    if (!dns || typeof dns !== 'object' || !Array.isArray(dns['messages'])) continue
    for (const message of dns['messages'] as unknown[]) {
      if (!message || typeof message !== 'object') continue
      const m = message as Record<string, unknown>
      if (m['response'] !== true) continue
      const records = asRecords(m['records'])
      // target → owners, from this response's CNAME records (most responses have none)
      let aliasesOf: Map<string, string[]> | undefined
      for (const r of records) {
        if (r.type !== 5) continue
        aliasesOf ??= new Map()
        const target = lowerAscii(r.data)
        const list = aliasesOf.get(target) ?? []
        list.push(lowerAscii(r.name))
        aliasesOf.set(target, list)
      }
      for (const r of records) {
        if ((r.type !== 1 && r.type !== 28) || (wanted && !wanted.has(r.data))) continue
        const owner = lowerAscii(r.name)
        if (!aliasesOf) {
          add(r.data, owner)
          continue
        }
        const seen = new Set([owner])
        let frontier = [owner]
        for (let step = 0; step < MAX_CHAIN && frontier.length > 0; step++) {
          const next: string[] = []
          for (const n of frontier) for (const alias of aliasesOf.get(n) ?? []) if (!seen.has(alias)) next.push(alias), seen.add(alias)
          frontier = next
        }
        for (const n of seen) add(r.data, n)
      }
    }
  }
  const out = new Map<string, string[]>()
  for (const address of [...names.keys()].sort(compareAddresses)) out.set(address, [...names.get(address)!].sort())
  return out
}
