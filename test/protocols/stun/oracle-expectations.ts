/**
 * Where our STUN facts and tshark's (oracle `stun[]`) legitimately differ, one class per entry.
 * The corpus test fails on any difference not listed here, and on any entry that no longer
 * matches a difference (so the list cannot go stale).
 */

export interface AddressExpectation {
  capture: string
  /** Attribute type as in the facts, e.g. '0x0103'. */
  type: string
  reason: string
}

/** Address attributes we decode that tshark does not show with an address. */
export const EXTRA_ADDRESSES: AddressExpectation[] = [
  {
    capture: 'zoom.pcap',
    type: '0x0103',
    reason:
      "Zoom's RFC 3489-shaped response on 3478/3479 carries the client's reflexive address in attribute 0x0103 (MAPPED-ADDRESS layout, public 80.180.220.239 for a client on 192.168.1.117); tshark's classicstun labels it Unknown",
  },
  {
    capture: 'teams.pcap',
    type: '0x000e',
    reason:
      '[MS-TURN] Allocate error responses leave the ERROR-CODE reason unpadded; tshark stops decoding there, we read on and find MS-ALTERNATE-SERVER (and the relayed/mapped addresses tshark shows from other messages)',
  },
]

/** Address attributes tshark shows that we do not. */
export const MISSED_ADDRESSES: AddressExpectation[] = []

export interface MessageTypeExpectation {
  capture: string
  type: string
  reason: string
}

/** Message types tshark reports on a flow where we report none of that type. */
export const MISSED_MESSAGE_TYPES: MessageTypeExpectation[] = []
