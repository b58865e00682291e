/**
 * Where our HTTP requests (TCP, from the HTTP analyzer; SSDP over UDP, from the LAN analyzer)
 * and tshark's `http[]` oracle rows disagree, and why. The corpus test fails on any disagreement
 * not listed here and on any listed frame that no longer disagrees. Same format as the DNS file.
 */
import type {OracleExpectation} from '../dns/oracle-expectations.js'

export const HTTP_EXPECTATIONS: OracleExpectation[] = [
  {
    capture: 'WebattackRCE.pcap',
    frames: [535],
    kind: 'differs',
    reason: 'A request-target with spaces (`/cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download`): we keep everything up to the last space before the version, tshark stops at the first space.',
  },
  {
    capture: 'http-manipulated.pcap',
    frames: [14],
    kind: 'differs',
    reason: 'Eighteen spaces between the method and the target: we skip them and read the target, tshark reads an empty target.',
  },
  {
    capture: 'fuzz-2006-09-29-28586.pcap',
    frames: [20],
    kind: 'differs',
    reason: 'A fuzzed Host header holding a NUL byte: tshark cuts the value at the NUL ("%s"), we keep every byte ("%s\\u00002.20.3.5").',
  },
]
