/**
 * A TCP connection in a test capture, turn by turn: the three-way handshake, then each turn's
 * bytes in the direction it names, cut into segments of `sizes` (cycled across the whole
 * exchange), sequence and acknowledgement numbers following. `firstWhole`: the first turn goes in
 * one segment (an analyzer that recognises a flow by its first payload needs it whole).
 */
import type {CaptureKit, End} from '../protocols/rtp/capture-kit.js'

export type Turn = [toServer: boolean, bytes: Buffer]

export function tcpExchange(kit: CaptureKit, client: End, server: End, turns: Turn[], sizes: number[], o: {firstWhole?: boolean} = {}): void {
  kit.tcp(client, server, {seq: 999, flags: 'S'})
  kit.tcp(server, client, {seq: 4999, ack: 1000, flags: 'SA'})
  kit.tcp(client, server, {seq: 1000, ack: 5000, flags: 'A'})
  let a = 1000
  let b = 5000
  let n = 0
  turns.forEach(([toServer, bytes], t) => {
    for (let at = 0; at < bytes.length; ) {
      const piece = bytes.subarray(at, at + (t === 0 && o.firstWhole ? bytes.length : sizes[n++ % sizes.length]!))
      if (toServer) kit.tcp(client, server, {seq: a, ack: b, flags: 'PA'}, piece)
      else kit.tcp(server, client, {seq: b, ack: a, flags: 'PA'}, piece)
      if (toServer) a += piece.length
      else b += piece.length
      at += piece.length
    }
  })
}
