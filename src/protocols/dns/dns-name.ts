/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4) and their safe text form.
 *
 * A name is a sequence of labels (length octet 0..63 + bytes) ended by the root label (0), or
 * ended by a compression pointer (two octets, top bits 11) to a prior occurrence of the rest of
 * the name. Untrusted input can point anywhere, so:
 *  - every pointer must point strictly before the start of the label run it ends (the name's own
 *    start, then each previous pointer's target): run starts strictly decrease, so no loop is
 *    possible, and the hop count is capped as well;
 *  - the total wire length is capped at 255 octets (RFC 1035 §2.3.4);
 *  - the extended label types 01 and 10 (RFC 6891 §5, never deployed) end the name as an error.
 *
 * The text form keeps every byte: printable ASCII as is; `\` and a `.` inside a label escaped
 * with a backslash; control bytes as C escapes (`\n`, `\r`, `\t`...) or three-digit octal
 * (`\000`), which is how Wireshark shows them; bytes ≥ 0x80 decoded as UTF-8 with U+FFFD for
 * invalid sequences (internationalised names sent raw by some stacks, e.g. mDNS, stay readable).
 * The root name is ".".
 */

import {intern} from '../../util/intern.js'

/** Longest name on the wire, length octets and root label included (RFC 1035 §2.3.4). */
export const MAX_NAME_OCTETS = 255
/** Most compression pointers followed in one name. */
export const MAX_POINTER_HOPS = 32
/** Longest text kept for a name: 255 octets with every byte escaped fit in 4 × 255. */
export const MAX_NAME_CHARS = 1020

export interface NameRead {
  /** The name as safe text ("." for the root), possibly partial when `error` is set. */
  text: string
  /** Offset just after the name where it started (after its first pointer, if any); the end
   * of the message when the name could not be read to its end. */
  end: number
  /** Why the name is not a valid name, or null. Only 'name too long' leaves `end` usable: the
   * name was walked to its end, its text holds the first 255 octets. */
  error: NameError | null
}

export type NameError = 'truncated' | 'bad pointer' | 'too many pointers' | 'name too long' | 'extended label'

/** Exact for ASCII-only input, and much faster than building the string by hand. */
const asciiDecoder = new TextDecoder('utf-8')

const C_ESCAPES: Record<number, string> = {7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r'}

/**
 * Append the escaped form of `bytes[start, end)` to `out` as byte values (escapes are ASCII);
 * `escapeDot` for label text, where a literal dot would be mistaken for a separator.
 */
export function escapeBytes(bytes: Uint8Array, start: number, end: number, out: number[], escapeDot: boolean): void {
  for (let i = start; i < end; i++) {
    const b = bytes[i]!
    if (b === 0x5c || (escapeDot && b === 0x2e)) {
      out.push(0x5c, b)
    } else if (b < 0x20 || b === 0x7f) {
      const c = C_ESCAPES[b]
      if (c !== undefined) out.push(0x5c, c.charCodeAt(0))
      else out.push(0x5c, 0x30 + (b >> 6), 0x30 + ((b >> 3) & 7), 0x30 + (b & 7))
    } else {
      out.push(b)
    }
  }
}

/** Text of escaped bytes: ASCII directly, anything else through `decodeUtf8Lenient`. */
export function bytesToText(out: number[], maxChars: number): string {
  let ascii = true
  for (const b of out) {
    if (b >= 0x80) {
      ascii = false
      break
    }
  }
  const text = ascii ? String.fromCharCode(...out.slice(0, maxChars)) : decodeUtf8Lenient(out)
  return text.length > maxChars ? text.slice(0, maxChars) : text
}

/**
 * UTF-8 (RFC 3629) with one U+FFFD per invalid sequence, the way Wireshark's text formatting
 * does it (so names compare with what an analyst sees there): a lead byte (including the old
 * five- and six-byte leads F8-FD of RFC 2279) and the continuation bytes that follow it form one
 * sequence; a sequence cut short by a non-continuation byte, an overlong form, a surrogate or a
 * code point above U+10FFFF becomes one U+FFFD; a stray continuation byte or FE/FF becomes one
 * U+FFFD each.
 */
export function decodeUtf8Lenient(bytes: ArrayLike<number>): string {
  const n = bytes.length
  let ascii = 0
  while (ascii < n && bytes[ascii]! < 0x80) ascii++
  if (ascii === n && bytes instanceof Uint8Array) return asciiDecoder.decode(bytes)
  let text = ''
  let i = 0
  while (i < n) {
    const c = bytes[i++]!
    if (c < 0x80) {
      text += String.fromCharCode(c)
      continue
    }
    let need: number
    let cp: number
    let min: number
    if ((c & 0xe0) === 0xc0) (need = 1), (cp = c & 0x1f), (min = 0x80)
    else if ((c & 0xf0) === 0xe0) (need = 2), (cp = c & 0x0f), (min = 0x800)
    else if ((c & 0xf8) === 0xf0) (need = 3), (cp = c & 0x07), (min = 0x10000)
    else if ((c & 0xfc) === 0xf8) (need = 4), (cp = c & 0x03), (min = 0x200000)
    else if ((c & 0xfe) === 0xfc) (need = 5), (cp = c & 0x01), (min = 0x4000000)
    else {
      text += '\ufffd'
      continue
    }
    while (need > 0 && i < n && (bytes[i]! & 0xc0) === 0x80) {
      cp = (cp << 6) | (bytes[i++]! & 0x3f)
      need--
    }
    text += need > 0 || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp)
  }
  return text
}

/** Safe text of a byte string (TXT strings, HTTP tokens...), capped at `maxChars`. */
export function safeBytesText(bytes: Uint8Array, start: number, end: number, maxChars: number): string {
  const out: number[] = []
  // Escapes at most quadruple a byte: read no more than needed for maxChars.
  escapeBytes(bytes, start, Math.min(end, start + maxChars * 4), out, false)
  return bytesToText(out, maxChars)
}

/** Compression pointers the last `readNameInto` followed. */
export let nameHops = 0

/**
 * Read the name at `offset` of the message `msg` (offsets are relative to the message start,
 * as compression pointers are). Never throws; on error returns what was read so far.
 */
export function readName(msg: Uint8Array, offset: number): NameRead {
  return readNameInto(msg, offset, {text: '', end: 0, error: null})
}

/**
 * `readName` into `out` (reused by the message parser: no object per name), reading `msg` only
 * up to `limit` (names inside RDATA must stay inside it). Plain names (printable ASCII, no dot
 * or backslash inside a label: nearly all of them) take a fast path that copies the label bytes
 * once and hands back one shared, interned string per distinct name (`scratchText`); anything
 * else is read again by the general path, which escapes and decodes. Either way the text is
 * interned: callers may keep it as it is.
 */
export function readNameInto(msg: Uint8Array, offset: number, out: NameRead, limit = msg.length): NameRead {
  let pos = offset
  let runStart = offset
  let end = -1
  let hops = 0
  let octets = 0
  let n = 0
  let hash = HASH_START
  for (;;) {
    if (pos >= limit) return readNameSlow(msg, offset, out, limit)
    const len = msg[pos]!
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= limit) return readNameSlow(msg, offset, out, limit)
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!
      if (end < 0) end = pos + 2
      if (target >= runStart || ++hops > MAX_POINTER_HOPS) return readNameSlow(msg, offset, out, limit)
      pos = runStart = target
      continue
    }
    if (len === 0) {
      pos++
      break
    }
    // Extended labels, truncation and over-long names: the general path says which.
    octets += 1 + len
    if ((len & 0xc0) !== 0 || pos + 1 + len > limit || octets + 1 > MAX_NAME_OCTETS) return readNameSlow(msg, offset, out, limit)
    if (n > 0) {
      scratch[n++] = 0x2e
      hash = hashByte(hash, 0x2e)
    }
    for (let i = pos + 1, stop = pos + 1 + len; i < stop; i++) {
      const b = msg[i]!
      if (b < 0x20 || b > 0x7e || b === 0x2e || b === 0x5c) return readNameSlow(msg, offset, out, limit)
      scratch[n++] = b
      hash = hashByte(hash, b)
    }
    pos += 1 + len
  }
  out.text = n === 0 ? '.' : scratchText(n, hash)
  out.end = end < 0 ? pos : end
  out.error = null
  nameHops = hops
  return out
}

/** First byte of a `cachedText` key made of a name's labels (see readNameSlow). */
const LABELS_KEY = 0xfe

/**
 * The general path of `readNameInto`: every byte escaped or decoded, every error named; the
 * text interned as the fast path's is (see `intern`). The labels walked are copied to `scratch`
 * in wire form (length octet, bytes) after LABELS_KEY: a name read without error has its text
 * remembered by them, as a plain name's is by its text. The names that come this way (mDNS
 * instance names with spaces turned UTF-8 apostrophes, `\.` in a label) repeat in every
 * announcement, and escaping and decoding them again each time was most of this path's cost.
 */
function readNameSlow(msg: Uint8Array, offset: number, result: NameRead, limit: number): NameRead {
  // The labels kept are at most 255 octets (the rest is walked, not kept): n ≤ 256.
  scratch[0] = LABELS_KEY
  let n = 1
  let pos = offset
  let runStart = offset
  let end = -1
  let hops = 0
  let octets = 0
  let error: NameError | null = null
  for (;;) {
    if (pos >= limit) {
      error = 'truncated'
      break
    }
    const len = msg[pos]!
    const kind = len & 0xc0
    if (kind === 0xc0) {
      if (pos + 1 >= limit) {
        error = 'truncated'
        break
      }
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!
      if (end < 0) end = pos + 2
      if (target >= runStart) {
        error = 'bad pointer'
        break
      }
      if (++hops > MAX_POINTER_HOPS) {
        error = 'too many pointers'
        break
      }
      pos = runStart = target
      continue
    }
    if (kind !== 0) {
      error = 'extended label'
      break
    }
    if (len === 0) {
      pos++
      break
    }
    if (pos + 1 + len > limit) {
      error = 'truncated'
      break
    }
    octets += 1 + len
    // Past 255 octets: keep walking to find where the name ends, but keep no more text.
    if (octets + 1 > MAX_NAME_OCTETS) error = 'name too long'
    else {
      scratch[n++] = len
      for (let i = pos + 1, stop = pos + 1 + len; i < stop; i++) scratch[n++] = msg[i]!
    }
    pos += 1 + len
  }
  if (error !== null && error !== 'name too long') end = limit
  else if (end < 0) end = pos
  result.end = end
  result.error = error
  nameHops = hops
  if (n === 1) result.text = error === null ? '.' : intern('')
  else if (error !== null) result.text = labelsText(n)
  else result.text = cachedText(n, hashScratch(n)) ?? rememberText(n, labelsText(n))
  return result
}

/** The safe text of the labels in `scratch[1, n)` (wire form), interned. */
function labelsText(n: number): string {
  const out: number[] = []
  for (let p = 1; p < n; ) {
    const len = scratch[p]!
    if (p > 1) out.push(0x2e)
    escapeBytes(scratch, p + 1, p + 1 + len, out, true)
    p += 1 + len
  }
  return intern(bytesToText(out, MAX_NAME_CHARS))
}

// ---------------------------------------------------------------------------------------------
// Text of plain ASCII bytes, one string per distinct value
// ---------------------------------------------------------------------------------------------

/** Where fast paths assemble the bytes of a text before `scratchText` (names, TXT data, IPv4). */
export const scratch = Buffer.alloc(1024)

/**
 * Texts remembered by their key bytes (direct-mapped by a hash; a collision just replaces). The
 * key is kept as a latin1 string, one character per byte: for a text key (names, addresses) the
 * text itself, so a slot costs two references. 16 Ki slots: at 4 Ki, a capture's few thousand
 * distinct names and addresses collided often enough that one lookup in eight missed and made
 * its string again (the 1 GiB bench capture: 27 k misses for 2.2 k distinct texts).
 */
const TEXT_SLOTS = 16_384
/** Longest key remembered (a name is at most 254 characters on the fast path). */
const SLOT_BYTES = 256
const slotKey: string[] = new Array<string>(TEXT_SLOTS).fill('')
const slotText: string[] = new Array<string>(TEXT_SLOTS).fill('')

/**
 * The text of `scratch[0, n)`, which the caller has checked is printable ASCII. The same bytes
 * give back the same string without making a new one: a busy resolver repeats the same names
 * and addresses in thousands of messages, and both the string and its interning (a hash over
 * the text) would otherwise be paid for every one. New texts are interned (shared with the other
 * analyzers' facts); flat strings, so what is kept costs only its characters.
 */
export function scratchText(n: number, hash = hashScratch(n)): string {
  const known = cachedText(n, hash)
  if (known !== undefined) return known
  const text = intern(scratch.toString('latin1', 0, n))
  // The text is its own key.
  return rememberText(n, text, text)
}

/** FNV-1a over `scratch[0, n)`; `hashByte` continues a hash by one byte. */
export function hashScratch(n: number): number {
  let hash = HASH_START
  for (let i = 0; i < n; i++) hash = hashByte(hash, scratch[i]!)
  return hash
}

export const HASH_START = 0x811c9dc5

export function hashByte(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193)
}

/** Slot that `rememberText` fills: the one the last `cachedText` looked in (-1: too long). */
let lastSlot = -1

/**
 * The text remembered for the key `scratch[0, n)` (of hash `hash`), or undefined; then
 * `rememberText(n, text)` remembers one, before anything else is written to `scratch`. A key is
 * the text itself (names, addresses) or, for text computed from other bytes, those bytes after
 * a first byte no text key starts with (text keys are printable ASCII): 0xff for the character
 * strings of TXT and HINFO data, 0xfe for the labels of names read by the general path, 0xfd
 * for the bytes of an IPv6 address.
 */
export function cachedText(n: number, hash: number): string | undefined {
  if (n > SLOT_BYTES) {
    lastSlot = -1
    return undefined
  }
  const slot = (hash ^ (hash >>> 15)) & (TEXT_SLOTS - 1)
  lastSlot = slot
  const key = slotKey[slot]!
  if (key.length !== n) return undefined
  for (let i = 0; i < n; i++) if (key.charCodeAt(i) !== scratch[i]) return undefined
  return slotText[slot]
}

/** Remember `text` for the key `scratch[0, n)` (see cachedText); `key`: that key as latin1
 * text, when the caller has it. */
export function rememberText(n: number, text: string, key?: string): string {
  const slot = lastSlot
  if (slot >= 0 && n > 0) {
    slotKey[slot] = key ?? scratch.toString('latin1', 0, n)
    slotText[slot] = text
  }
  return text
}

/** Raw label bytes of a name (for NetBIOS first-level decoding): null on any error. */
export function readNameLabels(msg: Uint8Array, offset: number): {labels: Uint8Array[]; end: number} | null {
  const labels: Uint8Array[] = []
  let pos = offset
  let runStart = offset
  let end = -1
  let hops = 0
  let octets = 0
  for (;;) {
    if (pos >= msg.length) return null
    const len = msg[pos]!
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) return null
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!
      if (end < 0) end = pos + 2
      if (target >= runStart || ++hops > MAX_POINTER_HOPS) return null
      pos = runStart = target
      continue
    }
    if ((len & 0xc0) !== 0) return null
    if (len === 0) {
      pos++
      break
    }
    if (pos + 1 + len > msg.length) return null
    octets += 1 + len
    if (octets + 1 > MAX_NAME_OCTETS) return null
    labels.push(msg.subarray(pos + 1, pos + 1 + len))
    pos += 1 + len
  }
  return {labels, end: end < 0 ? pos : end}
}
