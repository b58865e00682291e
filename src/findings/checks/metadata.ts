import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {isPrivateAddress} from '../../apps/match.js'
import {aboutNames, type CheckContext, finding, flowEvidence, flowsWith, isCallFlow, quote} from '../context.js'
import type {Evidence} from '../../protocols/analyzer.js'
import type {AddressFact} from '../../protocols/stun/analyzer.js'
import type {HttpMeetingLinkFact, HttpRequestFact} from '../../protocols/http/http-analyzer.js'
import type {SdesFact} from '../../protocols/rtp/analyzer.js'
import {hostOnly} from '../../protocols/http/meeting-links.js'
import {DISCORD_IP_DISCOVERY} from '../../protocols/discord/ip-discovery.js'
import {hostPort} from '../../util/ip-text.js'

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
    out.push(aboutNames(finding('CA-META-001', undefined, `Unencrypted DNS queries name ${app.displayName}: ${list.map(quote).join(', ')}. Anyone on the path sees which service is about to be used, and when.`, evidence, flowIds), list))
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
    return aboutNames(finding('CA-META-002', undefined, detail, evidence, t.flowIds), t.names)
  })
}

/**
 * Public names of ECH deployments a client may put in the outer SNI without an HTTPS record in
 * the capture (DNS over HTTPS hides it): Cloudflare's, the one large deployment.
 */
const KNOWN_ECH_PUBLIC_NAMES: readonly string[] = ['cloudflare-ech.com']

/** The ECHConfig public names offered in the capture's HTTPS/SVCB answers, and the known ones. */
function echPublicNames(ctx: CheckContext): Set<string> {
  const names = new Set(KNOWN_ECH_PUBLIC_NAMES)
  for (const flow of ctx.flows) {
    for (const m of factsOf(flow).dns?.messages ?? []) for (const r of m.records) for (const n of r.svcb?.echPublicNames ?? []) names.add(n)
  }
  return names
}

/**
 * CA-META-003: handshakes to call servers that show the server name in clear. An
 * encrypted_client_hello extension alone does not hide it: browsers and Electron apps (Chrome
 * since version 117) send a GREASE one to every server they hold no ECH config for, with the
 * real name in the SNI (draft-ietf-tls-esni §6.2). A client that does use ECH puts the config's
 * public_name there instead; so the name counts as hidden only when the SNI is such a public
 * name (offered in an HTTPS record of this capture, or a known deployment's).
 */
export function noEncryptedClientHello(ctx: CheckContext): Finding[] {
  const publicNames = echPublicNames(ctx)
  const names = new Set<string>()
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  let grease = 0
  for (const flow of ctx.callFlows) {
    const f = factsOf(flow)
    for (const [proto, hello] of [['TLS', f.tls?.clientHello], ['QUIC', f.quic?.clientHello]] as const) {
      if (!hello?.sni) continue
      if (hello.ech && publicNames.has(hello.sni.toLowerCase())) continue
      if (hello.ech) grease++
      names.add(hello.sni)
      flowIds.push(flow.id)
      if (evidence.length < MAX_ITEMS) evidence.push(ev(flow, `${proto} ClientHello to ${flow.remote.ip} with server name ${quote(hello.sni)}${hello.ech ? ' (and an ECH extension that did not hide it)' : ''}`, hello.evidence))
    }
  }
  if (!names.size) return []
  const sorted = [...names].sort()
  const greaseText = grease
    ? ` ${grease === flowIds.length ? (grease > 1 ? 'All of them' : 'It') : `${grease} of them`} also carried an Encrypted Client Hello extension, which did not hide the name: it was not the public name of an ECH config, so the extension was the GREASE one browsers send to servers without ECH.`
    : ''
  return [aboutNames(finding('CA-META-003', undefined, `${flowIds.length} handshake${flowIds.length > 1 ? 's' : ''} to call servers sent the server name in clear (no Encrypted Client Hello): ${sorted.map(quote).join(', ')}.${greaseText}`, evidence, flowIds), sorted)]
}

/** Scopes whose addresses say nothing about a network's layout: loopback and 0.0.0.0 / ::. */
const UNREVEALING_SCOPES: ReadonlySet<string> = new Set(['loopback', 'unspecified'])

/** The flow's capture-host side sent the message: `sentBy` is relative to the flow's client. */
function sentByLocalSide(flow: ReportFlow, sentBy: 'client' | 'server'): boolean {
  const remoteIsServer = flow.remote.ip === flow.server.ip && flow.remote.port === flow.server.port
  return (sentBy === 'client') === remoteIsServer
}

