import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import type {CertificateFacts} from '../../protocols/tls/certificate.js'
import type {CertificateMessageFacts} from '../../protocols/tls/hello-facts.js'
import {type CheckContext, finding, quote} from '../context.js'
import {hostPort} from '../../util/ip-text.js'

const MAX_ITEMS = 20
/** Subject attributes shown per certificate (the rest are counted). */
const MAX_FIELDS = 8

/**
 * Subject attributes that say who or what holds the certificate, in the order they are shown,
 * as node prints them (`GN`, `SN`, `UID`, `emailAddress`...). Country, state and locality are
 * left out: they describe the issuing organisation more often than the holder.
 */
const IDENTIFYING = ['CN', 'emailAddress', 'GN', 'SN', 'initials', 'pseudonym', 'name', 'UID', 'serialNumber', 'title', 'O', 'OU', 'DC'] as const
const RANK = new Map<string, number>(IDENTIFYING.map((a, i) => [a, i]))
/** Attributes that name a person. */
const PERSONAL_NAME = new Set(['GN', 'SN', 'pseudonym', 'initials'])
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g
/** Shared mailboxes of an organisation (support@cisco.com in every Cisco AP certificate): shown,
 * but they do not name a person. */
const ROLE_MAILBOX = /^(?:support|info|admin|administrator|sysadmin|root|webmaster|hostmaster|postmaster|noc|security|pki|ca|certs?|it|helpdesk|contact|no-?reply|office)$/i

export type ClientCertificateProtocol = 'TLS' | 'OpenVPN' | 'DTLS'

export interface CertificateIdentity {
  /** Identifying subject attributes, `[attribute, value]`, most telling first. */
  fields: Array<[string, string]>
  /** E-mail addresses found in any subject value (CN `50d2:user@example.com` included). */
  emails: string[]
  /** An e-mail address that is not a shared mailbox, or a given name / surname attribute. */
  personal: boolean
}

/** What a certificate's subject tells about its holder. */
export function certificateIdentity(cert: CertificateFacts): CertificateIdentity {
  const fields: Array<[string, string]> = []
  const emails = new Set<string>()
  let personal = false
  for (const rdn of cert.subject ?? []) {
    const eq = rdn.indexOf('=')
    if (eq <= 0) continue
    const attribute = rdn.slice(0, eq)
    const value = rdn.slice(eq + 1)
    for (const address of value.match(EMAIL) ?? []) {
      emails.add(address)
      if (!ROLE_MAILBOX.test(address.slice(0, address.indexOf('@')))) personal = true
    }
    if (!RANK.has(attribute) || !value.trim()) continue
    fields.push([attribute, value])
    if (PERSONAL_NAME.has(attribute)) personal = true
  }
  // rfc822Name SANs (RFC 5280 §4.2.1.6): the holder's address, outside the subject.
  for (const address of cert.sanEmail ?? []) {
    emails.add(address)
    const at = address.indexOf('@')
    if (!ROLE_MAILBOX.test(at < 0 ? address : address.slice(0, at))) personal = true
  }
  // Stable: attributes by rank, repeated ones (OU, DC) in their encoded order.
  fields.sort((a, b) => RANK.get(a[0])! - RANK.get(b[0])!)
  return {fields, emails: [...emails], personal}
}

/**
 * Whether a DTLS client certificate says anything about its holder. WebRTC endpoints make a new
 * self-signed certificate per session whose subject is a lone CN ("WebRTC", random text): it names
 * no one and is never reported. A DTLS certificate is reported when its subject carries more than
 * a CN (organisation, unit, e-mail, ids: a device certificate such as a CAPWAP access point's) or
 * an e-mail address.
 */
export function dtlsCertificateIdentifies(identity: CertificateIdentity): boolean {
  return identity.emails.length > 0 || identity.fields.some(([attribute]) => attribute !== 'CN')
}

interface Sending {
  flow: ReportFlow
  protocol: ClientCertificateProtocol
  message: CertificateMessageFacts
  /** Who sent it, as the finding names them: 'TLS client', 'DTLS client', ... */
  sender: string
  /** The end of the flow the certificate was sent to. */
  to: {ip: string; port: number}
}

/**
 * Certificates that can name the caller, sent in clear on a flow: for TLS and OpenVPN the
 * protocol client's (a credential issued to a user or device); for DTLS the one the capture's own
 * side sent. In WebRTC both ends of a DTLS handshake send a certificate (RFC 5763 §5: each
 * side's fingerprint is in its own SDP), and which end is the DTLS client follows the SDP
 * offer/answer (RFC 8842 §5), not who the caller is: through a TURN relay or from a media server
 * the client is often the remote end, whose certificate names the remote (a server's "Mouflon
 * WebRTC Server", StripChat), not the caller.
 */
