/**
 * Names and classifications of TLS/DTLS code points: protocol versions, cipher suites, named
 * groups, SRTP protection profiles, and GREASE. Facts only: what is obsolete or weak is stated
 * here by definition; what it means for a call is decided by the findings rules.
 */
import {hex4} from './byte-reader.js'
import {CIPHER_SUITE_NAMES} from './cipher-suites.js'

/**
 * GREASE values (RFC 8701 §2): 0x0A0A, 0x1A1A, ... 0xFAFA for 16-bit code points (cipher suites,
 * extensions, groups, versions, signature algorithms). Clients insert them to keep servers
 * tolerant; fingerprints ignore them.
 */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)
}

const VERSION_NAMES: Record<number, string> = {
  0x0002: 'SSL2.0',
  // OpenSSL's DTLS 1.0 before RFC 4347 was final (OpenSSL < 0.9.8f).
  0x0100: 'DTLS1.0-pre-RFC',
  0x0300: 'SSL3.0',
  0x0301: 'TLS1.0',
  0x0302: 'TLS1.1',
  0x0303: 'TLS1.2',
  0x0304: 'TLS1.3',
  0xfeff: 'DTLS1.0',
  0xfefd: 'DTLS1.2',
  0xfefc: 'DTLS1.3',
}

/** `TLS1.2`, `DTLS1.0`, `TLS1.3-draft28` (0x7f1c), else `0x....`. */
export function versionName(v: number): string {
  const name = VERSION_NAMES[v]
  if (name) return name
  if (v >> 8 === 0x7f) return `TLS1.3-draft${v & 0xff}`
  // Facebook's early TLS 1.3 drafts (0xfb17, 0xfb1a).
  if (v >> 8 === 0xfb) return `TLS1.3-fb${v & 0xff}`
  return hex4(v)
}

/**
 * A rank that orders TLS and DTLS versions on one scale (DTLS 1.0 ≈ TLS 1.1, DTLS 1.2 ≈ TLS 1.2,
 * DTLS 1.3 ≈ TLS 1.3; TLS 1.3 drafts just below 1.3); 0 for unknown or GREASE.
 */
export function versionRank(v: number): number {
  if (v === 0x0002) return 0x0200
  if (v >= 0x0300 && v <= 0x0304) return v
  if (v >> 8 === 0x7f || v >> 8 === 0xfb) return 0x0303 + 0.5
  if (v === 0xfeff || v === 0x0100) return 0x0302
  if (v === 0xfefd) return 0x0303
  if (v === 0xfefc) return 0x0304
  return 0
}

/** Versions below TLS 1.2 / DTLS 1.2 are obsolete (RFC 8996 deprecates TLS 1.0, 1.1, DTLS 1.0). */
export function isObsoleteVersion(v: number): boolean {
  const rank = versionRank(v)
  return rank > 0 && rank < 0x0303
}

/** The highest version in a list, ignoring GREASE and unknown values; undefined if none. */
export function highestVersion(versions: readonly number[]): number | undefined {
  let best: number | undefined
  let bestRank = 0
  for (const v of versions) {
    const rank = versionRank(v)
    if (rank > bestRank) {
      best = v
      bestRank = rank
    }
  }
  return best
}

export function cipherSuiteName(id: number): string {
  return CIPHER_SUITE_NAMES.get(id) ?? hex4(id)
}

/** Why a cipher suite is weak, from its IANA name. */
export type WeakCipherClass = 'NULL' | 'EXPORT' | 'RC4' | 'DES' | '3DES' | 'anonymous'

/**
 * The weak classes of a suite: no encryption (NULL, and the integrity-only TLS_SHA256_SHA256 /
 * TLS_SHA384_SHA384 of RFC 9150), export-grade keys (EXPORT, 40/56-bit, RC2), RC4 (RFC 7465),
 * single DES and triple DES (64-bit blocks, Sweet32), and anonymous key exchange (DH_anon,
 * ECDH_anon: no server authentication). Empty for suites that are none of these or unknown.
 */
