/**
 * Ports that tell whether TURN ChannelData can be on a flow at all.
 *
 * A ChannelData message (RFC 8656 §12.4) is nothing but a channel number in 0x4000-0x7FFF
 * (RFC 5766 §11; RFC 8656 §12 narrowed the allowed numbers to 0x4000-0x4FFF, but older clients
 * and servers use the whole range), a 16-bit length and the data. Plenty of other protocols start
 * the same way: a Kerberos AS-REQ/TGS-REQ/KRB-ERROR is an ASN.1 [APPLICATION 10/12/30] tag
 * (0x6a, 0x6c, 0x7e) with a two-byte long-form length 0x82 LL LL that counts exactly the rest of
 * the datagram (RFC 4120 §5.4.1, §5.9.1); a GTPv2-C header (3GPP TS 29.274 §5.1) is a flags byte
 * 0x48 with the message type and a length of the rest of the message. They fit a ChannelData
 * header exactly. So ChannelData is believed only where TURN is in use: on a flow that carries
 * STUN/TURN messages (a ChannelBind, RFC 8656 §11, comes before a channel is used), or on a TURN
 * server port with several well-formed ChannelData messages on one channel; and never on the
 * ports of the well-known UDP services below.
 */

/**
 * STUN/TURN server ports: IANA stun/turn 3478 and stuns/turns 5349 (RFC 8489 §18.6, RFC 8656
 * §17), 5350 (the stuns "alternate" some servers listen on), Microsoft Teams' transport relays
 * 3478-3481 and Google's 19302-19309 (src/apps/signatures.json: Teams UDP 3479-3481, Meet UDP
 * 19302-19309; Zoom and FaceTime list only the generic 3478/3479).
 */
export const STUN_PORTS: ReadonlySet<number> = new Set([3478, 3479, 3480, 3481, 5349, 5350, 19302, 19303, 19304, 19305, 19306, 19307, 19308, 19309])

/**
 * UDP services whose datagrams are never ChannelData, however well their first four bytes fit:
 * DNS 53, DHCP 67/68, TFTP 69, Kerberos 88 and kpasswd 464, NTP 123, NetBIOS 137/138, SNMP
 * 161/162, CLDAP 389, IKE 500 and NAT-T 4500, syslog 514, RIP 520, L2TP 1701, RADIUS 1812/1813,
 * SSDP 1900, GTP-C 2123 and GTP-U 2152, WS-Discovery 3702, VXLAN 4789, mDNS 5353, LLMNR 5355,
 * Geneve 6081, PFCP 8805.
 */
export const NOT_CHANNEL_DATA_PORTS: ReadonlySet<number> = new Set([
  53, 67, 68, 69, 88, 123, 137, 138, 161, 162, 389, 464, 500, 514, 520, 1701, 1812, 1813, 1900, 2123, 2152, 3702, 4500, 4789, 5353, 5355, 6081, 8805,
])

/** The flow is to or from a STUN/TURN server port. */
export function isStunPort(flow: {client: {port: number}; server: {port: number}}): boolean {
  return STUN_PORTS.has(flow.server.port) || STUN_PORTS.has(flow.client.port)
}

/**
 * ChannelData is never read on this flow: its server port is one of NOT_CHANNEL_DATA_PORTS (or
 * its client port is, when below 1024, where no system picks ephemeral ports), and neither end
 * is a STUN/TURN port.
 */
export function channelDataExcluded(flow: {client: {port: number}; server: {port: number}}): boolean {
  if (isStunPort(flow)) return false
  return NOT_CHANNEL_DATA_PORTS.has(flow.server.port) || (flow.client.port < 1024 && NOT_CHANNEL_DATA_PORTS.has(flow.client.port))
}

/** Whether ChannelData is believed on a flow, as an analyzer reads it: never, once a STUN
 * message with the magic cookie has been seen on the flow, or from the start (a TURN port). */
export const CHANNEL_DATA_NEVER = -1
export const CHANNEL_DATA_AFTER_STUN = 0
export const CHANNEL_DATA_READ = 1

/** The trust a flow starts with (see the rules above). */
export function channelDataTrust(flow: {client: {port: number}; server: {port: number}}): number {
  return isStunPort(flow) ? CHANNEL_DATA_READ : channelDataExcluded(flow) ? CHANNEL_DATA_NEVER : CHANNEL_DATA_AFTER_STUN
}

