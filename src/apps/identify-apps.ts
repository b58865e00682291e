/**
 * Which conferencing apps a capture shows, with the evidence for each, and which app each flow
 * belongs to. Rules (docs/apps.md):
 *
 *  - Names (SNI, QUIC/DTLS SNI, HTTP Host, resolved DNS names) matching an app's domains are
 *    high confidence; certificate names, pcapng NRB names and names only queried in DNS count
 *    at most medium. STUN SOFTWARE and vendor STUN attributes are high; published IP ranges
 *    medium; ports low. A signature whose source is unverified counts one level lower.
 *  - Low-confidence evidence (ports, Apple's whole /8, push names...) claims an app only on a
 *    flow that itself carries call protocols (RTP, Zoom media, STUN/TURN, DTLS over UDP): a
 *    port number alone never claims an app in a capture of unrelated traffic. Generic ports
 *    (3478, 5349, 5004, 443...) are never app evidence at all.
 *  - A flow belongs to the best-supported claimed app among its own evidence; a UDP flow with
 *    none inherits the app of another flow on the same local socket (one ICE agent talks to
 *    the STUN/TURN servers and the peers from one port); a flow carrying STUN, DTLS and RTP
 *    (or sustained UDP) that no named app claims is generic WebRTC.
 *
 * Output is deterministic: sorted apps, evidence, flow ids and frames.
 */
import {type FlowEvidence, type NameSource, carriesCallProtocols, isSustainedUdp} from './evidence.js'
import {isPrivateAddress, normalizeName} from './match.js'
import {type Confidence, type SignatureMatch, type Signatures, CONFIDENCE_RANK, defaultSignatures, minConfidence} from './signatures.js'
import {appendAll} from '../util/append-all.js'
import {hostPort} from '../util/ip-text.js'

export type EvidenceKind = 'process' | 'payload' | 'name' | 'stun-software' | 'stun-attribute' | 'range' | 'port' | 'protocols'
const KIND_ORDER: Record<EvidenceKind, number> = {process: 0, payload: 1, name: 2, 'stun-software': 3, 'stun-attribute': 4, range: 5, port: 6, protocols: 7}

/** At most this many frame numbers are cited per evidence item (the first ones). */
export const MAX_FRAMES = 20

export interface AppEvidence {
  kind: EvidenceKind
  /** What the capture showed: a name, a SOFTWARE value, an attribute type, a server address,
   * `udp/8801`, or `STUN+DTLS+RTP`. Untrusted text from the capture. */
  value: string
  /** The signature that matched: suffix, name pattern, SOFTWARE prefix, CIDR, port range. */
  match: string
  /** Names: where the name was seen (sni, dns, ...). */
  via?: NameSource[]
  confidence: Confidence
  /** Whether this evidence can claim the app by itself (see the rules above). */
  claims: boolean
  /** The signature's source (URL, document, `unverified: ...`, `observed: ...`). */
  source: string
  flowIds: number[]
  /** Up to MAX_FRAMES frame numbers, ascending. */
  frames: number[]
}

export interface IdentifiedApp {
  app: string
  displayName: string
  confidence: Confidence
  evidence: AppEvidence[]
  /** Flows attributed to the app (see AppIdentification.flows for how). */
  flowIds: number[]
}

/** An app with evidence too weak to claim it (e.g. only a port, on flows without call protocols). */
export interface UnclaimedApp {
  app: string
  displayName: string
  evidence: AppEvidence[]
}

/** An organisation a name reveals (`ministry.zoom.us` → ministry). */
export interface TenantFinding {
  app: string
  org: string
  /** The names that revealed it (normalised). */
  names: string[]
  suffix: string
  flowIds: number[]
  frames: number[]
  source: string
}

export type AttributionVia = 'evidence' | 'shared-socket' | 'protocols'

export interface FlowAttribution {
  flowId: number
  app: string
  confidence: Confidence
  via: AttributionVia
  /** One line a report can print: which evidence tied the flow to the app. */
  reason: string
}

export interface AppIdentification {
  signaturesVersion: string
  /** Claimed apps, highest confidence first (then signature-file order). */
  apps: IdentifiedApp[]
  unclaimed: UnclaimedApp[]
  tenants: TenantFinding[]
  /** One entry per attributed flow, by flow id. Flows not listed belong to no app. */
  flows: FlowAttribution[]
}

interface Hit {
  app: string
  kind: EvidenceKind
  value: string
  match: string
  via?: NameSource
  confidence: Confidence
  claims: boolean
  source: string
  frame: number
  flowId: number
}

