/**
 * ZRTP (RFC 6189) on a media flow: the Hellos each side sent (software, persistent ZID, flags,
 * algorithms offered), the Commit's chosen algorithms, whether the key agreement completed
 * (Conf2ACK), GoClear (media switched back to clear, §4.7.2) and Error codes.
 *
 * Dispatch: UDP flows whose first payload is a ZRTP packet, an RTP packet (version 2) or a STUN
 * message (ICE first), as ZRTP shares the media 5-tuple (§5); a flow with no ZRTP packet among
 * its first ZRTP_WINDOW packets is let go: the Hellos open the media session (§4.1, retransmitted
 * from its start), so a capture that began later has missed them. Not read: ZRTP inside TURN
 * ChannelData and over TCP.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {hasMagicCookie} from '../stun/message.js'
import {looksLikeZrtp, parseZrtpPacket, type ZrtpCommit, type ZrtpHello} from './zrtp-message.js'

/** Packets a flow is watched for its first ZRTP packet. */
export const ZRTP_WINDOW = 200
/** Packets a ZRTP flow is read in all (the exchange takes a few dozen; a GoClear is rare later). */
const ZRTP_BUDGET = 2000
/** Distinct Hellos kept (per side and ZID) and Error messages kept. */
const MAX_HELLOS = 4
const MAX_ERRORS = 8

export interface ZrtpHelloFact extends ZrtpHello {
  evidence: Evidence
  fromClient: boolean
}

export interface ZrtpCommitFact extends ZrtpCommit {
  evidence: Evidence
  fromClient: boolean
}

export interface ZrtpFacts {
  /** The first ZRTP packet of the flow. */
  evidence: Evidence
  /** ZRTP packets read. */
  messages: number
  /** Per message type (§5), in the order first seen. */
  types: Record<string, number>
  /** The first Hello of each side and ZID (at most MAX_HELLOS). */
  hellos: ZrtpHelloFact[]
  commit: ZrtpCommitFact | null
  /** A Conf2ACK was read: the key agreement completed and SRTP keys were derived (§4.6). */
  keyAgreed: boolean
  /** The first GoClear (§5.11): a side asked to switch the media back to clear. */
  goClear: Evidence | null
  errors: Array<{evidence: Evidence; code: number}>
}

interface ZrtpState {
  evidenceOf: EvidenceOf
  packets: number
  /** Made at the flow's first ZRTP packet: most flows watched never carry one. */
  facts: ZrtpFacts | null
}

export const zrtpAnalyzer: ProtocolAnalyzer<ZrtpState, ZrtpFacts> = {
  name: 'zrtp',
  packetBudget: ZRTP_BUDGET,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport !== 'udp') return false
    const b = packet.bytes
    const s = packet.start
    if (packet.end - s < 12) return false
    // ZRTP itself, RTP version 2 (RFC 3550 §5.1), or STUN with its magic cookie (RFC 8489 §5).
    return looksLikeZrtp(b, s, packet.end) || (b[s]! & 0xc0) === 0x80 || ((b[s]! & 0xc0) === 0 && packet.end - s >= 20 && hasMagicCookie(packet.data, 0))
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): ZrtpState {
    return {evidenceOf, packets: 0, facts: null}
  },

  feed(state: ZrtpState, packet: PayloadPacket): boolean {
    state.packets++
    if (looksLikeZrtp(packet.bytes, packet.start, packet.end)) read(state, packet)
    return state.facts !== null || state.packets < ZRTP_WINDOW
  },

  finish(state: ZrtpState): ZrtpFacts | undefined {
    return state.facts ?? undefined
  },

  describe(f: ZrtpFacts): string[] {
    const lines: string[] = []
    const types = Object.entries(f.types).map(([t, n]) => `${t} ×${n}`).join(', ')
    lines.push(`${f.messages} ZRTP message${f.messages === 1 ? '' : 's'} (${types})${f.keyAgreed ? ', key agreement completed' : ''} (from frame ${f.evidence.frame})`)
    for (const h of f.hellos) {
      const flags = [h.mitm ? 'trusted MiTM (PBX)' : '', h.passive ? 'passive' : '', h.signatureCapable ? 'can sign the SAS' : ''].filter(Boolean)
      lines.push(
        `ZRTP Hello from the ${h.fromClient ? 'client' : 'server'}: client id "${h.clientId}", version ${h.version}, ZID ${h.zid}${flags.length ? `, ${flags.join(', ')}` : ''}; offers ${h.keyAgreements.join(',') || 'default'} key agreement, ${h.ciphers.join(',') || 'AES1'} (frame ${h.evidence.frame})`,
      )
    }
    if (f.commit) {
      const c = f.commit
      lines.push(`ZRTP Commit from the ${c.fromClient ? 'client' : 'server'}: ${c.keyAgreement} key agreement, ${c.cipher}, ${c.hash}, auth tag ${c.authTag}, SAS ${c.sasType} (frame ${c.evidence.frame})`)
    }
    if (f.goClear) lines.push(`ZRTP GoClear: a side asked to send the media in clear (frame ${f.goClear.frame})`)
    for (const e of f.errors) lines.push(`ZRTP Error 0x${e.code.toString(16)} (frame ${e.evidence.frame})`)
    return lines
  },
}

function read(state: ZrtpState, packet: PayloadPacket): void {
  const parsed = parseZrtpPacket(packet.data)
  if (!parsed) return
  let facts = state.facts
  if (!facts) {
    facts = state.facts = {evidence: state.evidenceOf(packet), messages: 0, types: {}, hellos: [], commit: null, keyAgreed: false, goClear: null, errors: []}
  }
  facts.messages++
  const typeName = parsed.type === 'unknown' ? 'unknown' : parsed.type
  facts.types[typeName] = (facts.types[typeName] ?? 0) + 1
  if (parsed.hello) {
    // One Hello per side and ZID: retransmissions (§6) repeat it.
    const zid = parsed.hello.zid
    if (facts.hellos.length < MAX_HELLOS && !facts.hellos.some((h) => h.fromClient === packet.toServer && h.zid === zid)) {
      facts.hellos.push({evidence: state.evidenceOf(packet), fromClient: packet.toServer, ...parsed.hello})
    }
  } else if (parsed.commit && !facts.commit) {
    facts.commit = {evidence: state.evidenceOf(packet), fromClient: packet.toServer, ...parsed.commit}
  } else if (parsed.type === 'Conf2ACK') {
    facts.keyAgreed = true
  } else if (parsed.type === 'GoClear' && !facts.goClear) {
    facts.goClear = state.evidenceOf(packet)
  } else if (parsed.errorCode !== undefined && facts.errors.length < MAX_ERRORS) {
    facts.errors.push({evidence: state.evidenceOf(packet), code: parsed.errorCode})
  }
}
