/**
 * Where our DNS facts and tshark's `dns[]` oracle rows disagree, and why. The corpus test fails
 * on any disagreement not listed here, and on any listed frame that no longer disagrees.
 *
 * `excluded`: rows that are not comparable (tshark decodes as DNS something that is not a DNS
 * message we could be given); they leave the denominator. `differs`: rows compared and known to
 * differ; they count against the agreement.
 *
 * Rows with `in_icmp_error` (DNS headers quoted inside ICMP errors) are excluded by the test
 * itself: they are not flows and are never offered to analyzers.
 */
export interface OracleExpectation {
  capture: string
  /** The frames concerned, or 'all' for every disagreeing row of the capture. */
  frames: number[] | 'all'
  kind: 'excluded' | 'differs'
  reason: string
}

export const DNS_EXPECTATIONS: OracleExpectation[] = [
  {
    capture: 'badpackets.pcap',
    frames: 'all',
    kind: 'excluded',
    reason:
      'Every DNS response is the first fragment of a datagram whose other fragments were never captured (IP total length 1500, frame 271 bytes). tshark dissects the partial payload; collect-flows hands analyzers only whole datagrams (see the report: a request to deliver cut-short first fragments).',
  },
  {
    capture: 'doq.pcapng',
    frames: 'all',
    kind: 'excluded',
    reason: 'DNS over QUIC (UDP 784): the payload is encrypted QUIC; tshark labels the short-header packets "dns" with no question. Nothing to read in clear.',
  },
  {
    capture: 'someip_sd_sample.pcap',
    frames: 'all',
    kind: 'excluded',
    reason: 'SOME/IP Service Discovery on UDP 30490, which tshark misdecodes as DNS (no question, no record). Not DNS.',
  },
  {
    capture: 'fuzz-2006-06-26-2594.pcap',
    frames: [25, 111, 246, 288, 382, 384, 391, 450, 517, 536, 569, 579, 605, 671],
    kind: 'differs',
    reason:
      'Fuzzed names with an extended label type (RFC 6891 §5, 0x40/0x80): tshark prints "<Unknown extended label>" and reads a type from the bytes after the label byte; we end the message there as malformed and keep no partial question.',
  },
  {
    capture: 'fuzz-2006-06-26-2594.pcap',
    frames: [513],
    kind: 'differs',
    reason: 'A backslash inside a label: we escape it ("arp\\\\") so names stay unambiguous; tshark prints it bare ("arp\\").',
  },
  {
    capture: 'fuzz-2006-06-26-2594.pcap',
    frames: [269, 311],
    kind: 'differs',
    reason: 'The IP total length leaves fewer than 12 bytes of UDP payload (a DNS header needs 12): tshark shows a malformed header, we see no message.',
  },
  {
    capture: 'fuzz-2006-06-26-2594.pcap',
    frames: [29],
    kind: 'differs',
    reason: 'Fuzzed ports (9587 → 156) and a truncated response: off the DNS ports we take only datagrams that parse whole (isStrictDnsMessage).',
  },
  {
    capture: 'malformed_dns.pcap',
    frames: [2, 3, 5, 6],
    kind: 'differs',
    reason:
      'A crafted second question whose compression pointers point into its own labels (an exploit pattern). We reject pointers that do not point before the name being read (RFC 1035 §4.1.4: "a prior occurrence") and end the message as malformed; tshark follows them and prints "<Name too long>".',
  },
]
