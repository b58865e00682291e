import {SEVERITIES, type Severity} from '../policy/policy.js'
import {EVENT_KINDS, type EventKind, type ReplayEvent} from './replay-event.js'

/** Short names for groups of kinds. */
const ALIASES: Record<string, EventKind[]> = {media: ['media-start', 'media-stop']}

export interface EventFilter {
  kinds: ReadonlySet<EventKind>
  severities: ReadonlySet<Severity>
}

export class FilterError extends Error {}

/**
 * `--filter` values (repeatable, each a comma list) of event kinds (`media` for both media
 * kinds) and finding severities. Kinds choose events; a severity chooses findings of that
 * severity (and so implies the kind `finding`). `dns,high` is DNS answers and high findings;
 * `finding` is every finding; with no values every event passes.
 */
export function parseEventFilter(values: readonly string[]): EventFilter {
  const kinds = new Set<EventKind>()
  const severities = new Set<Severity>()
  for (const raw of values.flatMap((v) => v.split(','))) {
    const value = raw.trim().toLowerCase()
    if (!value) continue
    if ((EVENT_KINDS as readonly string[]).includes(value)) kinds.add(value as EventKind)
    else if ((SEVERITIES as readonly string[]).includes(value)) severities.add(value as Severity)
    else if (ALIASES[value]) for (const k of ALIASES[value]) kinds.add(k)
    else throw new FilterError(`--filter ${JSON.stringify(raw)}: not an event kind or a severity (kinds: ${[...EVENT_KINDS, ...Object.keys(ALIASES)].join(', ')}; severities: ${SEVERITIES.join(', ')})`)
  }
  return {kinds, severities}
}

export function passesFilter(filter: EventFilter, event: ReplayEvent): boolean {
  if (filter.kinds.size === 0 && filter.severities.size === 0) return true
  if (event.kind === 'finding') return (filter.kinds.has('finding') || filter.severities.size > 0) && (filter.severities.size === 0 || filter.severities.has(event.severity!))
  return filter.kinds.has(event.kind)
}