function earlier(a: Evidence, b: Evidence): boolean {
  return a.capture < b.capture || (a.capture === b.capture && a.frame < b.frame)
}

/** Whose network a private address the caller's side sent describes. */
type Whose = 'own' | 'caller-side' | 'peer'

interface SentPrivate {
  flow: ReportFlow
  fact: AddressFact
  whose: Whose
}

const WHOSE_TEXT: Record<Whose, string> = {
  own: "the caller's own address",
  'caller-side': "an address of the caller's side",
  peer: "a peer's address",
}

function plural(n: number, one: string, many: string): string {
  return n > 1 ? many : one
}

/**
 * CA-META-004: private addresses that the caller's side SENT, in STUN/TURN attributes, to an
 * external (public) server. Only what the caller sends counts: addresses a server sends (its
 * relayed and alternate addresses, OTHER-ADDRESS, RESPONSE-ORIGIN, the mapped address it saw, a
 * peer's address in a Data indication) are the server's or the peer's, not the caller's leak, and
 * an address the server named on the flow before the caller did was no news to it. Loopback and
 * unspecified addresses reveal no network.
 *
 * Whose address it is: one the capture host used (the vantage's private addresses) is the
 * caller's own; a peer address (XOR-PEER-ADDRESS in CreatePermission, ChannelBind, Send...) or a
 * mapped address the caller answers a relayed check with names a peer; an address attribute
 * in which a sender names itself (RESPONSE-ADDRESS, XOR-RESPONSE-TARGET...) is the caller's side.
 * Addresses of the caller's network are the leak the rule is about (medium); peers' addresses
 * alone (their ICE host candidates, passed on to the relay) are reported at low, worded as theirs.
 */
export function stunPrivateAddresses(ctx: CheckContext): Finding[] {
  const own = new Set(ctx.vantage.privateAddresses)
  const sent: SentPrivate[] = []
  for (const flow of flowsWith(ctx, 'stun')) {
    const stun = factsOf(flow).stun
    if (!stun || isPrivateAddress(flow.remote.ip)) continue
    const lists: Array<[AddressFact[], Whose]> = [
      [stun.peerAddresses, 'peer'],
      [stun.mappedAddresses, 'peer'],
      [stun.serverAddresses, 'caller-side'],
      [stun.relayedAddresses, 'caller-side'],
    ]
    // When the server first named each address on this flow.
    const toldByServer = new Map<string, Evidence>()
    for (const [list] of lists) {
      for (const a of list) {
        if (sentByLocalSide(flow, a.sentBy)) continue
        const known = toldByServer.get(a.ip)
        if (!known || earlier(a.first, known)) toldByServer.set(a.ip, a.first)
      }
    }
    for (const [list, whose] of lists) {
      for (const a of list) {
        if (!a.scope || UNREVEALING_SCOPES.has(a.scope) || !sentByLocalSide(flow, a.sentBy)) continue
        const told = toldByServer.get(a.ip)
        if (told && earlier(told, a.first)) continue
        sent.push({flow, fact: a, whose: own.has(a.ip) ? 'own' : whose})
      }
    }
  }
  if (!sent.length) return []
  sent.sort((x, y) => (earlier(x.fact.first, y.fact.first) ? -1 : earlier(y.fact.first, x.fact.first) ? 1 : x.flow.id - y.flow.id))
  const callers = sent.filter((s) => s.whose !== 'peer')
  const peers = sent.filter((s) => s.whose === 'peer')
  const addresses = (items: SentPrivate[]) => [...new Set(items.map((s) => s.fact.ip))].sort()
  const servers = (items: SentPrivate[]) => {
    const ips = [...new Set(items.map((s) => s.flow.remote.ip))].sort()
    return `${plural(ips.length, 'the external server', 'the external servers')} ${ips.join(', ')}`
  }
  const parts: string[] = []
  if (callers.length) {
    const list = addresses(callers)
    parts.push(`The caller's side sent ${plural(list.length, 'a private address', 'private addresses')} of its own network, ${list.join(', ')}, to ${servers(callers)} in STUN/TURN attributes, in clear: that server and anyone on the path learn how the caller's network is addressed.`)
  }
  if (peers.length) {
    const list = addresses(peers)
    parts.push(`${callers.length ? 'It also' : "The caller's side"} sent its peers' private ${plural(list.length, 'address', 'addresses')} (their ICE candidates, as the peer of TURN requests or checks relayed to them), ${list.join(', ')}, to ${servers(peers)}: ${plural(list.length, 'it describes', 'they describe')} the peers' networks, not the caller's.`)
  }
  const evidence = sent.slice(0, MAX_ITEMS).map(({flow, fact: a, whose}) => {
    const inside = a.via ? `, inside ${a.via === 'turn-data' ? 'a TURN DATA attribute' : 'ChannelData'}` : ''
    return ev(flow, `${a.attribute} ${hostPort(a.ip, a.port)} (${a.scope}; ${WHOSE_TEXT[whose]}) in a ${a.message}${inside} sent by the caller's side to ${flow.remote.ip}`, a.first)
  })
  return [finding('CA-META-004', callers.length ? undefined : 'low', parts.join(' '), evidence, sent.map((s) => s.flow.id))]
}

