import type {IpDiscoveryFacts} from '../protocols/discord/ip-discovery.js'
import type {DnsFacts} from '../protocols/dns/dns-analyzer.js'
import type {DtlsFacts} from '../protocols/dtls/dtls-analyzer.js'
import type {H245Facts} from '../protocols/h323/h245-analyzer.js'
import type {H323Facts} from '../protocols/h323/h323-analyzer.js'
import type {HttpFacts} from '../protocols/http/http-analyzer.js'
import type {IpsecFacts} from '../protocols/ipsec/ipsec-analyzer.js'
import type {LanFacts} from '../protocols/lan/lan-analyzer.js'
import type {OpenVpnFacts} from '../protocols/openvpn/openvpn-analyzer.js'
import type {QuicFacts} from '../protocols/quic/quic-analyzer.js'
import type {RtpFacts} from '../protocols/rtp/analyzer.js'
import type {SipFacts} from '../protocols/sip/sip-analyzer.js'
import type {SocksFacts} from '../protocols/socks/socks-analyzer.js'
import type {StunFacts} from '../protocols/stun/analyzer.js'
import type {TlsFacts} from '../protocols/tls/tls-analyzer.js'
import type {WebSocketFacts} from '../protocols/websocket/ws-analyzer.js'
import type {WhatsAppChatFacts} from '../protocols/whatsapp/chat-prologue.js'
import type {WireGuardFacts} from '../protocols/wireguard/wireguard-analyzer.js'
import type {XmppFacts} from '../protocols/xmpp/xmpp-analyzer.js'
import type {ZoomFacts} from '../protocols/zoom/analyzer.js'
import type {ZrtpFacts} from '../protocols/zrtp/zrtp-analyzer.js'
import type {FlowRecord} from '../flows/flow-records.js'

/** The protocol facts of one flow, typed (the flow record carries them as plain JSON). */
export interface FlowFacts {
  discord?: IpDiscoveryFacts
  dns?: DnsFacts
  dtls?: DtlsFacts
  h323?: H323Facts
  h245?: H245Facts
  http?: HttpFacts
  ipsec?: IpsecFacts
  lan?: LanFacts
  openvpn?: OpenVpnFacts
  quic?: QuicFacts
  rtp?: RtpFacts
  sip?: SipFacts
  socks?: SocksFacts
  stun?: StunFacts
  tls?: TlsFacts
  websocket?: WebSocketFacts
  whatsapp?: WhatsAppChatFacts
  wireguard?: WireGuardFacts
  xmpp?: XmppFacts
  zoom?: ZoomFacts
  zrtp?: ZrtpFacts
}

/** The facts of a flow that carries none: one frozen object, not a new one per question. */
const NO_FACTS: FlowFacts = Object.freeze({})

export function factsOf(flow: FlowRecord): FlowFacts {
  return (flow.protocols ?? NO_FACTS) as FlowFacts
}
