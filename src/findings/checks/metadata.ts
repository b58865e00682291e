import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {isPrivateAddress} from '../../apps/match.js'
import {type CheckContext, finding, flowEvidence, flowsWith, quote} from '../context.js'
import type {Evidence} from '../../protocols/analyzer.js'
import {hostOnly} from '../../protocols/http/meeting-links.js'

const MAX_ITEMS = 20

function ev(flow: ReportFlow, description: string, e: {frame: number; capture: number; time: string}): FindingEvidence {
  return {description, frame: e.frame, capture: e.capture, time: e.time, flowId: flow.id}
}

/** CA-META-001: DNS queries in clear that name an identified conferencing service. */
export function cleartextDnsNamesService(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const app of ctx.identification.apps) {
    const names = new Set<string>()
    const evidence: FindingEvidence[] = []
    const flowIds: number[] = []
    for (const item of app.evidence) {
      if (item.kind !== 'name' || !item.via?.includes('dns-query')) continue
      for (const id of item.flowIds) {
        const flow = ctx.flowById.get(id)
        const dns = flow && factsOf(flow).dns
        if (!flow || !dns || dns.service !== 'dns') continue
        names.add(item.value)
        flowIds.push(id)
        if (evidence.length >= MAX_ITEMS) continue
        const asked = dns.messages.find((m) => !m.response && m.questions.some((q) => q.name.toLowerCase().replace(/\.$/, '') === item.value))
        if (asked) evidence.push(ev(flow, `query for ${quote(item.value)} to resolver ${flow.remote.ip}`, asked.evidence))
      }
    }
    if (!names.size) continue
    const list = [...names].sort()
    out.push(finding('CA-META-001', undefined, `Unencrypted DNS queries name ${app.displayName}: ${list.map(quote).join(', ')}. Anyone on the path sees which service is about to be used, and when.`, evidence, flowIds))
  }
  return out
}

/**
 * The first packet of the flow that carried one of `names` in clear (a DNS question, a TLS or
 * QUIC server name, an HTTP Host or CONNECT target), to cite it rather than the flow's first
 * packet (a TCP SYN carries no name). Undefined when the name came from elsewhere (a DNS answer
 * or a certificate naming the server).
 */
function nameSeenAt(flow: ReportFlow, names: ReadonlySet<string>): Evidence | undefined {
  const f = factsOf(flow)
  let best: Evidence | undefined
  const consider = (name: string | null | undefined, e: Evidence) => {
    if (name && names.has(hostOnly(name)) && (!best || e.frame < best.frame)) best = e
  }
  if (f.tls?.clientHello) consider(f.tls.clientHello.sni, f.tls.clientHello.evidence)
  if (f.quic?.clientHello) consider(f.quic.clientHello.sni, f.quic.clientHello.evidence)
  for (const r of f.http?.requests ?? []) consider(r.method === 'CONNECT' ? r.target : r.host, r.evidence)
  for (const m of f.dns?.messages ?? []) if (!m.response) for (const q of m.questions) consider(q.name, m.evidence)
  return best
}

/** CA-META-002: tenant and vanity names revealing the organisation. */
export function organisationNames(ctx: CheckContext): Finding[] {
  return ctx.identification.tenants.map((t) => {
    const names = t.names.map(quote).join(', ')
    const wanted = new Set(t.names)
    const evidence: FindingEvidence[] = []
    for (const id of t.flowIds) {
      if (evidence.length >= MAX_ITEMS) break
      const flow = ctx.flowById.get(id)
      if (!flow) continue
      const seen = nameSeenAt(flow, wanted)
      const description = `${names} seen on flow #${id} (${flow.role})`
      evidence.push(seen ? ev(flow, description, seen) : flowEvidence(flow, description))
    }
    const frames = t.frames.length ? `, frames ${t.frames.slice(0, 10).join(', ')}` : ''
    const detail = `The name${t.names.length > 1 ? 's' : ''} ${names} reveal${t.names.length > 1 ? '' : 's'} the organisation ${quote(t.org)} on ${t.app}, in clear (DNS, TLS/QUIC server name or HTTP Host)${frames}.`
    return finding('CA-META-002', undefined, detail, evidence, t.flowIds)
  })
}

/** CA-META-003: handshakes to call servers that show the server name because ECH was not used. */
export function noEncryptedClientHello(ctx: CheckContext): Finding[] {
  const names = new Set<string>()
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  for (const flow of ctx.callFlows) {
    const f = factsOf(flow)
    for (const [proto, hello] of [['TLS', f.tls?.clientHello], ['QUIC', f.quic?.clientHello]] as const) {
      if (!hello?.sni || hello.ech) continue
      names.add(hello.sni)
      flowIds.push(flow.id)
      if (evidence.length < MAX_ITEMS) evidence.push(ev(flow, `${proto} ClientHello to ${flow.remote.ip} with server name ${quote(hello.sni)}`, hello.evidence))
    }
  }
  if (!names.size) return []
  return [finding('CA-META-003', undefined, `${flowIds.length} handshake${flowIds.length > 1 ? 's' : ''} to call servers sent the server name in clear (no Encrypted Client Hello): ${[...names].sort().map(quote).join(', ')}.`, evidence, flowIds)]
}

