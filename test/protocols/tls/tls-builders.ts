/**
 * Builders of TLS/DTLS handshake bytes for the TLS, QUIC and DTLS tests: hello bodies with any
 * extensions, handshake headers, records, DTLS fragments, Certificate messages. Wire formats of
 * RFC 8446 §4 / RFC 5246 §7.4 and RFC 6347 §4.2.2. Not the code under test: plain and explicit.
 */

export function u8(n: number): Buffer {
  return Buffer.from([n & 0xff])
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n & 0xffff)
  return b
}

export function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])
}

export function vec8(b: Buffer): Buffer {
  return Buffer.concat([u8(b.length), b])
}

export function vec16(b: Buffer): Buffer {
  return Buffer.concat([u16(b.length), b])
}

export function vec24(b: Buffer): Buffer {
  return Buffer.concat([u24(b.length), b])
}

export interface Extension {
  type: number
  data: Buffer
}

export const ext = {
  raw: (type: number, data: Buffer = Buffer.alloc(0)): Extension => ({type, data}),
  /** RFC 6066 §3 */
  sni: (name: string): Extension => ({type: 0x0000, data: vec16(Buffer.concat([u8(0), vec16(Buffer.from(name, 'utf8'))]))}),
  /** RFC 7301 §3.1 */
  alpn: (names: Array<string | Buffer>): Extension => ({
    type: 0x0010,
    data: vec16(Buffer.concat(names.map((n) => vec8(typeof n === 'string' ? Buffer.from(n, 'ascii') : n)))),
  }),
  supportedGroups: (groups: number[]): Extension => ({type: 0x000a, data: vec16(Buffer.concat(groups.map(u16)))}),
  ecPointFormats: (formats: number[]): Extension => ({type: 0x000b, data: vec8(Buffer.from(formats))}),
  signatureAlgorithms: (algs: number[]): Extension => ({type: 0x000d, data: vec16(Buffer.concat(algs.map(u16)))}),
  /** ClientHello form (a list). */
  supportedVersions: (versions: number[]): Extension => ({type: 0x002b, data: vec8(Buffer.concat(versions.map(u16)))}),
  /** ServerHello form (one version). */
  selectedVersion: (version: number): Extension => ({type: 0x002b, data: u16(version)}),
  keyShare: (groups: Array<{group: number; size: number}>): Extension => ({
    type: 0x0033,
    data: vec16(Buffer.concat(groups.map((g) => Buffer.concat([u16(g.group), vec16(Buffer.alloc(g.size, 0x42))])))),
  }),
  serverKeyShare: (group: number, size = 32): Extension => ({type: 0x0033, data: Buffer.concat([u16(group), vec16(Buffer.alloc(size, 0x24))])}),
  pskModes: (modes: number[]): Extension => ({type: 0x002d, data: vec8(Buffer.from(modes))}),
  /** RFC 5764 §4.1.1 */
  useSrtp: (profiles: number[], mki = Buffer.alloc(0)): Extension => ({type: 0x000e, data: Buffer.concat([vec16(Buffer.concat(profiles.map(u16))), vec8(mki)])}),
  ech: (): Extension => ({type: 0xfe0d, data: Buffer.from([0x00, 0x00, 0x01, 0x00, 0x01, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00])}),
  esni: (): Extension => ({type: 0xffce, data: Buffer.alloc(8, 0x11)}),
  quicTransportParameters: (): Extension => ({type: 0x0039, data: Buffer.from([0x04, 0x04, 0x80, 0x10, 0x00, 0x00])}),
}

function extensionsBlock(extensions: Extension[] | undefined): Buffer {
  if (extensions === undefined) return Buffer.alloc(0)
  return vec16(Buffer.concat(extensions.map((e) => Buffer.concat([u16(e.type), vec16(e.data)]))))
}

export interface ClientHelloSpec {
  legacyVersion?: number
  random?: Buffer
  sessionId?: Buffer
  /** DTLS only: the cookie (an empty one is still a field). */
  cookie?: Buffer
  dtls?: boolean
  cipherSuites?: number[]
  compression?: number[]
  /** Undefined: no extensions block at all (TLS 1.2 allows it). */
  extensions?: Extension[]
}

/** A ClientHello body (after the handshake header). */
export function clientHelloBody(s: ClientHelloSpec): Buffer {
  return Buffer.concat([
    u16(s.legacyVersion ?? (s.dtls ? 0xfefd : 0x0303)),
    s.random ?? Buffer.alloc(32, 0xa5),
    vec8(s.sessionId ?? Buffer.alloc(0)),
    s.dtls ? vec8(s.cookie ?? Buffer.alloc(0)) : Buffer.alloc(0),
    vec16(Buffer.concat((s.cipherSuites ?? [0x1301, 0x1302, 0xc02f]).map(u16))),
    vec8(Buffer.from(s.compression ?? [0])),
    extensionsBlock(s.extensions),
  ])
}

export interface ServerHelloSpec {
  legacyVersion?: number
  random?: Buffer
  sessionId?: Buffer
  cipherSuite?: number
  compression?: number
  extensions?: Extension[]
}

/** RFC 8446 §4.1.3: the HelloRetryRequest random. */
export const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex')

export function serverHelloBody(s: ServerHelloSpec): Buffer {
  return Buffer.concat([
    u16(s.legacyVersion ?? 0x0303),
    s.random ?? Buffer.alloc(32, 0x5a),
    vec8(s.sessionId ?? Buffer.alloc(0)),
    u16(s.cipherSuite ?? 0xc02f),
    u8(s.compression ?? 0),
    extensionsBlock(s.extensions),
  ])
}

/** TLS ≤ 1.2 / DTLS Certificate body: certificate_list of DER certificates. */
export function certificateBody(ders: Buffer[]): Buffer {
  return vec24(Buffer.concat(ders.map(vec24)))
}

/** TLS handshake message: type(1) length(3) body. */
export function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([u8(type), u24(body.length), body])
}

/** TLS record: type(1) version(2) length(2) fragment. */
export function record(type: number, fragment: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([u8(type), u16(version), vec16(fragment)])
}

/** Handshake bytes cut into records of at most `size` bytes of fragment each. */
export function records(type: number, bytes: Buffer, size: number, version = 0x0303): Buffer {
  const out: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(record(type, bytes.subarray(i, i + size), version))
  return Buffer.concat(out)
}

/**
 * DTLS handshake fragments of one message (RFC 6347 §4.2.2): msg_type, length, message_seq,
 * fragment_offset, fragment_length, body, each fragment at most `size` bytes of body.
 */
export function dtlsFragments(type: number, messageSeq: number, body: Buffer, size = body.length || 1): Buffer[] {
  const out: Buffer[] = []
  for (let offset = 0; offset < body.length || (offset === 0 && body.length === 0); offset += size) {
    const piece = body.subarray(offset, offset + size)
    out.push(Buffer.concat([u8(type), u24(body.length), u16(messageSeq), u24(offset), u24(piece.length), piece]))
    if (body.length === 0) break
  }
  return out
}

/** DTLS record (RFC 6347 §4.1): type, version, epoch, 48-bit sequence number, length, fragment. */
export function dtlsRecord(type: number, fragment: Buffer, o: {version?: number; epoch?: number; seq?: number} = {}): Buffer {
  const seq = Buffer.alloc(6)
  seq.writeUIntBE(o.seq ?? 0, 0, 6)
  return Buffer.concat([u8(type), u16(o.version ?? 0xfefd), u16(o.epoch ?? 0), seq, vec16(fragment)])
}
