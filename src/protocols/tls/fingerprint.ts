/**
 * Client and server hello fingerprints.
 *
 * JA3 (Salesforce, 2017): `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`
 * in decimal, list items joined by `-`, GREASE removed, and its MD5. JA3S for the ServerHello:
 * `SSLVersion,Cipher,Extensions`.
 *
 * JA4 (FoxIO, technical_details/JA4.md): `a_b_c` where
 *  a = protocol (`t` TCP, `q` QUIC, `d` DTLS) + version (highest supported_versions entry, else
 *      the legacy version: `13`, `12`, `11`, `10`, `s3`, `s2`, `d1`, `d2`, `d3`, else `00`)
 *      + `d` if server_name is present else `i` + cipher count and extension count (2 digits,
 *      capped at 99) + first and last character of the first ALPN value (`00` without ALPN;
 *      the first and last hex digit of the value when either character is not alphanumeric);
 *  b = first 12 hex of SHA-256 of the sorted cipher list (4-digit lowercase hex, comma-separated);
 *  c = first 12 hex of SHA-256 of the sorted extension list without server_name (0000) and ALPN
 *      (0010), then `_` and the signature algorithms in wire order (no `_` when there are none).
 * GREASE values are ignored everywhere. An empty cipher or extension list hashes to 12 zeros.
 */
import {createHash} from 'node:crypto'
import type {ParsedClientHello} from './client-hello.js'
import type {ParsedServerHello} from './server-hello.js'
import {EXT, highestVersion, isGrease} from './tls-registry.js'

export type HelloTransport = 'tls' | 'quic' | 'dtls'

function noGrease(values: readonly number[]): number[] {
  return values.filter((v) => !isGrease(v))
}

/**
 * Hashes of fingerprint strings, remembered: the same client sends the same hello in flow after
 * flow, and a string lookup is cheaper than a hash. Bounded (emptied when full); pure, so the
 * memo never changes a result.
 */
const MD5_MEMO = new Map<string, string>()
const SHA_MEMO = new Map<string, string>()
const MAX_MEMO = 2048

function md5(text: string): string {
  let value = MD5_MEMO.get(text)
  if (value === undefined) {
    value = createHash('md5').update(text).digest('hex')
    if (MD5_MEMO.size >= MAX_MEMO) MD5_MEMO.clear()
    MD5_MEMO.set(text, value)
  }
  return value
}

function sha256Prefix12(text: string): string {
  let value = SHA_MEMO.get(text)
  if (value === undefined) {
    value = createHash('sha256').update(text).digest('hex').slice(0, 12)
    if (SHA_MEMO.size >= MAX_MEMO) SHA_MEMO.clear()
    SHA_MEMO.set(text, value)
  }
  return value
}

/** Decimal values joined by `-`, GREASE left out. */
function dashList(values: readonly number[], skipGrease: boolean): string {
  let out = ''
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (skipGrease && isGrease(v)) continue
    out += out.length === 0 ? String(v) : '-' + v
  }
  return out
}

export function ja3String(hello: ParsedClientHello): string {
  return `${hello.legacyVersion},${dashList(hello.cipherSuites, true)},${dashList(hello.extensions, true)},${dashList(hello.supportedGroups, true)},${dashList(hello.ecPointFormats, false)}`
}

export function ja3(hello: ParsedClientHello): {text: string; hash: string} {
  const text = ja3String(hello)
  return {text, hash: md5(text)}
}

export function ja3s(hello: ParsedServerHello): {text: string; hash: string} {
  const text = [hello.legacyVersion, hello.cipherSuite, hello.extensions.join('-')].join(',')
  return {text, hash: md5(text)}
}

const JA4_VERSIONS: Record<number, string> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
}

const HEX_DIGITS = '0123456789abcdef'

/** Four lowercase hex digits (fingerprints format dozens per hello: kept cheap). */
function hex4(v: number): string {
  return HEX_DIGITS[(v >> 12) & 15]! + HEX_DIGITS[(v >> 8) & 15]! + HEX_DIGITS[(v >> 4) & 15]! + HEX_DIGITS[v & 15]!
}

function twoDigits(n: number): string {
  return String(Math.min(n, 99)).padStart(2, '0')
}

function isAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)
}

/** The two ALPN characters of JA4's first part. */
export function ja4Alpn(bytes: Uint8Array | undefined): string {
  if (bytes === undefined || bytes.length === 0) return '00'
  const a = bytes[0]!
  const z = bytes[bytes.length - 1]!
  if (isAlphanumeric(a) && isAlphanumeric(z)) return String.fromCharCode(a) + String.fromCharCode(z)
  const h = Buffer.from(bytes).toString('hex')
  return h[0]! + h[h.length - 1]!
}

/**
 * The JA4 version: the highest supported_versions entry (by protocol order, so DTLS 1.3 0xfefc
 * ranks above DTLS 1.2 0xfefd), else the legacy version.
 */
function ja4Version(hello: ParsedClientHello): string {
  const offered = highestVersion(noGrease(hello.supportedVersions))
  return JA4_VERSIONS[offered ?? hello.legacyVersion] ?? '00'
}

export interface Ja4Parts {
  ja4: string
  /** JA4_r: the same with the sorted lists in clear instead of hashed. */
  raw: string
}

export function ja4(hello: ParsedClientHello, transport: HelloTransport): Ja4Parts {
  const ciphers = noGrease(hello.cipherSuites)
  const extensions = noGrease(hello.extensions)
  const sigAlgs = noGrease(hello.signatureAlgorithms)
  const prefix = transport === 'quic' ? 'q' : transport === 'dtls' ? 'd' : 't'
  const sni = extensions.includes(EXT.SERVER_NAME) ? 'd' : 'i'
  const a = `${prefix}${ja4Version(hello)}${sni}${twoDigits(ciphers.length)}${twoDigits(extensions.length)}${ja4Alpn(hello.firstAlpnBytes)}`
  // Four-digit lowercase hex sorts like the numbers: sort numerically, then format.
  const cipherList = hexList(new Uint16Array(ciphers).sort())
  const extList = hexList(new Uint16Array(extensions.filter((e) => e !== EXT.SERVER_NAME && e !== EXT.ALPN)).sort())
  const extAndSig = sigAlgs.length > 0 ? `${extList}_${hexList(sigAlgs)}` : extList
  const b = ciphers.length === 0 ? '000000000000' : sha256Prefix12(cipherList)
  const c = extensions.length === 0 ? '000000000000' : sha256Prefix12(extAndSig)
  return {ja4: `${a}_${b}_${c}`, raw: `${a}_${cipherList}_${extAndSig}`}
}

function hexList(values: ArrayLike<number>): string {
  let out = ''
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + hex4(values[i]!)
  return out
}