/** CA-META-004: STUN/TURN attributes carrying the caller's private addresses to servers outside. */
export function stunPrivateAddresses(ctx: CheckContext): Finding[] {
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  const leaked = new Set<string>()
  for (const flow of flowsWith(ctx, 'stun')) {
    const stun = factsOf(flow).stun
    if (!stun || isPrivateAddress(flow.remote.ip)) continue
    for (const a of [...stun.peerAddresses, ...stun.mappedAddresses, ...stun.serverAddresses, ...stun.relayedAddresses]) {
      if (!a.scope) continue
      leaked.add(a.ip)
      flowIds.push(flow.id)
      if (evidence.length < MAX_ITEMS) evidence.push(ev(flow, `${a.attribute} ${a.ip}:${a.port} (${a.scope}) in a ${a.message} ${a.sentBy === 'client' ? 'sent to' : 'received from'} ${flow.remote.ip}`, a.first))
    }
  }
  if (!leaked.size) return []
  return [finding('CA-META-004', undefined, `STUN/TURN messages exchanged with external servers carry private addresses of the caller's network: ${[...leaked].sort().join(', ')}.`, evidence, flowIds)]
}

/** CA-META-005: the caller's public address, as STUN servers reflected it. */
export function publicAddressVisible(ctx: CheckContext): Finding[] {
  if (!ctx.vantage.publicAddresses.length) return []
  const evidence: FindingEvidence[] = ctx.vantage.publicAddresses.map((p) => ({description: `${p.attributes.join(', ')} ${p.ip} in STUN responses (frames ${p.frames.slice(0, 10).join(', ')})`, ...(p.frames[0] !== undefined ? {frame: p.frames[0]} : {})}))
  const where = ctx.vantage.geo?.country ? `, placed in ${[ctx.vantage.geo.city, ctx.vantage.geo.country].filter(Boolean).join(', ')}${ctx.vantage.geo.asOrg ? ` (${ctx.vantage.geo.asOrg})` : ''}` : ''
  return [finding('CA-META-005', undefined, `The caller's public address ${ctx.vantage.publicAddresses.map((p) => p.ip).join(', ')}${where} is visible to the call's servers and peers.`, evidence, [])]
}

/** CA-META-006: RTP whose payload does not look encrypted. */
export function plainRtp(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'rtp')) {
    const rtp = factsOf(flow).rtp
    const plain = rtp?.streams.filter((s) => s.content.verdict === 'plain') ?? []
    if (!plain.length) continue
    const evidence = plain.slice(0, MAX_ITEMS).map((s) => ev(flow, `SSRC ${s.ssrc} (${s.payloadTypes.map((p) => p.name).join(', ')}; ${s.packets} packets): ${s.content.reason}`, s.first))
    out.push(finding('CA-META-006', undefined, `${plain.length} RTP stream${plain.length > 1 ? 's' : ''} between ${flow.client.ip} and ${flow.server.ip} carr${plain.length > 1 ? 'y' : 'ies'} media that does not look encrypted.`, evidence, [flow.id], flow.remote.ip))
  }
  return out
}

const PERSONAL_SDES = new Set(['NAME', 'EMAIL', 'PHONE'])

/** CA-META-007: RTCP SDES items in clear; CNAMEs count when they look like user@host. */
export function sdesItems(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'rtp')) {
    const sdes = factsOf(flow).rtp?.rtcp?.sdes ?? []
    const telling = sdes.filter((s) => s.item !== 'CNAME' || /@/.test(s.text))
    if (!telling.length) continue
    const personal = telling.some((s) => PERSONAL_SDES.has(s.item))
    const evidence = telling.slice(0, MAX_ITEMS).map((s) => ev(flow, `SDES ${s.item} ${quote(s.text)} sent by the ${s.sentBy} (${s.count}×)`, s.first))
    const items = [...new Set(telling.map((s) => s.item))].sort()
    out.push(finding('CA-META-007', personal ? 'high' : undefined, `Unencrypted RTCP between ${flow.client.ip} and ${flow.server.ip} carries source descriptions ${items.join(', ')}: ${telling.slice(0, 4).map((s) => `${s.item} ${quote(s.text)}`).join('; ')}.`, evidence, [flow.id], flow.remote.ip))
  }
  return out
}

/** CA-META-008: cleartext HTTP with meeting links, passcodes, cookies or credentials. */
export function cleartextHttpSecrets(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'http')) {
    const requests = factsOf(flow).http?.requests ?? []
    const risky = requests.filter((r) => r.meetingLink || r.redacted.length > 0 || r.cookie || r.authorization)
    if (!risky.length) continue
    const evidence = risky.slice(0, MAX_ITEMS).map((r) => {
      const what = [
        r.meetingLink ? `${r.meetingLink.app} meeting link ${quote(r.meetingLink.id)}${r.meetingLink.passcode ? ' with its passcode' : ''}` : '',
        r.redacted.length ? `secret parameters ${r.redacted.join(', ')}` : '',
        r.cookie ? 'a Cookie header' : '',
        r.authorization ? 'an Authorization header' : '',
      ].filter(Boolean).join(', ')
      return ev(flow, `${r.method} ${quote(`${r.host ?? flow.remote.ip}${r.target}`)} carries ${what}`, r.evidence)
    })
    out.push(finding('CA-META-008', undefined, `Cleartext HTTP to ${flow.remote.ip} carries what lets an observer join the meeting or take over a session (values shown redacted).`, evidence, [flow.id], flow.remote.ip))
  }
  return out
}