/** The far end of a flow: its server, unless STUN shows the flow's server is the STUN client (the
 * STUN/TURN server spoke first in the capture), or the server is a private address and the
 * client a public one (a flow oriented towards the capturing host, e.g. TURN ChannelData
 * arriving first). */
export function remoteEndpoint(f: FlowEvidence): {ip: string; port: number} {
  return (f.remote ??= stunServerIsClient(f) || (isPrivateAddress(f.server.ip) && !isPrivateAddress(f.client.ip)) ? f.client : f.server)
}

/** STUN shows the flow's client is the STUN server, and that does not make a private address the
 * far end of a public one (a LAN host that only answered a public peer's checks stays ours). */
function stunServerIsClient(f: FlowEvidence): boolean {
  return f.stunRolesReversed === true && !(isPrivateAddress(f.client.ip) && !isPrivateAddress(f.server.ip))
}

/** A hit of match `m` on the flow, added to `hits` (made on the first). `claims` starts as "may
 * claim" (false for supporting-only entries) and is settled by hitsOfFlow once all are in. */
function addHit(hits: Hit[] | undefined, flow: FlowEvidence, m: SignatureMatch, kind: EvidenceKind, value: string, frame: number, via: NameSource | undefined): Hit[] {
  const hit: Hit = {app: m.app, kind, value, match: m.pattern, via, confidence: m.confidence, claims: m.entry.claims !== false, source: m.entry.source, frame, flowId: flow.flowId}
  if (hits) hits.push(hit)
  else hits = [hit]
  return hits
}

/** The flow's hits, or undefined when it has none (most flows: nothing is allocated for them). */
function hitsOfFlow(flow: FlowEvidence, sig: Signatures): Hit[] | undefined {
  let hits: Hit[] | undefined
  const names = flow.names
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!
    const name = normalizeName(n.name)
    if (!name) continue
    const matches = sig.matchName(name, n.source)
    for (let j = 0; j < matches.length; j++) hits = addHit(hits, flow, matches[j]!, 'name', name, n.frame, n.source)
  }
  if (flow.stunSoftware) {
    for (const s of flow.stunSoftware) {
      if (sig.isGenericStunSoftware(s.software)) continue
      for (const m of sig.matchStunSoftware(s.software)) hits = addHit(hits, flow, m, 'stun-software', s.software.slice(0, 128), s.frame, undefined)
    }
  }
  if (flow.stunAttributes) {
    for (const type of new Set(flow.stunAttributes)) {
      for (const m of sig.matchStunAttribute(type)) hits = addHit(hits, flow, m, 'stun-attribute', `0x${type.toString(16).padStart(4, '0')}`, flow.firstFrame, undefined)
    }
  }
  if (flow.processes) {
    for (const p of flow.processes) {
      for (const m of sig.matchProcess(p.name)) hits = addHit(hits, flow, m, 'process', p.name.slice(0, 64), p.frame, undefined)
    }
  }
  if (flow.payloads) {
    for (const p of flow.payloads) {
      for (const m of sig.matchPayload(p.id)) hits = addHit(hits, flow, m, 'payload', p.detail.slice(0, 128), p.frame, undefined)
    }
  }
  const remote = remoteEndpoint(flow)
  const ranges = sig.matchAddress(remote.ip)
  for (let j = 0; j < ranges.length; j++) {
    const range = ranges[j]!
    const ports = range.entry.ports
    if (ports === undefined) hits = addHit(hits, flow, range, 'range', remote.ip, flow.firstFrame, undefined)
    else if (ports.includes(`${flow.proto}/${remote.port}`)) {
      // A range that counts only for the app's own port: the match names both.
      hits = addHit(hits, flow, {...range, pattern: `${range.pattern} on ${flow.proto}/${remote.port}`}, 'range', remote.ip, flow.firstFrame, undefined)
    }
  }
  const ports = sig.matchPort(flow.proto, remote.port)
  for (let j = 0; j < ports.length; j++) hits = addHit(hits, flow, ports[j]!, 'port', `${flow.proto}/${remote.port}`, flow.firstFrame, undefined)
  if (!hits) return undefined
  // Medium and high evidence claims its app. Low evidence claims only on a flow that carries
  // call protocols and where no other app has any evidence (UDP 3480 is in Teams' and
  // FaceTime's lists: on its own it names neither). Supporting-only entries never claim.
  const callFlow = carriesCallProtocols(flow)
  let oneApp = true
  for (let i = 1; i < hits.length && oneApp; i++) oneApp = hits[i]!.app === hits[0]!.app
  for (const h of hits) {
    if (h.claims) h.claims = CONFIDENCE_RANK[h.confidence] >= CONFIDENCE_RANK.medium || (callFlow && oneApp)
  }
  return hits
}

