/**
 * Meeting links and secrets in URLs seen in clear: recognised, flagged, and redacted before they
 * are stored, so that the audit report never repeats a passcode it found.
 *
 *  - Every query parameter whose name says it holds a secret (pwd, passcode, token...) has its
 *    value replaced by `***`, on any host; so has the password of a `user:password@` authority.
 *  - Meeting identifiers are partly masked (first two and last two characters kept:
 *    `12••••••90`), enough for the analyst to match them with the invitation they know:
 *      Zoom    zoom.us/j/<id>, /w/<id>, /s/<id>, /wc/join/<id>, /wc/<id>/join|start, /my/<room>,
 *              /join?confno=<id>           (zoom.us, zoom.com, zoomgov.com and subdomains)
 *      Webex   *.webex.com/meet/<name>, /join/<name>, …?MTID=<key>
 *      Teams   teams.microsoft.com|teams.live.com/l/meetup-join/<thread>/…, teams.live.com/meet/<id>
 *      Meet    meet.google.com/<abc-defg-hij>
 *      Jitsi   meet.jit.si/<room>; on any host, Jitsi Meet's XMPP transports with the room in
 *              their query (/xmpp-websocket?room=<room>, /http-bind?room=<room>: what every
 *              self-hosted Jitsi Meet's web client opens; jitsi-meet appends the room to its
 *              service URL, react/features/base/connection/actions.any.ts, constructOptions)
 */

/** The FlowEvidence payload id of a request naming a Jitsi Meet room (src/apps/signatures.json). */
export const JITSI_ROOM = 'jitsi-room'
import {boundedMemo} from '../../util/bounded-memo.js'

export type MeetingApp = 'zoom' | 'webex' | 'teams' | 'meet' | 'jitsi'

export interface MeetingLink {
  app: MeetingApp
  /** The meeting identifier or room name, masked. */
  id: string
  /** A passcode travelled with the link (its value is never kept). */
  passcode: boolean
}

export interface RedactedUrl {
  /** The request-target (or URL) with secrets replaced and any meeting id masked. */
  text: string
  /** Names of the parameters whose values were replaced, sorted, without duplicates. */
  redacted: string[]
  meetingLink: MeetingLink | null
}

/** Query parameter names (lower-case, after percent-decoding) whose values are secrets. */
const SECRET_PARAMS = new Set([
  'pwd', 'passwd', 'password', 'passcode', 'pass', 'pin', 'p', 'pw', 'tk', 'zak', 'token', 'access_token', 'id_token',
  'refresh_token', 'auth', 'authorization', 'apikey', 'api_key', 'secret', 'client_secret', 'sig', 'signature',
  'session', 'sessionid', 'session_id', 'sid', 'ticket',
])
/** Parameters that are secret only on meeting hosts (`p` is a Teams passcode, but a page number elsewhere). */
const MEETING_ONLY_SECRETS = new Set(['p', 'pin'])
/** Passcode parameters: their presence marks `passcode` on a meeting link. */
const PASSCODE_PARAMS = new Set(['pwd', 'passwd', 'password', 'passcode', 'pass', 'p', 'pw', 'pin'])

const MASK = '\u2022'

/** Keep the first and last two characters, mask the rest (all of it when 4 or fewer). */
export function maskId(id: string): string {
  const chars = [...id]
  if (chars.length <= 4) return MASK.repeat(chars.length)
  return chars.slice(0, 2).join('') + MASK.repeat(chars.length - 4) + chars.slice(-2).join('')
}

function safeDecode(s: string): string {
  // Without '%' there is nothing to decode (and nothing to throw on): only '+' to replace.
  if (!s.includes('%')) return s.includes('+') ? s.replace(/\+/g, ' ') : s
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

/** The host of a Host header value or an authority (`[2001:db8::1]:443`, `zoom.us:443`,
 * `Zoom.US.`): lower case, without port, brackets or trailing dot (RFC 9110 §7.2, RFC 3986 §3.2.2). */
export function hostOnly(host: string): string {
  let h = host.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined)
  const colon = h.lastIndexOf(':')
  if (colon > 0 && !h.slice(0, colon).includes(':')) h = h.slice(0, colon)
  return h.endsWith('.') ? h.slice(0, -1) : h
}

