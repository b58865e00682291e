/**
 * What a flow's H.245 messages say, gathered as they are read: on a connection of their own
 * (./h245-analyzer.ts) or tunnelled in the call signalling (./h225-tunnel.ts, read by
 * ./h323-analyzer.ts). Every message counted by name; from each openLogicalChannelAck where that
 * side receives the media (RTP) and its reports (RTCP); the userInput indications that carried
 * keys the caller pressed (how many and where, never the keys).
 */
import type {Evidence} from '../analyzer.js'
import type {H245Address, H245Message} from './h245-message.js'
import {MAX_PRESSES_KEPT} from '../rtp/telephone-events.js'

/** Channel acknowledgements kept per flow (a call opens a few: audio, video, data, each way). */
const MAX_CHANNELS = 16

export interface H245ChannelFact {
  evidence: Evidence
  /** The flow endpoint that acknowledged the channel: where its media is to be sent. */
  sentBy: 'client' | 'server'
  sessionId: number | null
  /** Where the acknowledging side receives the channel's RTP, and its RTCP. */
  mediaChannel: H245Address | null
  mediaControlChannel: H245Address | null
}

export interface H245OpenedFact {
  evidence: Evidence
  /** The flow endpoint that opened the channel (it sends the media). */
  sentBy: 'client' | 'server'
  /** The forward channel's dataType: audio, video, data... */
  medium: string
  /** For audio and video, the capability named (g711Alaw64k, h263VideoCapability...); else ''. */
  codec: string
  /** Where RTP and RTCP go, as the channel's H.225.0 parameters say (forward, else reverse). */
  mediaChannel: H245Address | null
  mediaControlChannel: H245Address | null
  /** Proposed or accepted in the call signalling's fastStart (H.323 §8.1.7, Fast Connect). */
  fastStart?: true
}

export interface H245Facts {
  /** Messages read (all of them). */
  messages: number
  /** Messages by name, in order of first sight. */
  counts: Array<{name: string; count: number}>
  /** openLogicalChannelAck media addresses (the first 16). */
  channels: H245ChannelFact[]
  /** openLogicalChannel requests: who opened what (the first 16). */
  opened: H245OpenedFact[]
  /** userInput indications that carried keys (alphanumeric, signal): how many, in which forms,
   * the first and where each went (the first 64); present when there were any. Never the keys. */
  keys?: {keyPresses: number; forms: string[]; first: Evidence; presses: Evidence[]}
  /** More channels than were kept, or a direction cut. */
  truncated: boolean
}

export class H245Tally {
  messages = 0
  truncated = false
  private readonly counts = new Map<string, number>()
  private readonly channels: H245ChannelFact[] = []
  private readonly opened: H245OpenedFact[] = []
  private keyPresses = 0
  private readonly keyForms: string[] = []
  private readonly keyPlaces: Evidence[] = []

  /** One message, sent by the flow's client or server, read at `evidence` (made only when kept). */
  add(message: H245Message, sentBy: 'client' | 'server', evidence: () => Evidence): void {
    this.messages++
    if (this.counts.has(message.name) || this.counts.size < 64) this.counts.set(message.name, (this.counts.get(message.name) ?? 0) + 1)
    if (message.keys) {
      this.keyPresses++
      if (this.keyPlaces.length < MAX_PRESSES_KEPT) this.keyPlaces.push(evidence())
      if (!this.keyForms.includes(message.keys)) this.keyForms.push(message.keys)
    }
    if (message.opens) {
      if (this.opened.length < MAX_CHANNELS) this.opened.push({evidence: evidence(), sentBy, ...message.opens, ...(message.fastStart ? {fastStart: true as const} : {})})
      else this.truncated = true
    }
    if (message.ack) {
      if (this.channels.length < MAX_CHANNELS) this.channels.push({evidence: evidence(), sentBy, ...message.ack})
      else this.truncated = true
    }
  }

  facts(): H245Facts | undefined {
    if (this.messages === 0) return undefined
    return {
      messages: this.messages,
      counts: [...this.counts].map(([name, count]) => ({name, count})),
      channels: this.channels,
      opened: this.opened,
      ...(this.keyPlaces.length > 0 ? {keys: {keyPresses: this.keyPresses, forms: this.keyForms, first: this.keyPlaces[0]!, presses: this.keyPlaces}} : {}),
      truncated: this.truncated,
    }
  }
}

/** The lines `flows --detail` shows for H.245 facts; `how` says where they travelled. */
export function describeH245(facts: H245Facts, how = 'H.245 media control'): string[] {
  const lines = [`${how}: ${facts.messages} message${facts.messages === 1 ? '' : 's'} (${facts.counts.map((c) => `${c.name} ×${c.count}`).join(', ')})`]
  const at = (a: H245Address | null) => (a ? (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`) : 'no address')
  for (const o of facts.opened ?? []) {
    const where = [o.mediaChannel ? `media to ${at(o.mediaChannel)}` : '', o.mediaControlChannel ? `RTCP to ${at(o.mediaControlChannel)}` : ''].filter(Boolean).join(', ')
    lines.push(`H.245 channel opened by the ${o.sentBy}${o.fastStart ? ' (fastStart)' : ''}: ${o.medium}${o.codec ? ` ${o.codec}` : ''}${where ? `, ${where}` : ''} (frame ${o.evidence.frame})`)
  }
  for (const c of facts.channels) {
    lines.push(`H.245 channel acknowledged by the ${c.sentBy}${c.sessionId !== null ? ` (session ${c.sessionId})` : ''}: media to ${at(c.mediaChannel)}, RTCP to ${at(c.mediaControlChannel)} (frame ${c.evidence.frame})`)
  }
  if (facts.keys) lines.push(`H.245 userInput: ${facts.keys.keyPresses} DTMF key indication${facts.keys.keyPresses === 1 ? '' : 's'} readable in clear (${facts.keys.forms.join(', ')}, from frame ${facts.keys.first.frame})`)
  return lines
}
