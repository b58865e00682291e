import {severityRank} from '../policy/policy.js'
import type {ReplayEvent} from './replay-event.js'

/**
 * What replay --follow has printed, so that each report of the growing read adds only what is new.
 * An event is new when its id was not printed before. A finding is printed again only when its
 * severity rose (its `detail.escalatedFrom` then names the severity printed before); a finding
 * whose evidence merely grew is not repeated (the summary at the end has it whole).
 */
export class EventJournal {
  private readonly printed = new Map<string, ReplayEvent>()

  /** The events not printed yet, in the given order, now counted as printed. */
  admit(events: readonly ReplayEvent[]): ReplayEvent[] {
    const fresh: ReplayEvent[] = []
    for (const event of events) {
      const before = this.printed.get(event.id)
      if (!before) {
        fresh.push(event)
        this.printed.set(event.id, event)
        continue
      }
      if (event.kind === 'finding' && event.severity && before.severity && severityRank(event.severity) > severityRank(before.severity)) {
        const escalated = {...event, detail: {...event.detail, escalatedFrom: before.severity}}
        fresh.push(escalated)
        this.printed.set(event.id, escalated)
      }
    }
    return fresh
  }

  get size(): number {
    return this.printed.size
  }
}