function within(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`)
}

/** Host header values and host names repeat in every request of a connection: hostOnly and
 * appOfHost are remembered (pure functions of one string; bounded, see boundedMemo). */
const MAX_HOSTS = 4096
/** hostOnly, remembered: for callers that ask it of every request (names of flows too). */
export const cachedHostOnly = boundedMemo(hostOnly, MAX_HOSTS)
const cachedAppOfHost = boundedMemo(appOfHost, MAX_HOSTS)

function appOfHost(host: string): MeetingApp | null {
  if (['zoom.us', 'zoom.com', 'zoomgov.com', 'zoom.com.cn'].some((d) => within(host, d))) return 'zoom'
  if (within(host, 'webex.com')) return 'webex'
  if (host === 'teams.microsoft.com' || host === 'teams.live.com') return 'teams'
  if (host === 'meet.google.com') return 'meet'
  if (host === 'meet.jit.si') return 'jitsi'
  return null
}

interface Located {
  /** Index in the path segments of the identifier to mask. */
  segment: number
}

/** Which path segment (split on "/", index 0 = "" before the leading slash) holds the id. */
function locateId(app: MeetingApp, segments: string[]): Located | null {
  const s = segments.map((x) => x.toLowerCase())
  switch (app) {
    case 'zoom':
      if (['j', 'w', 's', 'my'].includes(s[1] ?? '') && s[2]) return {segment: 2}
      if (s[1] === 'wc' && s[2] === 'join' && s[3]) return {segment: 3}
      if (s[1] === 'wc' && s[2] && /^\d{6,}$/.test(s[2])) return {segment: 2}
      return null
    case 'webex': {
      const i = s.findIndex((x) => x === 'meet' || x === 'join')
      return i > 0 && s[i + 1] ? {segment: i + 1} : null
    }
    case 'teams': {
      const i = s.findIndex((x) => x === 'meetup-join' || x === 'meet')
      return i > 0 && s[i + 1] ? {segment: i + 1} : null
    }
    case 'meet':
      return s[1] && /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/.test(s[1]) ? {segment: 1} : null
    case 'jitsi':
      return s[1] && !s[1].includes('.') && !JITSI_PATHS.has(s[1]) ? {segment: 1} : null
  }
}

/** Jitsi Meet paths that are the web app's own resources and endpoints, not rooms. */
const JITSI_PATHS = new Set(['static', 'libs', 'css', 'images', 'sounds', 'fonts', 'lang', 'http-bind', 'xmpp-websocket', 'colibri-ws', 'conference-request', 'room-census'])

/** Parameters that carry a meeting id in the query (Zoom `confno`, Webex `MTID`, Jitsi `room`). */
const ID_PARAMS: Record<MeetingApp, string[]> = {zoom: ['confno'], webex: ['mtid'], teams: [], meet: [], jitsi: ['room']}

/**
 * Redact a request-target (origin-form `/path?query`, absolute-form `http://host/path?query` or
 * authority-form `host:port`) seen with `host` (the Host header, or null).
 */
export function redactUrl(target: string, host: string | null): RedactedUrl {
  let prefix = ''
  let rest = target
  let hostName = host ? cachedHostOnly(host) : ''
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.exec(target)
  if (absolute) {
    const afterScheme = absolute[0].length
    const slash = target.indexOf('/', afterScheme)
    let authority = slash < 0 ? target.slice(afterScheme) : target.slice(afterScheme, slash)
    const redacted: string[] = []
    const at = authority.lastIndexOf('@')
    hostName = hostOnly(at >= 0 ? authority.slice(at + 1) : authority)
    if (at >= 0 && authority.slice(0, at).includes(':')) {
      authority = `${authority.slice(0, authority.indexOf(':'))}:***${authority.slice(at)}`
      redacted.push('userinfo')
    }
    prefix = target.slice(0, afterScheme) + authority
    rest = slash < 0 ? '' : target.slice(slash)
    const inner = redactPathQuery(rest, hostName)
    return {...inner, text: prefix + inner.text, redacted: [...new Set([...redacted, ...inner.redacted])].sort()}
  }
  return redactPathQuery(rest, hostName)
}

