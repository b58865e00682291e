/**
 * DTMF key presses sent as RTP telephone-events (RFC 4733, which obsoletes RFC 2833): how SIP
 * phones, softphones, gateways and conference bridges carry the keys a caller presses (a
 * conference PIN, a passcode, an account number typed into an IVR) instead of as tones in the
 * audio. In plain RTP anyone on the path reads each key.
 *
 * The payload (RFC 4733 §2.3) is 4 octets: the event code (§3.2: 0-9, 10 '*', 11 '#', 12-15
 * A-D, 16 flash), the end bit E, a reserved bit R, a 6-bit volume and a 16-bit duration. Every
 * packet of one event carries the same RTP timestamp, the event's start, and a duration that
 * only grows (§2.5.1.2); the last packet has E set and is sent three times (§2.5.1.4). The
 * payload type is dynamic (§7.1) and set in the SDP, which a capture may not hold, so a key
 * press is recognised by that shape alone: on one dynamic payload type, at least two 4-octet
 * payloads with the same timestamp and event code, durations that never shrink, R clear, and E
 * set at the end or, for a press cut short by the end of the call or capture, a duration that
 * grew twice. Random or encrypted 4-octet payloads do not keep all of that (SRTP adds its
 * authentication tag, so its payloads are longer and never looked at).
 *
 * The keys themselves are not kept: a report quoted in a briefing must not carry a PIN. Only how
 * many presses there were, on which payload type, and where the first one starts.
 */

/** The highest event code that is a key (RFC 4733 §3.2: 16 is hook flash). */
const LAST_KEY_EVENT = 16
/** Key presses whose place is kept, per stream (each press's own replay event); the rest are counted. */
export const MAX_PRESSES_KEPT = 64

/** Where a packet was: the numbers Evidence is made from, kept as numbers until needed. */
export interface PacketPlace {
  frame: number
  capture: number
  sec: number
  nsec: number
}

/**
 * What both readers below share: the key presses counted on one payload type, where each started,
 * and the event being read (its timestamp and packets so far). A subclass says when a packet
 * continues the event and whether a finished event was a key press.
 */
abstract class KeyPresses {
  /** Key presses recognised, and the packets they took. */
  presses = 0
  packets = 0
  /** Where the first recognised press started. */
  first: PacketPlace | undefined = undefined
  /** Where each press started (the first MAX_PRESSES_KEPT). */
  readonly starts: PacketPlace[] = []
  protected timestamp = 0
  protected run = 0
  private readonly runStart: PacketPlace = {frame: 0, capture: 0, sec: 0, nsec: 0}

  /** @param payloadType the dynamic payload type the events travel on */
  constructor(readonly payloadType: number) {}

  /** Whether the event being read is a key press (called when it ends, with run > 0). */
  protected abstract isPress(): boolean

  /** A packet that starts a new event at `timestamp`: the one being read ends first. */
  protected begin(timestamp: number, place: PacketPlace): void {
    this.close()
    this.timestamp = timestamp
    this.run = 1
    this.runStart.frame = place.frame
    this.runStart.capture = place.capture
    this.runStart.sec = place.sec
    this.runStart.nsec = place.nsec
  }

  /** End the event being read: counted when it has the shape of a key press. Called at the end too. */
  close(): void {
    if (this.run > 0 && this.isPress()) {
      this.presses++
      this.packets += this.run
      this.first ??= {...this.runStart}
      if (this.starts.length < MAX_PRESSES_KEPT) this.starts.push({...this.runStart})
    }
    this.run = 0
  }
}

/** Key presses in clear: each 4-octet payload read as RFC 4733 §2.3 gives it. */
export class TelephoneEvents extends KeyPresses {
  // The event being read: its code, last duration, how often it grew, end bit seen, a rule of
  // §2.5 broken.
  private event = -1
  private duration = 0
  private growths = 0
  private ended = false
  private broken = false

  /** A packet of this payload type whose payload is b[at, at + 4). */
  add(b: Uint8Array, at: number, timestamp: number, place: PacketPlace): void {
    const event = b[at]!
    const flags = b[at + 1]!
    const duration = (b[at + 2]! << 8) | b[at + 3]!
    if (this.run > 0 && timestamp === this.timestamp) {
      // The same event again: its code stays, its duration never shrinks (§2.5.1.2), and
      // nothing follows its end but the end's own retransmissions (§2.5.1.4).
      if (event !== this.event || duration < this.duration || (this.ended && (flags & 0x80) === 0) || (flags & 0x40) !== 0) this.broken = true
      if (duration > this.duration) this.growths++
      this.duration = duration
      this.ended ||= (flags & 0x80) !== 0
      this.run++
      return
    }
    this.begin(timestamp, place)
    this.event = event
    this.duration = duration
    this.growths = 0
    this.ended = (flags & 0x80) !== 0
    this.broken = (flags & 0x40) !== 0
  }

  /** Ended (E set), or cut before its end (the call hung up, the capture stopped mid-press)
   * after its duration grew twice: either way the key was on the wire. */
  protected isPress(): boolean {
    return this.run >= 2 && (this.ended || this.growths >= 2) && !this.broken && this.event <= LAST_KEY_EVENT
  }
}

/** RFC 3551 §6 leaves 96-127 for dynamic payload types, the only ones telephone-event uses. */
export function isDynamicPayloadType(pt: number): boolean {
  return pt >= 96 && pt <= 127
}

/**
 * SRTP appends its authentication tag to the encrypted payload (RFC 3711 §3.1): 10 octets
 * (AES_CM_128_HMAC_SHA1_80), 4 (…_32) or 16 (AEAD_AES_*_GCM, RFC 7714). A telephone-event's 4
 * octets then arrive as 14, 8 or 20.
 */
export const SRTP_EVENT_LENGTHS: ReadonlySet<number> = new Set([8, 14, 20])

/**
 * Key presses in SRTP (WebRTC's RTCDTMFSender, SRTP phones): the keys are encrypted, but the
 * RTP header is not (RFC 3711 §3.1), and an event keeps its shape there: its first packet has
 * the marker bit (RFC 4733 §2.5.1.2), all its packets the timestamp of its start, and every
 * payload the same small length. A press is counted for at least two packets of one dynamic
 * payload type with one timestamp and one of SRTP_EVENT_LENGTHS, the first marked. Audio
 * packets never repeat a timestamp; video frames that do are not this small, nor all one size.
 * What this tells: how many keys (a PIN's length) and when each was pressed.
 */
export class EncryptedTelephoneEvents extends KeyPresses {
  // The event being read: its payload length, and whether it stays a candidate (first packet
  // marked and of an SRTP event length, every packet of that length).
  private length = 0
  private marked = false

  /** A packet of this payload type with a payload of `length` octets. */
  add(length: number, timestamp: number, marker: boolean, place: PacketPlace): void {
    if (this.run > 0 && timestamp === this.timestamp) {
      if (length !== this.length) this.marked = false
      this.run++
      return
    }
    this.begin(timestamp, place)
    this.length = length
    this.marked = marker && SRTP_EVENT_LENGTHS.has(length)
  }

  protected isPress(): boolean {
    return this.run >= 2 && this.marked
  }
}
