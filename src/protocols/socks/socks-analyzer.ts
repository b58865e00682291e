/**
 * SOCKS proxy handshakes (SOCKS4/4a, SOCKS5 RFC 1928 with RFC 1929 user/password): what an
 * on-path observer reads before the proxied bytes start — the destination the client asked for
 * (a host name when the proxy resolves it: the name travels in clear even if the client's DNS
 * does not), its port, the user name, and whether the proxy granted it. The proxied bytes are
 * read by the HTTP and TLS analyzers (HTTP skips the handshake with the same parser).
 *
 * Dispatch: any TCP flow whose first client payload is a strict SOCKS greeting (proxies listen on
 * 1080, 9050, and many other ports). Steps aside once both sides' handshakes are read.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {intern} from '../../util/intern.js'
import {INCOMPLETE, INVALID, isSocksGreeting, type SocksRequest, socksClientHandshake, socksServerHandshake} from './socks-handshake.js'

/** Bytes of each direction kept until its handshake is whole (a greeting, an RFC 1929
 * sub-negotiation and a request with a 255-byte name fit in well under 1 KiB). */
const HANDSHAKE_BYTES = 1024

/** The client's request as read (see SocksRequest: the password is never among it), where it was
 * completed, and the proxy's answer. */
export interface SocksFacts extends Omit<SocksRequest, 'length'> {
  /** The frame that completed the client's request. */
  request: Evidence
  /** The proxy's answer, when it was captured. */
  reply: {code: number; granted: boolean; evidence: Evidence} | null
}

interface SocksState {
  evidenceOf: EvidenceOf
  client: TcpByteStream | null
  server: TcpByteStream | null
  facts: SocksFacts | undefined
  /** The client side was not a SOCKS handshake after all. */
  failed: boolean
}

export const socksAnalyzer: ProtocolAnalyzer<SocksState, SocksFacts> = {
  name: 'socks',
  packetBudget: 16,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    return flow.transport === 'tcp' && packet.toServer && isSocksGreeting(packet.data)
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): SocksState {
    return {evidenceOf, client: new TcpByteStream(HANDSHAKE_BYTES), server: new TcpByteStream(HANDSHAKE_BYTES), facts: undefined, failed: false}
  },

  feed(state: SocksState, packet: PayloadPacket): boolean {
    if (packet.toServer) {
      if (state.facts || !state.client) return more(state)
      state.client.push(packet.seq, packet.data, packet.streamStart)
      const request = socksClientHandshake(state.client.bytes)
      if (request === INVALID) state.failed = true
      else if (request !== INCOMPLETE) {
        state.facts = {
          version: request.version,
          command: request.command,
          host: intern(request.host),
          hostIsName: request.hostIsName,
          port: request.port,
          user: request.user === null ? null : intern(request.user),
          request: state.evidenceOf(packet),
          reply: null,
        }
        state.client = null
      }
      if (state.failed) state.client = null
      return more(state)
    }
    if (!state.server) return more(state)
    state.server.push(packet.seq, packet.data, packet.streamStart)
    const version = state.facts?.version ?? 5
    const reply = socksServerHandshake(state.server.bytes, version)
    if (reply === INVALID) state.server = null
    else if (reply !== INCOMPLETE) {
      // The reply may be read before the request is whole (SOCKS5's method choice answers the
      // greeting); it is attached once the request is known.
      if (state.facts) {
        state.facts.reply = {code: reply.code, granted: reply.granted, evidence: state.evidenceOf(packet)}
        state.server = null
      }
    }
    return more(state)
  },

  finish(state: SocksState): SocksFacts | undefined {
    state.client = null
    state.server = null
    return state.failed ? undefined : state.facts
  },

  describe(facts: SocksFacts): string[] {
    const host = facts.host.includes(':') ? `[${facts.host}]` : facts.host
    const frame = facts.request.capture > 0 ? `frame ${facts.request.frame} of capture ${facts.request.capture + 1}` : `frame ${facts.request.frame}`
    const user = facts.user !== null ? ` as user ${facts.user}` : ''
    const reply = facts.reply === null ? 'no reply seen' : facts.reply.granted ? 'granted' : `refused (code ${facts.reply.code})`
    return [`SOCKS${facts.version} ${facts.command.toUpperCase()} ${host}:${facts.port}${user}: ${reply} (${frame})`]
  },
}

/** Wants more while a side's handshake is still being read. */
function more(state: SocksState): boolean {
  if (state.failed) return false
  return state.facts === undefined || state.server !== null
}
