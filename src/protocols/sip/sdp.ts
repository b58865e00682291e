/**
 * What an SDP body (RFC 8866) in a SIP message tells an eavesdropper: the origin line's user
 * name and address (§5.2), the connection addresses (§5.7) and media streams (§5.14: media, port,
 * transport) where the call's media will go, and whether SRTP keys travel in it: `a=crypto`
 * lines (SDES, RFC 4568 §9.1) carry the master key inline. Only the crypto-suite of each is kept,
 * never the key. `a=fingerprint` (RFC 8122) means DTLS-SRTP keying instead, which puts no key in
 * the SDP. ICE candidates (`a=candidate`, RFC 8839 §5.1) list the addresses a party can be reached
 * at: its host candidates are the device's own interface addresses (LAN, VPN, IPv6), which a
 * browser softphone hands to whoever reads the SDP.
 */

const MAX_ITEMS = 16
const MAX_CHARS = 256

export interface SdpFacts {
  /** o= user name and address; null when absent or "-". */
  originUser: string | null
  originAddress: string | null
  /** c= addresses, session and media level, in order, without repeats. */
  connections: string[]
  media: Array<{type: string; port: number; proto: string}>
  /** a=crypto lines (each holds an SRTP master key in clear) and their suites. */
  cryptoLines: number
  cryptoSuites: string[]
  /** a=fingerprint present: DTLS-SRTP keying (no key in the SDP). */
  fingerprint: boolean
  /** a=candidate lines, in order, without repeats (the same address, port and transport). */
  candidates: SdpCandidate[]
}

export interface SdpCandidate {
  /** The connection-address: an IP address, or an mDNS name (<uuid>.local) where a browser hides it. */
  address: string
  port: number
  /** udp or tcp, lower-cased. */
  transport: string
  /** host, srflx, prflx, relay. */
  type: string
}

/** The SDP in text (Latin-1 decoded bytes); undefined when it does not start like SDP (v=0). */
export function parseSdp(text: string): SdpFacts | undefined {
  // RFC 8866 §5: a session description starts with v=0.
  if (!text.startsWith('v=0')) return undefined
  const facts: SdpFacts = {originUser: null, originAddress: null, connections: [], media: [], cryptoLines: 0, cryptoSuites: [], fingerprint: false, candidates: []}
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.length < 2 || line[1] !== '=') continue
    const value = line.slice(2, 2 + MAX_CHARS)
    switch (line[0]) {
      case 'o': {
        // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
        const parts = value.split(' ')
        if (parts.length >= 6) {
          facts.originUser = parts[0] === '-' ? null : parts[0]!
          facts.originAddress = parts[5] ?? null
        }
        break
      }
      case 'c': {
        // c=<nettype> <addrtype> <connection-address>[/ttl][/count]
        const address = value.split(' ')[2]?.split('/')[0]
        if (address && !facts.connections.includes(address) && facts.connections.length < MAX_ITEMS) facts.connections.push(address)
        break
      }
      case 'm': {
        // m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        const [type, port, proto] = value.split(' ')
        const n = Number.parseInt(port ?? '', 10)
        if (type && proto && Number.isInteger(n) && n >= 0 && n <= 65535 && facts.media.length < MAX_ITEMS) facts.media.push({type, port: n, proto})
        break
      }
      case 'a': {
        if (value.startsWith('crypto:')) {
          // a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]: the suite, not the key.
          facts.cryptoLines++
          const suite = value.split(' ')[1]
          if (suite && !facts.cryptoSuites.includes(suite) && facts.cryptoSuites.length < MAX_ITEMS) facts.cryptoSuites.push(suite.slice(0, 64))
        } else if (value.startsWith('fingerprint:')) facts.fingerprint = true
        else if (value.startsWith('candidate:') && facts.candidates.length < MAX_ITEMS) {
          const candidate = parseCandidate(value)
          if (candidate && !facts.candidates.some((c) => c.address === candidate.address && c.port === candidate.port && c.transport === candidate.transport)) facts.candidates.push(candidate)
        }
        break
      }
      default:
        break
    }
  }
  return facts
}

/**
 * `candidate:<foundation> <component-id> <transport> <priority> <connection-address> <port> typ
 * <cand-type> ...` (RFC 8839 §5.1), without its `a=` (as trickle ICE sends it, RFC 8840);
 * undefined when it does not follow the grammar.
 */
export function parseCandidate(value: string): SdpCandidate | undefined {
  const parts = value.slice('candidate:'.length).split(' ')
  if (parts.length < 8 || parts[6] !== 'typ') return undefined
  const port = Number(parts[5])
  const address = parts[4]!
  if (!Number.isInteger(port) || port < 0 || port > 65535 || address.length === 0) return undefined
  return {address, port, transport: parts[2]!.toLowerCase().slice(0, 16), type: parts[7]!.slice(0, 16)}
}
