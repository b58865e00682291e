/**
 * Where our RTP streams and tshark's (`-o rtp.heuristic_rtp:TRUE -z rtp,streams`) legitimately
 * differ. tshark's heuristic calls any version-2 packet to an even port RTP, so it lists "streams"
 * in captures of protocols that are not RTP; we require 3 in-order packets of one SSRC (or RTCP
 * that tiles its datagram) before a flow is RTP. The corpus test fails on any difference not
 * listed here and on any entry that no longer matches one.
 */

export interface StreamSelector {
  capture: string
  /** Restrict to these SSRCs (lowercase hex as in the facts); all of the capture when absent. */
  ssrcs?: string[]
  /** Restrict to a direction, `src|sport|dst|dport`. */
  flow?: string
  reason: string
}

/** tshark "streams" that are not RTP: left out of the agreement (not counted either way). */
export const NOT_RTP: StreamSelector[] = [
  {capture: 'crynet.pcap', reason: 'SSRC, sequence number and timestamp all 0 in every packet: a non-RTP protocol whose first byte is 0x80'},
  {capture: 'dnscrypt-v1-and-resolver-pings.pcap', reason: 'one DNSCrypt packet to UDP 443 whose first byte happens to be 0x80-0xBF'},
  {capture: 'epicgames.pcapng', reason: 'game protocol: "SSRC" 0x7404000x with the same sequence number repeated (8192, 8192, 8192, ...)'},
  {capture: 'ethereum.pcap', reason: 'single packets of Ethereum devp2p discovery (encrypted, random first byte)'},
  {capture: 'fuzz-2006-06-26-2594.pcap', flow: '81.168.1.2|30000|212.242.33.36|40392', reason: 'fuzzed copy of sip.pcap: a single mutated packet on a corrupted address'},
  {capture: 'fuzz-2006-06-26-2594.pcap', flow: '192.168.1.2|30000|214.242.33.36|40392', reason: 'fuzzed copy of sip.pcap: a single mutated packet on a corrupted address'},
  {capture: 'fuzz-2006-06-26-2594.pcap', flow: '192.168.1.2|30000|37.115.0.36|40392', reason: 'fuzzed copy of sip.pcap: a single mutated packet on a corrupted address'},
  {capture: 'fuzz-2006-06-26-2594.pcap', flow: '192.168.1.3|30000|212.242.33.36|40392', reason: 'fuzzed copy of sip.pcap: a single mutated packet on a corrupted address'},
  {capture: 'fuzz-2020-02-16-11740.pcap', reason: 'fuzzer filler bytes 0xAA: "SSRC" 0xAAAAAAAA'},
  {capture: 'gaijin_warthunder.pcap', reason: 'single packets of a game protocol'},
  {capture: 'genshin-impact.pcap', reason: 'game protocol (KCP): "sequence number" stays 512, "SSRC" 0x5?000001'},
  {capture: 'gnutella.pcap', reason: 'single packets of Gnutella UDP on port 28681'},
  {capture: 'imo.pcap', reason: 'imo packets: one packet per random "SSRC", or a constant header (SSRC 0x00010000, sequence 6656, timestamp 0)'},
  {capture: 'ipv6_in_gtp.pcap', reason: 'a single packet'},
  {capture: 'iqiyi.pcap', reason: 'a single packet'},
  {capture: 'raknet.pcap', reason: 'RakNet game packets: sequence number 0 and SSRC 0 or 0x900 repeated'},
  {capture: 'riotgames.pcap', reason: 'game protocol: the same sequence number and timestamp in every packet'},
  {capture: 'telegram.pcap', reason: '26 one-packet "streams" with random SSRCs and payload types: encrypted MTProto voice packets, not RTP'},
  {capture: 'tinc.pcap', reason: '33 one-packet "streams": tinc VPN packets (encrypted, random first byte)'},
]

export interface CountDifference {
  capture: string
  ssrc: string
  flow: string
  tshark: number
  ours: number
  reason: string
}

/** Real RTP streams where tshark counts fewer packets than we do: counted as disagreements. */
export const COUNT_DIFFERENCES: CountDifference[] = [
  {
    capture: 'FAX-Call-t38-CA-TDM-SIP-FB-1.pcap',
    ssrc: '0x0eaf0eaf',
    flow: '10.35.60.100|15580|10.23.1.52|16756',
    tshark: 132,
    ours: 159,
    reason: 'the SIP re-INVITE switches the port to T.38 in its SDP; tshark follows the signalling and decodes the last 27 packets as T.38 although they are still PCMA RTP',
  },
  {
    capture: 'stun_google_meet.pcapng',
    ssrc: '0x00000000',
    flow: '142.250.82.76|19305|192.168.12.156|38152',
    tshark: 25,
    ours: 31,
    reason: 'SRTP padding probes (P bit, SSRC 0): the last byte belongs to the SRTP auth tag, so the padding count is random; tshark drops the packets where it exceeds the payload',
  },
  {
    capture: 'stun_google_meet.pcapng',
    ssrc: '0x00000000',
    flow: '2001:4860:4864:6::81|19305|2001:b07:a3d:c112:48a1:1094:1227:281e|45572',
    tshark: 93,
    ours: 104,
    reason: 'SRTP padding probes (P bit, SSRC 0): the last byte belongs to the SRTP auth tag, so the padding count is random; tshark drops the packets where it exceeds the payload',
  },
]

/** Streams we find and tshark does not. */
export const OURS_ONLY: StreamSelector[] = [
  {capture: 'snapchat_call_v1.pcapng', reason: 'Snapchat call media on UDP 443: tshark dissects port 443 as QUIC, so its RTP heuristic never runs'},
]
