import type {ProtocolAnalyzer} from './analyzer.js'

/**
 * Every protocol analyzer, in the order their facts appear in a flow record. Each lives in its
 * own module under src/protocols/<name>/ and is added here (one import, one list entry).
 */
// analyzer imports (keep one per line, alphabetical)
import {discordIpDiscoveryAnalyzer} from './discord/ip-discovery.js'
import {dnsAnalyzer} from './dns/dns-analyzer.js'
import {dtlsAnalyzer} from './dtls/dtls-analyzer.js'
import {h245Analyzer} from './h323/h245-analyzer.js'
import {h323Analyzer} from './h323/h323-analyzer.js'
import {httpAnalyzer} from './http/http-analyzer.js'
import {ipsecAnalyzer} from './ipsec/ipsec-analyzer.js'
import {lanAnalyzer} from './lan/lan-analyzer.js'
import {openvpnAnalyzer} from './openvpn/openvpn-analyzer.js'
import {quicAnalyzer} from './quic/quic-analyzer.js'
import {rtpAnalyzer} from './rtp/analyzer.js'
import {sipAnalyzer} from './sip/sip-analyzer.js'
import {socksAnalyzer} from './socks/socks-analyzer.js'
import {stunAnalyzer} from './stun/analyzer.js'
import {tlsAnalyzer} from './tls/tls-analyzer.js'
import {webSocketAnalyzer} from './websocket/ws-analyzer.js'
import {whatsappChatAnalyzer} from './whatsapp/chat-prologue.js'
import {wireguardAnalyzer} from './wireguard/wireguard-analyzer.js'
import {xmppAnalyzer} from './xmpp/xmpp-analyzer.js'
import {zoomAnalyzer} from './zoom/analyzer.js'
import {zrtpAnalyzer} from './zrtp/zrtp-analyzer.js'

export const ALL_ANALYZERS: ProtocolAnalyzer<any, any>[] = [
  // analyzer list (keep one per line)
  dnsAnalyzer,
  socksAnalyzer,
  httpAnalyzer,
  sipAnalyzer,
  h323Analyzer,
  h245Analyzer,
  webSocketAnalyzer,
  xmppAnalyzer,
  tlsAnalyzer,
  quicAnalyzer,
  dtlsAnalyzer,
  openvpnAnalyzer,
  ipsecAnalyzer,
  wireguardAnalyzer,
  lanAnalyzer,
  stunAnalyzer,
  rtpAnalyzer,
  zrtpAnalyzer,
  zoomAnalyzer,
  discordIpDiscoveryAnalyzer,
  whatsappChatAnalyzer,
]

export function analyzerByName(name: string): ProtocolAnalyzer<any, any> | undefined {
  return ALL_ANALYZERS.find((a) => a.name === name)
}
