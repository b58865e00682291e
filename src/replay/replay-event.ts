import type {Severity} from '../policy/policy.js'

/** Event kinds, in the order events of one instant and frame are listed. */
export const EVENT_KINDS = ['flow', 'dns', 'sni', 'certificate', 'sip', 'h323', 'xmpp', 'websocket', 'stun-mapped', 'turn-allocation', 'media-start', 'sdes', 'dtmf', 'media-stop', 'finding'] as const
export type EventKind = (typeof EVENT_KINDS)[number]

/**
 * One moment of the call, as `callaudit replay` prints it (docs/replay.md). Events are a view of
 * the Report: every field comes from the report's flows, their protocol facts, endpoints and
 * findings.
 */
export interface ReplayEvent {
  kind: EventKind
  /** Stable across reports of one growing read (replay --follow prints each id once). */
  id: string
  /** ISO-8601 UTC with the capture's precision. */
  time: string
  /** Seconds since the first packet of the capture(s); negative for a packet stamped earlier. */
  relativeSeconds: number
  /** The same, as printed: sign and the capture's precision (`+8.399774`). */
  relative: string
  /** Index of the capture file (0 for the first). */
  capture: number
  /** 1-based frame number (Wireshark's frame.number); null when no single frame says it. */
  frame: number | null
  flowId: number | null
  /** Findings only. */
  severity: Severity | null
  /** One line for people. Capture text is raw here: every renderer neutralises it. */
  text: string
  /** Kind-specific fields for machines (docs/replay.md lists them). */
  detail: Record<string, unknown>
}

/** An event before it is placed in time relative to the capture start. */
export type DraftEvent = Omit<ReplayEvent, 'relativeSeconds' | 'relative'>