function sortedUnique(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b)
}

function aggregate(hits: Hit[]): AppEvidence[] {
  const byKey = new Map<string, {e: AppEvidence; flows: Set<number>; frames: Set<number>; via: Set<NameSource>}>()
  for (const h of hits) {
    const key = `${h.kind}\u0000${h.value}\u0000${h.match}`
    let slot = byKey.get(key)
    if (!slot) {
      slot = {
        e: {kind: h.kind, value: h.value, match: h.match, confidence: h.confidence, claims: h.claims, source: h.source, flowIds: [], frames: []},
        flows: new Set(),
        frames: new Set(),
        via: new Set(),
      }
      byKey.set(key, slot)
    }
    if (CONFIDENCE_RANK[h.confidence] > CONFIDENCE_RANK[slot.e.confidence]) slot.e.confidence = h.confidence
    slot.e.claims ||= h.claims
    slot.flows.add(h.flowId)
    slot.frames.add(h.frame)
    if (h.via) slot.via.add(h.via)
  }
  const out = [...byKey.values()].map(({e, flows, frames, via}) => {
    e.flowIds = sortedUnique(flows)
    e.frames = sortedUnique(frames).slice(0, MAX_FRAMES)
    if (via.size > 0) e.via = [...via].sort()
    return e
  })
  out.sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence] ||
      (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) ||
      (a.match < b.match ? -1 : a.match > b.match ? 1 : 0),
  )
  return out
}

function bestConfidence(list: Array<{confidence: Confidence}>): Confidence | undefined {
  let best: Confidence | undefined
  for (const x of list) if (!best || CONFIDENCE_RANK[x.confidence] > CONFIDENCE_RANK[best]) best = x.confidence
  return best
}

/**
 * Local-socket keys of a UDP flow that may belong to a call: its client endpoint, and its server
 * endpoint when that is a private address on an unprivileged port (a peer-to-peer flow may be
 * oriented either way). DNS, QUIC and LAN-discovery flows never take part: a resolver's
 * address:53 is shared by every app.
 */
function socketEnds(f: FlowEvidence): 0 | 1 | 2 {
  if (f.proto !== 'udp' || f.isDns || f.isLanDiscovery || f.quic) return 0
  if (stunServerIsClient(f)) return 1
  return isPrivateAddress(f.server.ip) && f.server.port >= 1024 && f.client.port >= 1024 ? 2 : 1
}

/** Socket end `i` (< socketEnds(f)) of a flow: its client, then its server; the flow's server
 * alone when STUN shows it is the STUN client (the capture host's socket). */
function socketEnd(f: FlowEvidence, i: number): {ip: string; port: number} {
  if (stunServerIsClient(f)) return f.server
  return i === 0 ? f.client : f.server
}

type SocketApps = Map<string, {confidence: Confidence; flowId: number}>

/** Apps by local socket, keyed by address then port: no key text is built per flow. */
class SocketIndex {
  private readonly byIp = new Map<string, Map<number, SocketApps>>()

  get(end: {ip: string; port: number}): SocketApps | undefined {
    return this.byIp.get(end.ip)?.get(end.port)
  }

  getOrAdd(end: {ip: string; port: number}): SocketApps {
    let byPort = this.byIp.get(end.ip)
    if (!byPort) this.byIp.set(end.ip, (byPort = new Map()))
    let apps = byPort.get(end.port)
    if (!apps) byPort.set(end.port, (apps = new Map()))
    return apps
  }

  get empty(): boolean {
    return this.byIp.size === 0
  }
}

function describeHit(h: Hit): string {
  switch (h.kind) {
    case 'process':
      return `process ${h.value} (${h.match})`
    case 'payload':
      return `${h.match}: ${h.value}`
    case 'name':
      return `${h.via ?? 'name'} ${h.value} matches ${h.match}`
    case 'range':
      return `server ${h.value} in published range ${h.match}`
    case 'port':
      return `server port ${h.value} (${h.match})`
    case 'stun-software':
      return `STUN SOFTWARE "${h.value}" (${h.match})`
    case 'stun-attribute':
      return `STUN attribute ${h.value}`
    case 'protocols':
      return h.value
  }
}