/** CA-META-005: the caller's public address, as STUN servers reflected it. */
export function publicAddressVisible(ctx: CheckContext): Finding[] {
  if (!ctx.vantage.publicAddresses.length) return []
  const evidence: FindingEvidence[] = ctx.vantage.publicAddresses.map((p) => ({description: `${p.attributes.join(', ')} ${p.ip} in ${p.attributes.every((a) => a === DISCORD_IP_DISCOVERY) ? "Discord voice servers'" : 'STUN'} responses (frames ${p.frames.slice(0, 10).join(', ')})`, ...(p.frames[0] !== undefined ? {frame: p.frames[0]} : {})}))
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

/** RFC 8285's header extension forms: one-byte (0xBEDE) and two-byte (0x100 and 4 bits of
 * application data). RFC 9335's cryptex forms (0xC0DE, 0xC2DE) are encrypted and never match. */
function clearExtensionForm(profile: string): string | undefined {
  const value = Number.parseInt(profile, 16)
  if (value === 0xbede) return 'one-byte'
  if (value >>> 4 === 0x100) return 'two-byte'
  return undefined
}

/**
 * CA-META-014: encrypted media (SRTP) whose RTP header extensions travel in clear (RFC 8285, not
 * RFC 9335 cryptex). SRTP encrypts the payload only (RFC 3711 §3.1); the extensions carry
 * per-packet metadata, in WebRTC the audio level of every audio packet (RFC 6464, whose §5 says
 * it tells who speaks when), send times and the media id. What each element id holds is set in
 * the SDP, which the capture does not show, so the finding names the ids, not their meaning.
 */
export function clearHeaderExtensions(ctx: CheckContext): Finding[] {
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  let streams = 0
  for (const flow of flowsWith(ctx, 'rtp')) {
    let found = false
    for (const s of factsOf(flow).rtp?.streams ?? []) {
      // Extensions whose elements vary from packet to packet (no id in half of them) say nothing steady.
      const form = s.headerExtension?.ids.length && s.content.verdict === 'encrypted' ? clearExtensionForm(s.headerExtension.profile) : undefined
      if (!form) continue
      streams++
      found = true
      if (evidence.length < MAX_ITEMS) {
        const sender = s.sentBy === 'client' ? flow.client.ip : flow.server.ip
        evidence.push(ev(flow, `SSRC ${s.ssrc} from ${sender} (${s.payloadTypes.map((p) => p.name).join(', ')}; ${s.packets} packets, encrypted): ${form} header extensions (RFC 8285) in clear, element ids ${s.headerExtension!.ids.join(', ')}`, s.first))
      }
    }
    if (found) flowIds.push(flow.id)
  }
  if (!streams) return []
  return [
    finding(
      'CA-META-014',
      undefined,
      `${streams} encrypted media stream${streams > 1 ? 's' : ''} on ${flowIds.length} flow${flowIds.length > 1 ? 's' : ''} carr${streams > 1 ? 'y' : 'ies'} RTP header extensions in clear: SRTP encrypts the payload, not them, and no stream used cryptex (RFC 9335). In WebRTC they hold the audio level of each audio packet (who speaks, and when), send times and the media id; which element id holds what is set in the SDP, which the capture does not show.`,
      evidence,
      flowIds,
    ),
  ]
}

/**
 * What an RTCP SDES item (RFC 3550 §6.5) tells an observer:
 *  - `identifying`: NAME, EMAIL and PHONE name or reach the participant, and so does NOTE or
 *    PRIV text that holds an e-mail address or an international phone number;
 *  - `personal`: LOC (where the participant is), and a CNAME "user@host" whose user part reads
 *    as a login name (RFC 3550 §6.5.1) rather than a random id;
 *  - `software`: TOOL (the application, §6.5.6), and NOTE or PRIV free text that is not
 *    personal (a PBX's banner such as FreeSWITCH's "Come to ClueCon.com");
 *  - `none`: a CNAME that is random, or a bare host (RFC 7022 asks for random CNAMEs).
 */
export type SdesKind = 'identifying' | 'personal' | 'software' | 'none'

const EMAIL_IN_TEXT = /[^\s@<>"(),;:]+@[^\s@<>"(),;:]+\.[a-z]{2,}/i
/** An international number (E.164, +CC...) or a tel: URI: at least 7 digits after the sign. */
const PHONE_IN_TEXT = /(?:\+|tel:)\s*\d(?:[\s().-]*\d){6,}/i
/** A CNAME user part that is an id, not a name: hex groups with a digit (a UUID, "11894297-4432a9f8"). */
const RANDOM_USER = /^(?=[^@]*\d)\{?[0-9a-f]+(?:[-_.:][0-9a-f]+)*\}?$/i

export function sdesKind(item: string, text: string): SdesKind {
  switch (item) {
    case 'NAME':
    case 'EMAIL':
    case 'PHONE':
      return 'identifying'
    case 'LOC':
      return 'personal'
    case 'CNAME': {
      const at = text.lastIndexOf('@')
      if (at <= 0) return 'none'
      return RANDOM_USER.test(text.slice(0, at)) ? 'none' : 'personal'
    }
    case 'NOTE':
    case 'PRIV':
      return EMAIL_IN_TEXT.test(text) || PHONE_IN_TEXT.test(text) ? 'identifying' : 'software'
    case 'TOOL':
      return 'software'
    default:
      return 'none'
  }
}

function sdesEvidence(flow: ReportFlow, s: SdesFact): FindingEvidence {
  return ev(flow, `SDES ${s.item} ${quote(s.text)} sent by the ${s.sentBy} (${s.count}×)`, s.first)
}

/** The first few distinct items, as `NAME "..."` (both directions often send the same). */
function sdesList(items: readonly SdesFact[]): string {
  return [...new Set(items.map((s) => `${s.item} ${quote(s.text)}`))].slice(0, 4).join('; ')
}

/**
 * CA-META-007: RTCP SDES items in clear that identify the participant or say where they are;
 * high when they name or reach them (NAME, EMAIL, PHONE, or such text in NOTE/PRIV).
 */
export function sdesItems(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'rtp')) {
    const sdes = factsOf(flow).rtp?.rtcp?.sdes ?? []
    const kinds = sdes.map((s) => sdesKind(s.item, s.text))
    // Those that name or reach the participant first, then logins and locations.
    const telling = [...sdes.filter((_, i) => kinds[i] === 'identifying'), ...sdes.filter((_, i) => kinds[i] === 'personal')]
    if (!telling.length) continue
    const identifying = kinds.includes('identifying')
    const detail = `Unencrypted RTCP between ${flow.client.ip} and ${flow.server.ip} carries source descriptions that ${identifying ? 'identify the participant' : 'describe the participant (a login name or a location)'}: ${sdesList(telling)}.`
    out.push(finding('CA-META-007', identifying ? 'high' : undefined, detail, telling.slice(0, MAX_ITEMS).map((s) => sdesEvidence(flow, s)), [flow.id], flow.remote.ip))
  }
  return out
}