function clientCertificates(flow: ReportFlow): Sending[] {
  const f = factsOf(flow)
  const out: Sending[] = []
  // `sentBy` names the flow endpoint; the protocol's client is the flow's server when the roles
  // were found reversed (the ClientHello, or OpenVPN's hard reset, came from the flow's server).
  const add = (protocol: ClientCertificateProtocol, messages: readonly CertificateMessageFacts[] | undefined, end: 'client' | 'server', sender: string) => {
    for (const message of messages ?? []) if (message.sentBy === end) out.push({flow, protocol, message, sender, to: end === 'client' ? flow.server : flow.client})
  }
  const protocolClient = (reversed: boolean) => (reversed ? 'server' : 'client')
  if (f.tls) add('TLS', f.tls.certificates, protocolClient(f.tls.rolesReversed === true), 'TLS client')
  if (f.openvpn?.tls) add('OpenVPN', f.openvpn.tls.certificates, protocolClient(f.openvpn.rolesReversed === true || f.openvpn.tls.rolesReversed === true), 'OpenVPN client')
  if (f.dtls) {
    if (isCapwap(flow)) add('DTLS', f.dtls.certificates, protocolClient(f.dtls.rolesReversed === true), 'DTLS client')
    else {
      const own = sameEnd(flow.remote, flow.server) ? 'client' : 'server'
      add('DTLS', f.dtls.certificates, own, own === protocolClient(f.dtls.rolesReversed === true) ? 'DTLS client' : 'DTLS server')
    }
  }
  return out
}

/** CAPWAP control or data (RFC 5415 §15.7: UDP 5246, 5247). */
function isCapwap(flow: ReportFlow): boolean {
  return [5246, 5247].includes(flow.server.port) || [5246, 5247].includes(flow.client.port)
}

function sameEnd(a: {ip: string; port: number}, b: {ip: string; port: number}): boolean {
  return a.ip === b.ip && a.port === b.port
}

function fieldsText(identity: CertificateIdentity): string {
  const shown = identity.fields.slice(0, MAX_FIELDS).map(([attribute, value]) => `${attribute} ${quote(value)}`)
  const more = identity.fields.length - MAX_FIELDS
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
}

function shortFingerprint(cert: CertificateFacts): string {
  return `${cert.fingerprint256.split(':').slice(0, 8).join(':')}…`
}

/**
 * CA-META-009: client certificates sent in clear (TLS ≤ 1.2, OpenVPN's control channel without
 * tls-crypt, DTLS ≤ 1.2). All flows count, not only call flows: a VPN or a client-certificate login
 * that carries the call names the caller whichever app it is. One finding per certificate (by
 * SHA-256 of the holder's certificate), with the connections it was sent on as evidence. TLS and
 * OpenVPN client certificates are credentials issued to a user or device: each is reported (a
 * subject naming no one is still the same certificate on every connection); DTLS ones (those the
 * capture's own side sent, see clientCertificates) only when they carry identifying fields. Certificates node could not parse, and empty Certificate
 * messages (a client without a certificate), are not reported.
 */
export function clientCertificatesInClear(ctx: CheckContext): Finding[] {
  const groups = new Map<string, {cert: CertificateFacts; identity: CertificateIdentity; sendings: Sending[]}>()
  for (const flow of ctx.flowsWithFacts) {
    for (const sending of clientCertificates(flow)) {
      const cert = sending.message.chain[0]
      if (!cert?.parsed) continue
      let group = groups.get(cert.fingerprint256)
      const identity = group?.identity ?? certificateIdentity(cert)
      if (sending.protocol === 'DTLS' && !dtlsCertificateIdentifies(identity)) continue
      if (!group) groups.set(cert.fingerprint256, (group = {cert, identity, sendings: []}))
      group.sendings.push(sending)
    }
  }
  const out: Finding[] = []
  for (const {cert, identity, sendings} of groups.values()) {
    const senders = [...new Set(sendings.map((s) => s.sender))].sort()
    const remotes = [...new Set(sendings.map((s) => s.to.ip))].sort()
    const flowIds = [...new Set(sendings.map((s) => s.flow.id))]
    // Evidence names the certificate briefly (the detail lists its fields).
    const first = identity.fields[0]
    const holder = `${first ? `${first[0]} ${quote(first[1])}` : `SHA-256 ${shortFingerprint(cert)}`}${cert.issuerCN !== undefined ? ` issued by ${quote(cert.issuerCN)}` : ''}`
    const evidence: FindingEvidence[] = sendings.slice(0, MAX_ITEMS).map(({flow, message, sender, to}) => ({
      description: `${sender} certificate ${holder} sent in clear to ${hostPort(to.ip, to.port)}`,
      frame: message.evidence.frame,
      capture: message.evidence.capture,
      time: message.evidence.time,
      flowId: flow.id,
    }))
    const to = remotes.length > 3 ? `${remotes.slice(0, 3).join(', ')} and ${remotes.length - 3} more` : remotes.join(', ')
    const names = identity.fields.length ? fieldsText(identity) : 'a subject without identifying attributes'
    // Addresses inside other values (CN "50d2:user@example.com"); an emailAddress field is listed already.
    const inside = identity.emails.filter((address) => !identity.fields.some(([attribute, value]) => attribute === 'emailAddress' && value === address))
    const emails = inside.length ? ` It carries the e-mail address${inside.length > 1 ? 'es' : ''} ${inside.slice(0, 4).map(quote).join(', ')}.` : ''
    const detail =
      `The ${senders.join(' and the ')} sent ${senders.length > 1 ? 'their' : 'its'} certificate in clear to ${to} (${flowIds.length} connection${flowIds.length > 1 ? 's' : ''}): ${names}.${emails} ` +
      `Anyone on the path reads who or what is connecting, and recognises the same certificate (SHA-256 ${shortFingerprint(cert)}) every time it is used.`
    out.push(finding('CA-META-009', identity.personal ? 'high' : undefined, detail, evidence, flowIds, remotes.length === 1 ? remotes[0] : undefined))
  }
  return out
}