/** Identify the apps in a capture from per-flow evidence. */
export function identifyApps(flows: readonly FlowEvidence[], signatures: Signatures = defaultSignatures()): AppIdentification {
  const sig = signatures
  // The flows of attributions made from their own evidence or protocols, which associate()
  // spreads over shared sockets (not every flow: most have none).
  const byFlow = new Map<number, FlowEvidence>()
  const hitsByFlow = new Map<number, {flow: FlowEvidence; hits: Hit[]}>()
  const allHits: Hit[] = []
  // Indexed loops over all flows here and below: each runs once per report, largely before the
  // optimiser has compiled it, and an unoptimised for-of allocates per element.
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!
    const hits = hitsOfFlow(f, sig)
    if (hits) {
      hitsByFlow.set(f.flowId, {flow: f, hits})
      for (const h of hits) allHits.push(h)
    }
  }

  // Capture level: an app is claimed by any evidence that may claim it.
  const claimed = new Map<string, Confidence>()
  for (const h of allHits) {
    if (!h.claims) continue
    const prev = claimed.get(h.app)
    if (!prev || CONFIDENCE_RANK[h.confidence] > CONFIDENCE_RANK[prev]) claimed.set(h.app, h.confidence)
  }

  // Flow level, own evidence: the best-supported claimed app.
  const attribution = new Map<number, FlowAttribution>()
  for (const [flowId, {flow, hits}] of hitsByFlow) {
    const candidates = new Map<string, Hit[]>()
    for (const h of hits) {
      if (!claimed.has(h.app)) continue
      const list = candidates.get(h.app)
      if (list) list.push(h)
      else candidates.set(h.app, [h])
    }
    let best: {app: string; hits: Hit[]; confidence: Confidence; kinds: number} | undefined
    for (const [app, list] of candidates) {
      const confidence = bestConfidence(list)!
      const kinds = new Set(list.map((h) => h.kind)).size
      if (
        !best ||
        CONFIDENCE_RANK[confidence] > CONFIDENCE_RANK[best.confidence] ||
        (confidence === best.confidence && (kinds > best.kinds || (kinds === best.kinds && sig.order(app) < sig.order(best.app))))
      ) {
        best = {app, hits: list, confidence, kinds}
      }
    }
    if (!best) continue
    const top = [...best.hits].sort((a, b) => CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence] || KIND_ORDER[a.kind] - KIND_ORDER[b.kind])[0]!
    attribution.set(flowId, {flowId, app: best.app, confidence: best.confidence, via: 'evidence', reason: describeHit(top)})
    byFlow.set(flowId, flow)
  }

  // The flows that can share a socket (UDP, not DNS/QUIC/LAN), in flow order: associate() runs
  // up to twice, and most flows of a large capture are not among them.
  let socketFlows: FlowEvidence[] | undefined
  const associate = (): void => {
    const bySocket = new SocketIndex()
    for (const a of attribution.values()) {
      const f = byFlow.get(a.flowId)
      if (!f || a.via === 'shared-socket') continue
      const ends = socketEnds(f)
      for (let i = 0; i < ends; i++) {
        const apps = bySocket.getOrAdd(socketEnd(f, i))
        const prev = apps.get(a.app)
        if (!prev || CONFIDENCE_RANK[a.confidence] > CONFIDENCE_RANK[prev.confidence] || (a.confidence === prev.confidence && a.flowId < prev.flowId)) {
          apps.set(a.app, {confidence: a.confidence, flowId: a.flowId})
        }
      }
    }
    if (bySocket.empty) return
    if (!socketFlows) {
      socketFlows = []
      for (let k = 0; k < flows.length; k++) if (socketEnds(flows[k]!) > 0) socketFlows.push(flows[k]!)
    }
    for (let k = 0; k < socketFlows.length; k++) {
      const f = socketFlows[k]!
      const ends = socketEnds(f)
      const current = attribution.get(f.flowId)
      if (current && current.app !== 'webrtc') continue
      for (let i = 0; i < ends; i++) {
        const end = socketEnd(f, i)
        const apps = bySocket.get(end)
        if (!apps) continue
        const named = [...apps.entries()].filter(([app]) => app !== 'webrtc' && app !== current?.app)
        const pool = named.length > 0 ? named : current ? [] : [...apps.entries()]
        if (pool.length !== 1) continue
        const [app, from] = pool[0]!
        if (from.flowId === f.flowId) continue
        attribution.set(f.flowId, {
          flowId: f.flowId,
          app,
          confidence: minConfidence(from.confidence, 'medium'),
          via: 'shared-socket',
          reason: `shares local socket ${hostPort(end.ip, end.port)} with flow ${from.flowId}`,
        })
        break
      }
    }
  }
  associate()

  // Generic WebRTC: STUN + DTLS + RTP (or sustained UDP) on a flow no named app claims.
  const webrtcHits: Hit[] = []
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!
    if (attribution.has(f.flowId)) continue
    if (!(f.stunPresent && f.dtls && (f.rtpStreams > 0 || isSustainedUdp(f)))) continue
    const value = f.rtpStreams > 0 ? 'STUN+DTLS+RTP' : 'STUN+DTLS+sustained UDP'
    webrtcHits.push({app: 'webrtc', kind: 'protocols', value, match: 'WebRTC transport (RFC 8835)', confidence: 'medium', claims: true, source: 'RFC 8835 (WebRTC transports), RFC 7983 (STUN/DTLS/RTP multiplexing)', frame: f.firstFrame, flowId: f.flowId})
    attribution.set(f.flowId, {flowId: f.flowId, app: 'webrtc', confidence: 'medium', via: 'protocols', reason: `${value} on one flow, no named app`})
    byFlow.set(f.flowId, f)
  }
  if (webrtcHits.length > 0 && sig.app('webrtc')) {
    associate()
    // A WebRTC flow sharing its socket with a named app's flow went to that app.
    const kept = webrtcHits.filter((h) => attribution.get(h.flowId)?.app === 'webrtc')
    if (kept.length > 0) {
      claimed.set('webrtc', 'medium')
      appendAll(allHits, kept)
    }
  } else {
    for (const h of webrtcHits) attribution.delete(h.flowId)
  }

  const flowsOf = new Map<string, number[]>()
  for (const a of [...attribution.values()].sort((x, y) => x.flowId - y.flowId)) {
    const list = flowsOf.get(a.app)
    if (list) list.push(a.flowId)
    else flowsOf.set(a.app, [a.flowId])
  }

  const hitsByApp = new Map<string, Hit[]>()
  for (const h of allHits) {
    const list = hitsByApp.get(h.app)
    if (list) list.push(h)
    else hitsByApp.set(h.app, [h])
  }

  const apps: IdentifiedApp[] = []
  const unclaimed: UnclaimedApp[] = []
  for (const [app, hits] of hitsByApp) {
    const def = sig.app(app)
    const displayName = def?.displayName ?? app
    const confidence = claimed.get(app)
    if (confidence) apps.push({app, displayName, confidence, evidence: aggregate(hits), flowIds: flowsOf.get(app) ?? []})
    else unclaimed.push({app, displayName, evidence: aggregate(hits)})
  }
  apps.sort((a, b) => CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence] || sig.order(a.app) - sig.order(b.app))
  unclaimed.sort((a, b) => sig.order(a.app) - sig.order(b.app))

  return {
    signaturesVersion: sig.version,
    apps,
    unclaimed,
    tenants: findTenants(flows, sig),
    flows: [...attribution.values()].sort((a, b) => a.flowId - b.flowId),
  }
}