/** CA-META-010: RTCP SDES items in clear that name the software (TOOL) or carry notes that are not personal. */
export function sdesSoftwareItems(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'rtp')) {
    const sdes = (factsOf(flow).rtp?.rtcp?.sdes ?? []).filter((s) => sdesKind(s.item, s.text) === 'software')
    if (!sdes.length) continue
    const detail = `Unencrypted RTCP between ${flow.client.ip} and ${flow.server.ip} carries source descriptions that name the software or carry notes: ${sdesList(sdes)}. They tell an observer which client or server software took part; they name no one.`
    out.push(finding('CA-META-010', undefined, detail, sdes.slice(0, MAX_ITEMS).map((s) => sdesEvidence(flow, s)), [flow.id], flow.remote.ip))
  }
  return out
}

/** What one cleartext HTTP request (or its response) exposes. */
interface HttpExposure {
  evidence: FindingEvidence
  /** A meeting link travelled in it (target, Referer or the response's Location). */
  meeting: boolean
  /** It carried a Cookie, an Authorization header or secret URL parameters. */
  secret: boolean
}

const MEETING_APP_NAMES: Record<string, string> = {zoom: 'Zoom', webex: 'Webex', teams: 'Teams', meet: 'Google Meet', jitsi: 'Jitsi'}