/** Jitsi Meet's XMPP transports (WebSocket, BOSH), at the end of the path on any host. */
const JITSI_TRANSPORT = /\/(?:xmpp-websocket|http-bind)\/?$/i
/** A `room` parameter in a query. */
const ROOM_PARAM = /(?:^|[&;])room=[^&;]/i

function redactPathQuery(pathQuery: string, hostName: string): RedactedUrl {
  const hostApp = cachedAppOfHost(hostName)
  let app = hostApp
  // Off meeting hosts only `name=value` pairs can hold a secret: without '=' there is nothing
  // to redact or mask (what follows would hand back the text as it is).
  if (app === null && !pathQuery.includes('=')) return {text: pathQuery, redacted: [], meetingLink: null}
  const hashAt = pathQuery.indexOf('#')
  const beforeFragment = hashAt >= 0 ? pathQuery.slice(0, hashAt) : pathQuery
  const fragment = hashAt >= 0 ? pathQuery.slice(hashAt) : ''
  const q = beforeFragment.indexOf('?')
  const path = q >= 0 ? beforeFragment.slice(0, q) : beforeFragment
  const query = q >= 0 ? beforeFragment.slice(q + 1) : null
  // A self-hosted Jitsi Meet is known by its transport's path and room parameter, not its host.
  if (app === null && query !== null && JITSI_TRANSPORT.test(path) && ROOM_PARAM.test(query)) app = 'jitsi'
  const redacted = new Set<string>()
  let passcode = false
  let id: string | null = null

  const segments = path.split('/')
  // On another host the room is only the query's (a path prefix such as /jitsi/ is no room).
  const located = hostApp ? locateId(hostApp, segments) : null
  if (located) {
    id = maskId(safeDecode(segments[located.segment]!))
    segments[located.segment] = maskId(segments[located.segment]!)
  }
  let newQuery: string | null = null
  if (query !== null) {
    const parts = query.split(/([&;])/)
    for (let i = 0; i < parts.length; i += 2) {
      const part = parts[i]!
      const eq = part.indexOf('=')
      if (eq < 0) continue
      const name = safeDecode(part.slice(0, eq)).toLowerCase()
      const value = part.slice(eq + 1)
      const secret = SECRET_PARAMS.has(name) && (app !== null || !MEETING_ONLY_SECRETS.has(name))
      if (secret) {
        if (value.length > 0) {
          parts[i] = `${part.slice(0, eq)}=***`
          redacted.add(name)
        }
        if (app && PASSCODE_PARAMS.has(name) && value.length > 0) passcode = true
      } else if (app && ID_PARAMS[app].includes(name) && value.length > 0) {
        const masked = maskId(value)
        parts[i] = `${part.slice(0, eq)}=${masked}`
        id ??= maskId(safeDecode(value))
      }
    }
    newQuery = parts.join('')
  }
  const text = segments.join('/') + (newQuery !== null ? `?${newQuery}` : '') + redactFragment(fragment, redacted)
  return {text, redacted: [...redacted].sort(), meetingLink: app && id !== null ? {app, id, passcode} : null}
}

/** Fragments are not sent by browsers but may appear in hand-made requests: same rule. */
function redactFragment(fragment: string, redacted: Set<string>): string {
  if (!fragment.includes('=')) return fragment
  return fragment.replace(/([#&;])([^=&;#]*)=([^&;#]*)/g, (all, sep: string, name: string, value: string) => {
    const n = safeDecode(name).toLowerCase()
    if (!SECRET_PARAMS.has(n) || MEETING_ONLY_SECRETS.has(n) || value.length === 0) return all
    redacted.add(n)
    return `${sep}${name}=***`
  })
}
