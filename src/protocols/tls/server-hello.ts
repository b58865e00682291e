/**
 * ServerHello parsing (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3; DTLS uses the same body, RFC 6347
 * §4.2.1). A TLS 1.3 HelloRetryRequest is a ServerHello whose random is the fixed SHA-256 of
 * "HelloRetryRequest" (RFC 8446 §4.1.3).
 */
import {ByteReader, wireText} from './byte-reader.js'
import {MAX_LIST} from './client-hello.js'
import {EXT} from './tls-registry.js'

const HELLO_RETRY_RANDOM = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
)

export interface ParsedServerHello {
  legacyVersion: number
  /** supported_versions selected_version (TLS 1.3, RFC 8446 §4.2.1), if present. */
  selectedVersion: number | undefined
  cipherSuite: number
  compressionMethod: number
  extensions: number[]
  /** The ALPN protocol the server selected (RFC 7301 §3.1: exactly one name). */
  alpn: string | undefined
  /** Group of the server's key_share (or the group a HelloRetryRequest asks for). */
  keyShareGroup: number | undefined
  /** use_srtp: the profile the server selected (RFC 5764 §4.1.1). */
  srtpProfile: number | undefined
  helloRetryRequest: boolean
  truncated: boolean
}

export function parseServerHello(body: Uint8Array): ParsedServerHello | undefined {
  const r = new ByteReader(body)
  const legacyVersion = r.u16()
  const random = r.take(32)
  const sessionIdLength = r.u8()
  r.skip(sessionIdLength)
  const cipherSuite = r.u16()
  const compressionMethod = r.u8()
  if (r.failed || sessionIdLength > 32) return undefined
  let helloRetryRequest = true
  for (let i = 0; i < 32; i++) if (random[i] !== HELLO_RETRY_RANDOM[i]) helloRetryRequest = false
  const hello: ParsedServerHello = {
    legacyVersion,
    selectedVersion: undefined,
    cipherSuite,
    compressionMethod,
    extensions: [],
    alpn: undefined,
    keyShareGroup: undefined,
    srtpProfile: undefined,
    helloRetryRequest,
    truncated: false,
  }
  if (r.remaining === 0) return hello
  const extensionsLength = r.u16()
  if (r.failed || r.pos + extensionsLength > r.end) hello.truncated = true
  const extEnd = Math.min(r.pos + extensionsLength, r.end)
  while (r.pos + 4 <= extEnd) {
    const type = r.u16()
    const length = r.u16()
    if (r.pos + length > extEnd) {
      hello.truncated = true
      break
    }
    if (hello.extensions.length < MAX_LIST) hello.extensions.push(type)
    const e = r.sub(length)
    switch (type) {
      case EXT.SUPPORTED_VERSIONS: {
        const v = e.u16()
        if (!e.failed) hello.selectedVersion = v
        break
      }
      case EXT.ALPN: {
        const name = e.vec16().vec8()
        if (!name.failed) hello.alpn = wireText(name.take(name.remaining))
        break
      }
      case EXT.KEY_SHARE: {
        const group = e.u16()
        if (!e.failed) hello.keyShareGroup = group
        break
      }
      case EXT.USE_SRTP: {
        const profiles = e.vec16().u16List(4)
        if (profiles.length > 0) hello.srtpProfile = profiles[0]
        break
      }
      default:
        break
    }
  }
  return hello
}
