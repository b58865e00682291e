/**
 * ClientHello parsing, shared by TLS over TCP, QUIC (the TLS handshake in CRYPTO frames) and DTLS.
 * Wire format: RFC 8446 §4.1.2 (TLS 1.3) and RFC 5246 §7.4.1.2 (TLS 1.2); DTLS adds a cookie
 * after the session id (RFC 6347 §4.2.1, RFC 9147 §5.3). The parser works on the handshake
 * message body (after the 4-byte TLS or 12-byte DTLS handshake header). Every length is checked;
 * a body cut short (a capture cap, a lost segment) yields what was read before the cut, marked
 * `truncated`, as long as the fixed part up to the cipher suites was there.
 */
import {ByteReader, wireText} from './byte-reader.js'
import {EXT} from './tls-registry.js'

/**
 * Most items read of a list in a hello (cipher suites, extensions, groups...): far above real
 * clients (Chrome offers 16 suites; the corpus's record is ~300) so fingerprints see whole lists,
 * and bounded anyway by the handshake buffer cap.
 */
export const MAX_LIST = 2048
/** Most ALPN protocol names kept. */
export const MAX_ALPN = 16

export interface ParsedClientHello {
  /** legacy_version (0x0303 for TLS 1.2 and 1.3; 0xfefd for DTLS 1.2 and 1.3). */
  legacyVersion: number
  sessionIdLength: number
  /** DTLS HelloVerifyRequest cookie length (0 for TLS, or before the cookie exchange). */
  cookieLength: number
  /** In wire order, GREASE included. */
  cipherSuites: number[]
  compressionMethods: number[]
  /** Extension types in wire order, GREASE included. */
  extensions: number[]
  /** First host_name of server_name (RFC 6066 §3). */
  sni: string | undefined
  /** ALPN protocol names in order (RFC 7301 §3.1). */
  alpn: string[]
  /** The raw bytes of the first ALPN name (a copy), for JA4. */
  firstAlpnBytes: Uint8Array | undefined
  /** supported_versions (RFC 8446 §4.2.1), GREASE included; empty when absent. */
  supportedVersions: number[]
  supportedGroups: number[]
  ecPointFormats: number[]
  signatureAlgorithms: number[]
  /** Groups of the key_share entries (RFC 8446 §4.2.8). */
  keyShareGroups: number[]
  /** psk_key_exchange_modes (RFC 8446 §4.2.9). */
  pskModes: number[]
  /** use_srtp protection profiles (RFC 5764 §4.1.1), when the extension is present. */
  srtpProfiles: number[] | undefined
  /** encrypted_client_hello (0xfe0d) present. */
  ech: boolean
  /** legacy encrypted_server_name (0xffce) present. */
  esni: boolean
  /** quic_transport_parameters (0x39, or 0xffa5 of the drafts) present. */
  quicTransportParameters: boolean
  /** The body ended before the structure did. */
  truncated: boolean
}

/**
 * Parse a ClientHello body. Undefined when even the fixed part (version, random, session id,
 * cookie, cipher suites) is not there or is inconsistent.
 */
export function parseClientHello(body: Uint8Array, dtls: boolean): ParsedClientHello | undefined {
  const r = new ByteReader(body)
  const legacyVersion = r.u16()
  r.skip(32) // random
  const sessionIdLength = r.u8()
  r.skip(sessionIdLength)
  let cookieLength = 0
  if (dtls) {
    cookieLength = r.u8()
    r.skip(cookieLength)
  }
  const suitesLength = r.u16()
  if (r.failed || sessionIdLength > 32 || suitesLength % 2 !== 0) return undefined
  const hello: ParsedClientHello = {
    legacyVersion,
    sessionIdLength,
    cookieLength,
    cipherSuites: [],
    compressionMethods: [],
    extensions: [],
    sni: undefined,
    alpn: [],
    firstAlpnBytes: undefined,
    supportedVersions: [],
    supportedGroups: [],
    ecPointFormats: [],
    signatureAlgorithms: [],
    keyShareGroups: [],
    pskModes: [],
    srtpProfiles: undefined,
    ech: false,
    esni: false,
    quicTransportParameters: false,
    truncated: false,
  }
  // Cipher suites: read as many as are there (a cut body keeps the ones before the cut).
  const suitesEnd = r.pos + suitesLength
  while (r.pos + 2 <= Math.min(suitesEnd, r.end)) {
    const suite = r.u16()
    if (hello.cipherSuites.length < MAX_LIST) hello.cipherSuites.push(suite)
  }
  if (suitesEnd > r.end) {
    hello.truncated = true
    return hello
  }
  const compression = r.vec8()
  hello.compressionMethods = compression.u8List(16)
  if (r.failed) {
    hello.truncated = true
    return hello
  }
  // Extensions are optional in TLS 1.2 (RFC 5246 §7.4.1.2: "extensions_present").
  if (r.remaining === 0) return hello
  const extensionsLength = r.u16()
  if (r.failed) {
    hello.truncated = true
    return hello
  }
  const extEnd = Math.min(r.pos + extensionsLength, r.end)
  if (r.pos + extensionsLength > r.end) hello.truncated = true
  while (r.pos + 4 <= extEnd) {
    const type = r.u16()
    const length = r.u16()
    if (hello.extensions.length < MAX_LIST) hello.extensions.push(type)
    if (r.pos + length > extEnd) {
      // The extension runs past the message (or past the cut): parse the part that is there.
      hello.truncated = true
      readClientExtension(hello, type, new ByteReader(body, r.pos, extEnd))
      break
    }
    if (readsContent(type)) readClientExtension(hello, type, r.sub(length))
    else {
      // Only its presence counts (or nothing at all): no reader made for its bytes.
      r.skip(length)
      readClientExtension(hello, type, NO_CONTENT)
    }
  }
  return hello
}

