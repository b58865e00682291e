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

export type EvidenceKind = 'process' | 'name' | 'stun-software' | 'stun-attribute' | 'range' | 'port' | 'protocols'
const KIND_ORDER: Record<EvidenceKind, number> = {process: 0, name: 1, 'stun-software': 2, 'stun-attribute': 3, range: 4, port: 5, protocols: 6}

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

/** The far end of a flow: its server, unless the server is a private address and the client a
 * public one (a flow oriented towards the capturing host, e.g. TURN ChannelData arriving first). */
export function remoteEndpoint(f: FlowEvidence): {ip: string; port: number} {
  return (f.remote ??= isPrivateAddress(f.server.ip) && !isPrivateAddress(f.client.ip) ? f.client : f.server)
}

function hitsOfFlow(flow: FlowEvidence, sig: Signatures): Hit[] {
  const hits: Hit[] = []
  const supportOnly = new Set<Hit>()
  const add = (m: SignatureMatch, kind: EvidenceKind, value: string, frame: number, via?: NameSource): void => {
    const hit: Hit = {app: m.app, kind, value, match: m.pattern, via, confidence: m.confidence, claims: false, source: m.entry.source, frame, flowId: flow.flowId}
    if (m.entry.claims === false) supportOnly.add(hit)
    hits.push(hit)
  }
  for (const n of flow.names) {
    const name = normalizeName(n.name)
    if (!name) continue
    for (const m of sig.matchName(name, n.source)) add(m, 'name', name, n.frame, n.source)
  }
  for (const s of flow.stunSoftware ?? []) {
    if (sig.isGenericStunSoftware(s.software)) continue
    for (const m of sig.matchStunSoftware(s.software)) add(m, 'stun-software', s.software.slice(0, 128), s.frame)
  }
  for (const type of new Set(flow.stunAttributes ?? [])) {
    for (const m of sig.matchStunAttribute(type)) add(m, 'stun-attribute', `0x${type.toString(16).padStart(4, '0')}`, flow.firstFrame)
  }
  for (const p of flow.processes ?? []) {
    for (const m of sig.matchProcess(p.name)) add(m, 'process', p.name.slice(0, 64), p.frame)
  }
  const remote = remoteEndpoint(flow)
  for (const m of sig.matchAddress(remote.ip)) add(m, 'range', remote.ip, flow.firstFrame)
  for (const m of sig.matchPort(flow.proto, remote.port)) add(m, 'port', `${flow.proto}/${remote.port}`, flow.firstFrame)
  // Medium and high evidence claims its app. Low evidence claims only on a flow that carries
  // call protocols and where no other app has any evidence (UDP 3480 is in Teams' and
  // FaceTime's lists: on its own it names neither). Supporting-only entries never claim.
  const callFlow = carriesCallProtocols(flow)
  const apps = new Set(hits.map((h) => h.app))
  for (const h of hits) {
    if (!supportOnly.has(h)) h.claims = CONFIDENCE_RANK[h.confidence] >= CONFIDENCE_RANK.medium || (callFlow && apps.size === 1)
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
function socketKeys(f: FlowEvidence): string[] {
  if (f.proto !== 'udp' || f.isDns || f.isLanDiscovery || f.quic) return []
  const keys = [`${f.client.ip}|${f.client.port}`]
  if (isPrivateAddress(f.server.ip) && f.server.port >= 1024 && f.client.port >= 1024) keys.push(`${f.server.ip}|${f.server.port}`)
  return keys
}

function describeHit(h: Hit): string {
  switch (h.kind) {
    case 'process':
      return `process ${h.value} (${h.match})`
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
  const byFlow = new Map<number, FlowEvidence>()
  for (const f of flows) byFlow.set(f.flowId, f)
  const hitsByFlow = new Map<number, Hit[]>()
  const allHits: Hit[] = []
  for (const f of flows) {
    const hits = hitsOfFlow(f, sig)
    if (hits.length > 0) {
      hitsByFlow.set(f.flowId, hits)
      allHits.push(...hits)
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
  for (const [flowId, hits] of hitsByFlow) {
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
  }

  const associate = (): void => {
    const bySocket = new Map<string, Map<string, {confidence: Confidence; flowId: number}>>()
    for (const a of attribution.values()) {
      const f = byFlow.get(a.flowId)
      if (!f || a.via === 'shared-socket') continue
      for (const key of socketKeys(f)) {
        let apps = bySocket.get(key)
        if (!apps) bySocket.set(key, (apps = new Map()))
        const prev = apps.get(a.app)
        if (!prev || CONFIDENCE_RANK[a.confidence] > CONFIDENCE_RANK[prev.confidence] || (a.confidence === prev.confidence && a.flowId < prev.flowId)) {
          apps.set(a.app, {confidence: a.confidence, flowId: a.flowId})
        }
      }
    }
    for (const f of flows) {
      const current = attribution.get(f.flowId)
      if (current && current.app !== 'webrtc') continue
      for (const key of socketKeys(f)) {
        const apps = bySocket.get(key)
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
          reason: `shares local socket ${key.replace('|', ':')} with flow ${from.flowId}`,
        })
        break
      }
    }
  }
  associate()

  // Generic WebRTC: STUN + DTLS + RTP (or sustained UDP) on a flow no named app claims.
  const webrtcHits: Hit[] = []
  for (const f of flows) {
    if (attribution.has(f.flowId)) continue
    if (!(f.stunPresent && f.dtls && (f.rtpStreams > 0 || isSustainedUdp(f)))) continue
    const value = f.rtpStreams > 0 ? 'STUN+DTLS+RTP' : 'STUN+DTLS+sustained UDP'
    webrtcHits.push({app: 'webrtc', kind: 'protocols', value, match: 'WebRTC transport (RFC 8835)', confidence: 'medium', claims: true, source: 'RFC 8835 (WebRTC transports), RFC 7983 (STUN/DTLS/RTP multiplexing)', frame: f.firstFrame, flowId: f.flowId})
    attribution.set(f.flowId, {flowId: f.flowId, app: 'webrtc', confidence: 'medium', via: 'protocols', reason: `${value} on one flow, no named app`})
  }
  if (webrtcHits.length > 0 && sig.app('webrtc')) {
    associate()
    // A WebRTC flow sharing its socket with a named app's flow went to that app.
    const kept = webrtcHits.filter((h) => attribution.get(h.flowId)?.app === 'webrtc')
    if (kept.length > 0) {
      claimed.set('webrtc', 'medium')
      allHits.push(...kept)
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
  for (const f of flows) {
    for (const n of f.names) {
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
      slot.frames.add(n.frame)
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
