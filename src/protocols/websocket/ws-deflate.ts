/**
 * permessage-deflate (RFC 7692), the WebSocket compression browsers offer on every connection:
 * when the server's 101 agrees to it, a message whose first frame has RSV1 set (§6) holds its
 * text compressed with raw DEFLATE (RFC 1951). Compression is no protection: a passive reader
 * inflates what it sees, as Wireshark does, and reads the signalling inside.
 *
 * Each direction is one DEFLATE stream cut at message ends (§7.2.1: a sync flush, its trailing
 * 00 00 FF FF left off), whose back-references may reach into the earlier messages of that
 * direction ("context takeover") unless the handshake agreed `<sender>_no_context_takeover`
 * (§7.1.1). A reader therefore keeps the last 32 KiB (DEFLATE's largest window, RFC 1951 §2) of
 * what each direction said and inflates each message with it as the preset dictionary: a window
 * larger than the sender's (§7.1.2, max_window_bits) does no harm, as nothing refers past the
 * sender's own. The connection's byte streams have no holes (a gap stalls its direction: see
 * TcpByteStream), so each direction is inflated in order from its first message; a message cut
 * short by the capture, or one that will not inflate, leaves the rest of a context-taking-over
 * direction unread: counted as such, never guessed at.
 */
import {Buffer} from 'node:buffer'
import {constants, inflateRawSync} from 'node:zlib'
import type {HttpHead} from '../http/http-head.js'

/** The permessage-deflate parameters a server agreed to (§7.1). */
export interface DeflateAgreement {
  /** The client (server) compresses each of its messages on its own. */
  clientNoContextTakeover: boolean
  serverNoContextTakeover: boolean
}

/** §7.2.2: the empty stored block a sender's sync flush ended with, put back before inflating. */
const SYNC_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff])
/** DEFLATE's largest window (RFC 1951 §2: distances up to 32 768). */
const WINDOW = 32 * 1024

/**
 * The permessage-deflate the server's `Sec-WebSocket-Extensions` answer agreed to (§5.1: a list
 * of extensions, each with `;`-separated parameters), or undefined when it agreed to none. A
 * parameter RFC 7692 does not define, or one given twice, makes the server's answer invalid
 * (§7.1): then nothing is agreed and compressed messages stay unread.
 */
export function deflateAgreement(head: HttpHead): DeflateAgreement | undefined {
  for (const [name, value] of head.fields) {
    if (name !== 'sec-websocket-extensions') continue
    for (const extension of value.split(',')) {
      const [token, ...params] = extension.split(';').map((p) => p.trim().toLowerCase())
      if (token !== 'permessage-deflate') continue
      const seen = new Set<string>()
      for (const param of params) {
        const key = param.split('=')[0]!.trim()
        if (seen.has(key) || !KNOWN_PARAMS.has(key)) return undefined
        seen.add(key)
      }
      return {clientNoContextTakeover: seen.has('client_no_context_takeover'), serverNoContextTakeover: seen.has('server_no_context_takeover')}
    }
  }
  return undefined
}

const KNOWN_PARAMS: ReadonlySet<string> = new Set(['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits'])

/** One direction's messages, inflated in order. */
export class MessageInflater {
  /** What this direction said last, up to WINDOW bytes: the next message's dictionary. */
  private window: Buffer = Buffer.alloc(0)
  /** A message could not be inflated while messages depend on the ones before: no later one can be. */
  lost = false

  constructor(
    /** Each message stands alone (the sender resets its compressor, §7.1.1). */
    private readonly noContextTakeover: boolean,
    /** Most bytes a message may inflate to (a message that would inflate further is not read). */
    private readonly maxOutput: number,
  ) {}

  /**
   * The text of the compressed message bytes[0, length), or undefined when it cannot be read
   * (corrupt, inflating past maxOutput, cut short by the capture as `cut` says, or after a lost
   * message). Returns a view valid until the next call.
   */
  inflate(bytes: Uint8Array, length: number, cut: boolean): Uint8Array | undefined {
    if (this.lost) return undefined
    const keepsContext = !this.noContextTakeover
    if (cut) {
      // The rest of the message was not kept: its end, and the window after it, are unknown.
      this.lost = keepsContext
      return undefined
    }
    let out: Buffer
    try {
      out = inflateRawSync(Buffer.concat([bytes.subarray(0, length), SYNC_TAIL]), {
        ...(keepsContext && this.window.length > 0 ? {dictionary: this.window} : {}),
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: this.maxOutput,
      })
    } catch {
      // Z_DATA_ERROR (not DEFLATE, or a reference into a message not seen) or past maxOutput.
      this.lost = keepsContext
      return undefined
    }
    if (keepsContext) this.window = out.length >= WINDOW ? out.subarray(out.length - WINDOW) : Buffer.concat([this.window, out]).subarray(-WINDOW)
    return out
  }
}