/** Stands for the bytes of an extension whose content is not read (see readsContent). */
const NO_CONTENT = new ByteReader(new Uint8Array(0))

/** Whether readClientExtension reads the content of extensions of `type`. */
function readsContent(type: number): boolean {
  switch (type) {
    case EXT.SERVER_NAME:
    case EXT.ALPN:
    case EXT.SUPPORTED_GROUPS:
    case EXT.EC_POINT_FORMATS:
    case EXT.SIGNATURE_ALGORITHMS:
    case EXT.SUPPORTED_VERSIONS:
    case EXT.KEY_SHARE:
    case EXT.PSK_KEY_EXCHANGE_MODES:
    case EXT.USE_SRTP:
      return true
    default:
      return false
  }
}

/** `e`: the extension's bytes, empty for the types `readsContent` does not list (keep it in step). */
function readClientExtension(hello: ParsedClientHello, type: number, e: ByteReader): void {
  switch (type) {
    case EXT.SERVER_NAME: {
      // ServerNameList: NameType (0 = host_name) + HostName<1..2^16-1> (RFC 6066 §3).
      const list = e.vec16()
      while (list.remaining >= 3 && hello.sni === undefined) {
        const nameType = list.u8()
        const name = list.vec16()
        // A name cut short by the end of the capture is not kept (name.failed).
        if (!name.failed && nameType === 0) hello.sni = wireText(name.take(name.remaining))
      }
      break
    }
    case EXT.ALPN: {
      // ProtocolNameList: ProtocolName<1..2^8-1> each (RFC 7301 §3.1).
      const list = e.vec16()
      while (list.remaining >= 1) {
        const name = list.vec8()
        if (name.failed) break
        const bytes = name.take(name.remaining)
        if (hello.firstAlpnBytes === undefined) hello.firstAlpnBytes = bytes.slice()
        if (hello.alpn.length < MAX_ALPN) hello.alpn.push(wireText(bytes))
      }
      break
    }
    case EXT.SUPPORTED_GROUPS:
      hello.supportedGroups = e.vec16().u16List(MAX_LIST)
      break
    case EXT.EC_POINT_FORMATS:
      hello.ecPointFormats = e.vec8().u8List(16)
      break
    case EXT.SIGNATURE_ALGORITHMS:
      hello.signatureAlgorithms = e.vec16().u16List(MAX_LIST)
      break
    case EXT.SUPPORTED_VERSIONS:
      // ClientHello form: ProtocolVersion versions<2..254> (RFC 8446 §4.2.1).
      hello.supportedVersions = e.vec8().u16List(64)
      break
    case EXT.KEY_SHARE: {
      // KeyShareEntry client_shares<0..2^16-1>: group + key_exchange<1..2^16-1> (§4.2.8).
      const shares = e.vec16()
      while (shares.remaining >= 4) {
        const group = shares.u16()
        shares.vec16()
        if (shares.failed) break
        if (hello.keyShareGroups.length < 16) hello.keyShareGroups.push(group)
      }
      break
    }
    case EXT.PSK_KEY_EXCHANGE_MODES:
      hello.pskModes = e.vec8().u8List(8)
      break
    case EXT.USE_SRTP: {
      // UseSRTPData: SRTPProtectionProfiles<2..2^16-1> + srtp_mki<0..255> (RFC 5764 §4.1.1).
      hello.srtpProfiles = e.vec16().u16List(32)
      break
    }
    case EXT.ENCRYPTED_CLIENT_HELLO:
      hello.ech = true
      break
    case EXT.ENCRYPTED_SERVER_NAME:
      hello.esni = true
      break
    case EXT.QUIC_TRANSPORT_PARAMETERS:
    case EXT.QUIC_TRANSPORT_PARAMETERS_DRAFT:
      hello.quicTransportParameters = true
      break
    default:
      break
  }
}