function meetingLinkText(link: HttpMeetingLinkFact): string {
  return `${MEETING_APP_NAMES[link.app] ?? link.app} meeting link ${quote(link.id)}${link.passcode ? ' with its passcode' : ''}`
}

/** The request's and its response's exposures, as evidence. */
function httpExposures(flow: ReportFlow, r: HttpRequestFact): HttpExposure[] {
  const out: HttpExposure[] = []
  const what = [
    r.meetingLink ? `${meetingLinkText(r.meetingLink)}${r.meetingLink.where === 'referer' ? ' in its Referer' : ''}` : '',
    r.redacted.length ? `secret parameters ${r.redacted.join(', ')}` : '',
    r.cookie ? 'a Cookie header' : '',
    r.authorization ? 'an Authorization header' : '',
  ].filter(Boolean)
  if (what.length) {
    out.push({
      evidence: ev(flow, `${r.method} ${quote(`${r.host ?? flow.remote.ip}${r.target}`)} carries ${what.join(', ')}`, r.evidence),
      meeting: r.meetingLink !== null,
      // Secret parameters of a meeting link (its passcode, a join token) are the link's.
      secret: r.cookie || r.authorization || (r.meetingLink === null && r.redacted.length > 0),
    })
  }
  // A redirect to a meeting link the request did not carry (a short link resolved in clear).
  const answer = r.response
  if (answer?.meetingLink && answer.location !== null && !r.meetingLink) {
    out.push({evidence: ev(flow, `response ${answer.status} to ${r.method} ${quote(`${r.host ?? flow.remote.ip}${r.target}`)} carries the ${meetingLinkText(answer.meetingLink)} in its Location ${quote(answer.location)}`, answer.evidence), meeting: true, secret: false})
  }
  return out
}

/**
 * CA-META-008: cleartext HTTP with meeting links, passcodes, cookies or credentials. A meeting
 * link (with or without its passcode) is meeting data wherever it travels — to the meeting
 * service, in a Referer to another site, in a redirect's Location — and is rated high. Cookies,
 * Authorization headers and secret URL parameters are rated high on the call's flows (flows of an
 * identified conferencing app, or media, relay and control): they are the app's session. The
 * same sent to other servers belong to another service, not to the meeting: low, and worded so.
 */
export function cleartextHttpSecrets(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'http')) {
    const exposures = (factsOf(flow).http?.requests ?? []).flatMap((r) => httpExposures(flow, r))
    if (!exposures.length) continue
    const meeting = exposures.some((x) => x.meeting)
    const secret = exposures.some((x) => x.secret)
    const call = isCallFlow(flow)
    const app = flow.app !== null ? (ctx.identification.apps.find((a) => a.app === flow.app)?.displayName ?? flow.app) : null
    const server = `${flow.remote.ip}${app ? `, a server of ${app},` : call ? `, a ${flow.role} server of the call,` : ''}`
    const session = app ? `the session with ${app}` : 'the session'
    let detail: string
    if (meeting && secret && call) detail = `Cleartext HTTP to ${server} carries a meeting link and the session's cookies or credentials: anyone on the path can read them, join the meeting and take over ${session} (values shown redacted).`
    else if (meeting) detail = `Cleartext HTTP to ${server} carries a meeting link: anyone on the path can read it and join the meeting (values shown redacted).${secret ? ' The cookies or credentials it also carries belong to a service that is not the call (no conferencing app was identified on the flow).' : ''}`
    else if (call) detail = `Cleartext HTTP to ${server} carries the session's cookies or credentials: anyone on the path can read them and take over ${session} (values shown redacted).`
    else detail = `Cleartext HTTP to ${flow.remote.ip} carries cookies or credentials of a service that is not the call (no conferencing app was identified on the flow): anyone on the path can read them and may take over that session; they reveal nothing of the meeting (values shown redacted).`
    const severity = meeting || call ? undefined : 'low'
    out.push(finding('CA-META-008', severity, detail, exposures.slice(0, MAX_ITEMS).map((x) => x.evidence), [flow.id], flow.remote.ip))
  }
  return out
}