/** Organisations revealed by names in the flows (vanity and tenant names). */
export function findTenants(flows: readonly FlowEvidence[], sig: Signatures = defaultSignatures()): TenantFinding[] {
  const byKey = new Map<string, {t: TenantFinding; names: Set<string>; flows: Set<number>; frames: Set<number>}>()
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!
    const fnames = f.names
    for (let j = 0; j < fnames.length; j++) {
      const n = fnames[j]!
      const name = normalizeName(n.name)
      if (!name) continue
      const m = sig.tenantOf(name)
      if (!m) continue
      const key = `${m.app}\u0000${m.org}\u0000${m.suffix}`
      let slot = byKey.get(key)
      if (!slot) {
        slot = {t: {app: m.app, org: m.org, names: [], suffix: m.suffix, flowIds: [], frames: [], source: m.rule.source}, names: new Set(), flows: new Set(), frames: new Set()}
        byKey.set(key, slot)
      }
      slot.names.add(name)
      slot.flows.add(f.flowId)
      // Frames where the name travelled: a name known from a DNS answer seen elsewhere or a
      // pcapng NRB entry carries the flow's first frame, which does not hold it.
      if (n.source !== 'dns' && n.source !== 'nrb') slot.frames.add(n.frame)
    }
  }
  return [...byKey.values()]
    .map(({t, names, flows: ids, frames}) => ({...t, names: [...names].sort(), flowIds: sortedUnique(ids), frames: sortedUnique(frames).slice(0, MAX_FRAMES)}))
    .sort((a, b) => sig.order(a.app) - sig.order(b.app) || (a.org < b.org ? -1 : a.org > b.org ? 1 : 0) || (a.suffix < b.suffix ? -1 : 1))
}

/** Flow id → attribution, for the roles stage and reports. */
export function attributionByFlow(identification: AppIdentification): Map<number, FlowAttribution> {
  return new Map(identification.flows.map((a) => [a.flowId, a]))
}
