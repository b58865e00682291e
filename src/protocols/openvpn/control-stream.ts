/**
 * One direction of OpenVPN's reliable control channel (reliable.c): P_CONTROL_V1 payloads in
 * message packet-id order. Ids count up from the hard reset's (0) per direction and key; a
 * packet sent again (no ack in time) repeats its id and is taken once; one that arrives ahead of
 * a missing one waits, bounded (MAX_WAITING packets, MAX_WAITING_BYTES). When the window is full
 * and the missing id still has not come, the direction stops: what follows a lost packet cannot
 * be placed in the TLS stream.
 */

/** Packets held while an earlier id is missing: a sender has at most its send window in flight
 * (ssl.h TLS_RELIABLE_N_SEND_BUFFERS, 6), so more than twice that waiting means a loss. */
export const MAX_WAITING = 16
export const MAX_WAITING_BYTES = 32 * 1024

export class ControlStream {
  /** Next message id expected; -1 until the first reset or control packet. */
  private next = -1
  private readonly waiting = new Map<number, Uint8Array>()
  private waitingBytes = 0
  /** Packets whose id was taken already. */
  retransmissions = 0
  /** A missing packet never came: nothing more is delivered. */
  stalled = false

  /** The reset packet of this direction had id `id`: control packets follow from id + 1. */
  reset(id: number): void {
    if (this.next < 0) this.next = id + 1
    else if (id < this.next) this.retransmissions++
  }

  /**
   * Offer a P_CONTROL_V1 payload with its message id. `deliver` is called for it and for every
   * waiting payload it lets through, in id order (the current payload is passed as given, a view
   * valid during the call; waiting ones are copies).
   */
  accept(id: number, payload: Uint8Array, deliver: (payload: Uint8Array) => void): void {
    if (this.stalled) return
    if (this.next < 0) this.next = id
    if (id < this.next || this.waiting.has(id)) {
      this.retransmissions++
      return
    }
    if (id > this.next) {
      if (this.waiting.size >= MAX_WAITING || this.waitingBytes + payload.length > MAX_WAITING_BYTES) {
        this.stall()
        return
      }
      this.waiting.set(id, payload.slice())
      this.waitingBytes += payload.length
      return
    }
    this.next++
    deliver(payload)
    for (let more = this.waiting.get(this.next); more !== undefined && !this.stalled; more = this.waiting.get(this.next)) {
      this.waiting.delete(this.next)
      this.waitingBytes -= more.length
      this.next++
      deliver(more)
    }
  }

  /** Stop delivering and drop what waits. */
  stall(): void {
    this.stalled = true
    this.release()
  }

  /** Drop what waits (the stream is done with; `stalled` keeps saying whether a packet was lost). */
  release(): void {
    this.waiting.clear()
    this.waitingBytes = 0
  }
}
