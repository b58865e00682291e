/**
 * Encrypted DNS: DNS over TLS (RFC 7858, TCP 853), DNS over QUIC (RFC 9250, UDP 853) and DNS
 * over HTTPS (RFC 8484) to the public resolvers browsers and operating systems offer. The names
 * asked are hidden from the path, but the resolver still reads every one of them: where it is
 * matters as much as for cleartext DNS (finding CA-GEO-004), so such flows get the role `dns`.
 *
 * DoH looks like any HTTPS: it is recognised by the resolver's published DoH host name (from the
 * SNI or a certificate), a `doh` label in the name, or, on port 443 with no name, by the resolver's published anycast
 * address (these addresses serve DNS only). Sources: the providers' DoH documentation (Google
 * Public DNS, Cloudflare 1.1.1.1, Quad9, OpenDNS, NextDNS, AdGuard, CleanBrowsing, Mullvad,
 * AliDNS, DNSPod, DNS0.EU), and the DoH provider lists built into Chrome and Firefox, as of
 * 2026-11.
 */
import type {FlowEvidence} from './evidence.js'
import {hostPort} from '../util/ip-text.js'

/** DoH host names; a name matches itself and its subdomains (NextDNS gives each user one). */
const DOH_NAMES = [
  'dns.google',
  'cloudflare-dns.com',
  'one.one.one.one',
  'dns.quad9.net',
  'dns9.quad9.net',
  'dns10.quad9.net',
  'dns11.quad9.net',
  'doh.opendns.com',
  'doh.familyshield.opendns.com',
  'dns.nextdns.io',
  'dns.adguard.com',
  'dns.adguard-dns.com',
  'doh.cleanbrowsing.org',
  'dns.mullvad.net',
  'doh.mullvad.net',
  'dns.alidns.com',
  'doh.pub',
  'dns.pub',
  'doh.360.cn',
  'dns0.eu',
]

/** Public resolvers' anycast addresses (DoH on 443 when the flow names no host). */
const RESOLVER_ADDRESSES = new Set([
  '1.1.1.1', '1.0.0.1', '2606:4700:4700::1111', '2606:4700:4700::1001',
  '8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844',
  '9.9.9.9', '149.112.112.112', '2620:fe::fe', '2620:fe::9',
  '208.67.222.222', '208.67.220.220',
  '223.5.5.5', '223.6.6.6',
  '119.29.29.29',
])

const DOT_PORT = 853

/** A label `doh`, `doh2`, `doh-2`...: the convention of the many smaller DoH services
 * (doh.ffmuc.net, doh-2.seby.io, fi.doh.dns.snopyta.org). */
const DOH_LABEL = /(^|\.)doh(\d*|-[a-z0-9]+)\./

function isDohName(name: string): boolean {
  for (const d of DOH_NAMES) if (name === d || (name.length > d.length && name.endsWith(d) && name[name.length - d.length - 1] === '.')) return true
  return DOH_LABEL.test(name)
}

/**
 * Why the flow is encrypted DNS (a reason for the report), or undefined. `names` are the
 * flow's server names, normalised (lower case, no trailing dot).
 */
export function encryptedDnsReason(f: FlowEvidence, names: readonly string[]): string | undefined {
  const {ip, port} = f.server
  if (port === DOT_PORT) {
    if (f.proto === 'tcp') return `DNS over TLS (RFC 7858) to ${hostPort(ip, port)}`
    if (f.proto === 'udp' && f.quic) return `DNS over QUIC (RFC 9250) to ${hostPort(ip, port)}`
    return undefined
  }
  // DoH on its port (RFC 8484 §1: https), TLS or QUIC (HTTP/3).
  if (port !== 443 || (!f.tls && !f.quic)) return undefined
  for (const n of names) if (isDohName(n)) return `DNS over HTTPS (RFC 8484) to ${n} (${hostPort(ip, port)})`
  if (names.length === 0 && RESOLVER_ADDRESSES.has(ip)) return `DNS over HTTPS (RFC 8484) to the public resolver ${hostPort(ip, port)}`
  return undefined
}