export function weakCipherClasses(id: number): WeakCipherClass[] {
  return WEAK_CLASSES.get(id) ?? NOT_WEAK
}

const NOT_WEAK: WeakCipherClass[] = []

function classify(id: number, name: string): WeakCipherClass[] {
  const classes: WeakCipherClass[] = []
  if (/_NULL_|_NULL$/.test(name) || id === 0xc0b4 || id === 0xc0b5) classes.push('NULL')
  if (/EXPORT|_RC2_/.test(name)) classes.push('EXPORT')
  if (/_RC4_/.test(name)) classes.push('RC4')
  if (/_DES_|_DES40_/.test(name)) classes.push('DES')
  if (/3DES/.test(name)) classes.push('3DES')
  if (/_anon_/.test(name)) classes.push('anonymous')
  return classes
}

/** The weak suites and their classes, computed once from the names (hellos list dozens of suites). */
const WEAK_CLASSES: ReadonlyMap<number, WeakCipherClass[]> = new Map(
  [...CIPHER_SUITE_NAMES].map(([id, name]) => [id, classify(id, name)] as const).filter(([, classes]) => classes.length > 0),
)

/**
 * How a suite agrees its keys when that is without forward secrecy, from its IANA name: RSA key
 * transport (TLS_RSA_*), static Diffie-Hellman with the certificate's key (TLS_DH_DSS/DH_RSA,
 * TLS_ECDH_ECDSA/ECDH_RSA), pre-shared keys alone (TLS_PSK_*, TLS_RSA_PSK_*) and Kerberos:
 * whoever later holds the long-term key decrypts every recorded session (RFC 9325 §4.1).
 * Undefined for ephemeral (DHE, ECDHE, TLS 1.3) and unknown suites.
 */
export function staticKeyExchange(id: number): StaticKeyExchange | undefined {
  return STATIC_KEY_EXCHANGE.get(id)
}

export type StaticKeyExchange = 'RSA key transport' | 'static DH' | 'static ECDH' | 'pre-shared key' | 'Kerberos'

function staticKind(name: string): StaticKeyExchange | undefined {
  if (/^TLS_RSA_PSK_|^TLS_PSK_/.test(name)) return 'pre-shared key'
  if (/^TLS_RSA_/.test(name)) return 'RSA key transport'
  if (/^TLS_DH_(DSS|RSA)_/.test(name)) return 'static DH'
  if (/^TLS_ECDH_(ECDSA|RSA)_/.test(name)) return 'static ECDH'
  if (/^TLS_KRB5_/.test(name)) return 'Kerberos'
  return undefined
}

const STATIC_KEY_EXCHANGE: ReadonlyMap<number, StaticKeyExchange> = new Map(
  [...CIPHER_SUITE_NAMES].flatMap(([id, name]) => {
    const kind = staticKind(name)
    return kind ? [[id, kind] as const] : []
  }),
)

export function isWeakCipherSuite(id: number): boolean {
  return weakCipherClasses(id).length > 0
}

/** Supported groups / key share groups (IANA TLS Supported Groups registry, RFC 8446 §4.2.7). */
const GROUP_NAMES: Record<number, string> = {
  0x0017: 'secp256r1',
  0x0018: 'secp384r1',
  0x0019: 'secp521r1',
  0x001d: 'x25519',
  0x001e: 'x448',
  0x0015: 'secp224r1',
  0x0016: 'secp256k1',
  0x0013: 'secp192r1',
  0x001a: 'brainpoolP256r1',
  0x001b: 'brainpoolP384r1',
  0x001c: 'brainpoolP512r1',
  0x001f: 'brainpoolP256r1tls13',
  0x0020: 'brainpoolP384r1tls13',
  0x0021: 'brainpoolP512r1tls13',
  0x0029: 'curveSM2',
  0x0100: 'ffdhe2048',
  0x0101: 'ffdhe3072',
  0x0102: 'ffdhe4096',
  0x0103: 'ffdhe6144',
  0x0104: 'ffdhe8192',
  // Post-quantum and hybrid key exchange (draft-ietf-tls-mlkem, draft-ietf-tls-ecdhe-mlkem,
  // and the pre-standard Kyber code points browsers shipped in 2023-2024).
  0x0200: 'MLKEM512',
  0x0201: 'MLKEM768',
  0x0202: 'MLKEM1024',
  0x11eb: 'SecP256r1MLKEM768',
  0x11ec: 'X25519MLKEM768',
  0x11ed: 'SecP384r1MLKEM1024',
  0x6399: 'X25519Kyber768Draft00',
  0x639a: 'SecP256r1Kyber768Draft00',
}

