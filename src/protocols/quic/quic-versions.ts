/**
 * QUIC versions and what each needs to read its Initial packets: the initial salt (RFC 9001
 * §5.2 and the drafts before it), the HKDF label prefix, and which long-header type bits mean
 * Initial. Google's own versions are recognised too: Q0xx (gQUIC, crypto handshake in clear up to
 * Q046), Q050 and T050/T051 (IETF-style long header and Initial protection with their own salts).
 */

export type QuicFamily = 'ietf' | 'gquic'

export interface QuicVersionInfo {
  version: number
  /** `v1`, `v2`, `draft-29`, `mvfst-27`, `Q046`, `T051`, or `0x........`. */
  name: string
  family: QuicFamily
  /**
   * How the client's first flight is protected: 'initial-aead' (RFC 9001 §5: salt, header
   * protection, AES-128-GCM) or 'clear' (gQUIC up to Q046: the CHLO is readable as sent).
   */
  protection: 'initial-aead' | 'clear'
  /** HKDF-Extract salt for initial secrets (initial-aead only). */
  salt?: Uint8Array
  /** Fallback salt tried when the first does not authenticate (reserved 0x?a?a?a?a versions). */
  altSalt?: Uint8Array
  /** `quic ` for v1 and the drafts, `quicv2 ` for v2 (RFC 9369 §3.3.2). */
  labelPrefix: string
  /** Long-header packet type value of an Initial: 0 (v1), 1 (v2, RFC 9369 §3.2). */
  initialType: number
  /** The ClientHello is TLS (true) or a gQUIC CHLO message (Q0xx, Q050). */
  tls: boolean
  /** Frame type of CRYPTO: 0x06 (RFC 9000 §19.6), 0x08 in Google's Q050/T050/T051. */
  cryptoFrameType: number
}

function salt(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** RFC 9001 §5.2 (v1, also used by drafts 33-34). */
export const SALT_V1 = salt('38762cf7f55934b34d179ae6a4c80cadccbb7f0a')
/** RFC 9369 §3.3.1. */
export const SALT_V2 = salt('0dede3def700a6db819381be6e269dcbf9bd2ed9')
/** draft-ietf-quic-tls-29 §5.2 (drafts 29-32). */
export const SALT_DRAFT_29 = salt('afbfec289993d24c9e9786f19c6111e04390a899')
/** draft-ietf-quic-tls-23 §5.2 (drafts 23-28). */
export const SALT_DRAFT_23 = salt('c3eef712c72ebb5a11a7d2432bb46365bef9f502')
/** draft-ietf-quic-tls-21/22 §5.2 (drafts up to 22). */
export const SALT_DRAFT_22 = salt('7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a')
/** Google QUIC Q050, T050 and T051 (Chromium quic_versions / Wireshark packet-quic.c). */
export const SALT_Q050 = salt('504574efd066fe2f9d945cfcdbd3a7f0d3b56b45')
export const SALT_T050 = salt('7ff579e5acd072915580304c43a2367c60488310')
export const SALT_T051 = salt('7a4edef4e7ccee5fa4506c19124fc8ccda6e033d')

export const QUIC_V1 = 0x00000001
export const QUIC_V2 = 0x6b3343cf

function ascii4(v: number): string {
  return String.fromCharCode((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff)
}

function hex8(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0')
}

function draftSalt(draft: number): Uint8Array {
  if (draft <= 22) return SALT_DRAFT_22
  if (draft <= 28) return SALT_DRAFT_23
  if (draft <= 32) return SALT_DRAFT_29
  return SALT_V1
}

function ietf(version: number, name: string, s: Uint8Array, alt?: Uint8Array): QuicVersionInfo {
  return {version, name, family: 'ietf', protection: 'initial-aead', salt: s, ...(alt ? {altSalt: alt} : {}), labelPrefix: 'quic ', initialType: 0, tls: true, cryptoFrameType: 0x06}
}

/** What a version number is, or undefined when it is not a QUIC version we can read. */
export function quicVersionInfo(version: number): QuicVersionInfo | undefined {
  const v = version >>> 0
  if (v === QUIC_V1) return ietf(v, 'v1', SALT_V1)
  if (v === QUIC_V2) return {version: v, name: 'v2', family: 'ietf', protection: 'initial-aead', salt: SALT_V2, labelPrefix: 'quicv2 ', initialType: 1, tls: true, cryptoFrameType: 0x06}
  // IETF drafts: 0xff0000NN.
  if (v >>> 8 === 0xff0000 && (v & 0xff) > 0) return ietf(v, `draft-${v & 0xff}`, draftSalt(v & 0xff))
  // Facebook mvfst: 0xfaceb001 = draft-22, 0xfaceb002 = draft-27, 0xfaceb00e = experimental (draft-27).
  if (v === 0xfaceb001) return ietf(v, 'mvfst-22', SALT_DRAFT_22)
  if (v === 0xfaceb002) return ietf(v, 'mvfst-27', SALT_DRAFT_23)
  if (v === 0xfaceb00e) return ietf(v, 'mvfst-exp', SALT_DRAFT_23)
  if (v >>> 4 === 0xfaceb00) return ietf(v, hex8(v), SALT_DRAFT_23, SALT_V1)
  // RFC 9000 §15: 0x?a?a?a?a are reserved to exercise version negotiation; clients that send
  // them protect their Initial like v1 (or draft-29 for older stacks).
  if ((v & 0x0f0f0f0f) === 0x0a0a0a0a) return ietf(v, hex8(v), SALT_V1, SALT_DRAFT_29)
  const text = ascii4(v)
  if (/^Q0[0-9]{2}$/.test(text)) {
    const n = Number(text.slice(1))
    if (n >= 50) return {version: v, name: text, family: 'gquic', protection: 'initial-aead', salt: SALT_Q050, labelPrefix: 'quic ', initialType: 0, tls: false, cryptoFrameType: 0x08}
    return {version: v, name: text, family: 'gquic', protection: 'clear', labelPrefix: 'quic ', initialType: 0, tls: false, cryptoFrameType: 0x06}
  }
  if (text === 'T050') return {version: v, name: text, family: 'gquic', protection: 'initial-aead', salt: SALT_T050, labelPrefix: 'quic ', initialType: 0, tls: true, cryptoFrameType: 0x08}
  if (text === 'T051') return {version: v, name: text, family: 'gquic', protection: 'initial-aead', salt: SALT_T051, labelPrefix: 'quic ', initialType: 0, tls: true, cryptoFrameType: 0x08}
  return undefined
}
