/**
 * SSDP (UPnP Device Architecture 2.0 §1.2-§1.3): HTTP-over-UDP on port 1900. Devices announce
 * themselves (NOTIFY * HTTP/1.1 with NT/NTS/USN/LOCATION/SERVER), control points search
 * (M-SEARCH * HTTP/1.1 with ST/MAN/MX, USER-AGENT) and devices answer with `HTTP/1.1 200 OK`.
 * SERVER and USER-AGENT name the operating system and product; LOCATION points at the device's
 * description document. The head is read with the HTTP module's parser.
 */

import {fieldValue, parseHttpHead} from '../http/http-head.js'
import {intern} from '../../util/intern.js'

export interface SsdpMessage {
  /** M-SEARCH, NOTIFY (or another method), or "response". */
  kind: string
  method: string | null
  target: string | null
  status: number | null
  host: string | null
  /** ST (search target) or NT (notification type). */
  searchTarget: string | null
  /** NTS: ssdp:alive, ssdp:byebye, ssdp:update. */
  notificationSubtype: string | null
  usn: string | null
  location: string | null
  server: string | null
  userAgent: string | null
}

const WANTED_FIELDS: ReadonlySet<string> = new Set(['host', 'st', 'nt', 'nts', 'usn', 'location', 'server', 'user-agent'])

export function parseSsdp(b: Uint8Array): SsdpMessage | null {
  let result = parseHttpHead(b, 0, WANTED_FIELDS)
  if (result.status === 'incomplete') {
    // A datagram is whole: some devices end it without the empty line.
    const closed = new Uint8Array(b.length + 4)
    closed.set(b)
    closed.set([13, 10, 13, 10], b.length)
    result = parseHttpHead(closed, 0, WANTED_FIELDS)
  }
  if (result.status !== 'ok') return null
  const head = result.head
  // Texts interned (see `keep`): devices repeat the same announcements every few seconds.
  const field = (name: string) => {
    const v = fieldValue(head, name)
    return v === null ? null : intern(v.slice(0, 255))
  }
  const request = head.kind === 'request'
  return {
    kind: request ? intern(head.method) : 'response',
    method: request ? intern(head.method) : null,
    target: request ? intern(head.target.slice(0, 255)) : null,
    status: head.kind === 'response' ? head.status : null,
    host: field('host'),
    searchTarget: field('st') ?? field('nt'),
    notificationSubtype: field('nts'),
    usn: field('usn'),
    location: field('location'),
    server: field('server'),
    userAgent: field('user-agent'),
  }
}