export function groupName(v: number): string {
  return GROUP_NAMES[v] ?? hex4(v)
}

/** Hybrid or pure post-quantum key exchange groups. */
export function isPostQuantumGroup(v: number): boolean {
  return (v >= 0x0200 && v <= 0x0202) || (v >= 0x11eb && v <= 0x11ed) || v === 0x6399 || v === 0x639a
}

/** DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2). */
const SRTP_PROFILE_NAMES: Record<number, string> = {
  0x0001: 'SRTP_AES128_CM_HMAC_SHA1_80',
  0x0002: 'SRTP_AES128_CM_HMAC_SHA1_32',
  0x0005: 'SRTP_NULL_HMAC_SHA1_80',
  0x0006: 'SRTP_NULL_HMAC_SHA1_32',
  0x0007: 'SRTP_AEAD_AES_128_GCM',
  0x0008: 'SRTP_AEAD_AES_256_GCM',
}

export function srtpProfileName(v: number): string {
  return SRTP_PROFILE_NAMES[v] ?? hex4(v)
}

/** Profiles that authenticate but do not encrypt the media (RFC 5764 §4.1.2). */
export function isNullSrtpProfile(v: number): boolean {
  return v === 0x0005 || v === 0x0006
}

/** Extension code points the parsers look at (IANA TLS ExtensionType Values). */
export const EXT = {
  SERVER_NAME: 0x0000,
  SUPPORTED_GROUPS: 0x000a,
  EC_POINT_FORMATS: 0x000b,
  SIGNATURE_ALGORITHMS: 0x000d,
  USE_SRTP: 0x000e,
  ALPN: 0x0010,
  PRE_SHARED_KEY: 0x0029,
  EARLY_DATA: 0x002a,
  SUPPORTED_VERSIONS: 0x002b,
  PSK_KEY_EXCHANGE_MODES: 0x002d,
  KEY_SHARE: 0x0033,
  QUIC_TRANSPORT_PARAMETERS: 0x0039,
  /** draft-ietf-quic-tls before draft-33 */
  QUIC_TRANSPORT_PARAMETERS_DRAFT: 0xffa5,
  /** draft-ietf-tls-esni-13 and later (ECH). */
  ENCRYPTED_CLIENT_HELLO: 0xfe0d,
  /** draft-ietf-tls-esni-01..06 (legacy ESNI). */
  ENCRYPTED_SERVER_NAME: 0xffce,
} as const

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4, RFC 6347 §4.2.2). */
export const HS = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  HELLO_VERIFY_REQUEST: 3,
  NEW_SESSION_TICKET: 4,
  ENCRYPTED_EXTENSIONS: 8,
  CERTIFICATE: 11,
  SERVER_KEY_EXCHANGE: 12,
  CERTIFICATE_REQUEST: 13,
  SERVER_HELLO_DONE: 14,
  CERTIFICATE_VERIFY: 15,
  CLIENT_KEY_EXCHANGE: 16,
  FINISHED: 20,
  CERTIFICATE_STATUS: 22,
} as const

/** Record content types (RFC 8446 §5.1; 24 = heartbeat, RFC 6520). */
export const CONTENT = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
  HEARTBEAT: 24,
} as const

/** Alert descriptions (RFC 8446 §6, RFC 5246 §7.2). */
const ALERT_DESCRIPTIONS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
}

export function alertDescriptionName(description: number): string {
  return ALERT_DESCRIPTIONS[description] ?? String(description)
}
