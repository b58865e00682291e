/** Quick address and port classes used to orient flows (which side is the client). */

/** Ports on which servers listen: below 1024, plus the registered ports of the services a
 * conferencing capture is full of (STUN/TURN, Zoom, Teams, Google STUN, SIP, VPNs, tunnels). */
const SERVER_PORTS = new Set([
  1194, 1433, 1701, 1723, 1883, 1900, 1935, 2152, 3306, 3389, 3478, 3479, 3480, 3481, 3544, 4500, 4789, 5004, 5005, 5060,
  5061, 5222, 5223, 5228, 5349, 5353, 5355, 5432, 6081, 6379, 8008, 8080, 8443, 8801, 8802, 8803, 8804, 8805, 8806, 8807,
  8808, 8809, 8810, 8883, 9000, 9443, 10000, 19302, 19303, 19304, 19305, 19306, 19307, 19308, 19309, 27017,
])

export function isServerPort(port: number): boolean {
  return (port > 0 && port < 1024) || SERVER_PORTS.has(port)
}

/** RFC 1918, CGNAT (RFC 6598), loopback, link-local: addresses a client sits behind. */
export function isPrivateIpv4(a: number): boolean {
  const top = a >>> 24
  return top === 10 || top === 127 || (a >>> 20) === 0xac1 || (a >>> 16) === 0xc0a8 || (a >>> 22) === 0x191 || (a >>> 16) === 0xa9fe
}

/** Multicast (224/4) and limited broadcast: never a client. */
export function isGroupIpv4(a: number): boolean {
  return (a >>> 28) === 0xe || a === 0xffffffff
}

/** ULA fc00::/7, link-local fe80::/10, loopback ::1. `w0`..`w3` are the address words. */
export function isPrivateIpv6(w0: number, w1: number, w2: number, w3: number): boolean {
  const top = w0 >>> 16
  return (top & 0xfe00) === 0xfc00 || (top & 0xffc0) === 0xfe80 || (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 1)
}

export function isGroupIpv6(w0: number): boolean {
  return w0 >>> 24 === 0xff
}
