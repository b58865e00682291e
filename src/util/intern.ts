import {flatText} from './flat-text.js'

/**
 * One copy of each repeated text. A capture repeats the same names, addresses and tokens in
 * thousands of messages (every DNS response for a busy name, every STUN binding of a call),
 * and each parse makes a fresh string; the facts kept to the end of the read hold them all.
 * `intern` hands back the copy seen before, so what is kept costs one string per distinct
 * value and the fresh one dies young (cheap for the garbage collector, where a survivor is
 * copied). Bounded: the pool is emptied when it reaches `max` entries, so a capture of
 * millions of distinct values costs at most `max` entries, and then only what was kept.
 */
export class InternPool {
  private pool = new Map<string, string>()

  constructor(private readonly max = 131_072) {}

  intern(text: string): string {
    const hit = this.pool.get(text)
    if (hit !== undefined) return hit
    if (this.pool.size >= this.max) this.pool = new Map()
    // The copy kept for everyone is flat (a concatenation would be kept as its parts).
    const kept = flatText(text)
    this.pool.set(kept, kept)
    return kept
  }

  /** Distinct texts held now (at most `max`). */
  get size(): number {
    return this.pool.size
  }

  /** `intern`, passing null through (optional fields of facts). */
  internOrNull(text: string | null): string | null {
    return text === null ? null : this.intern(text)
  }
}

/** The pool the protocol analyzers share for text taken from captures. */
export const capturedText = new InternPool()

/** Intern text taken from a capture (see InternPool). */
export function intern(text: string): string {
  return capturedText.intern(text)
}

/** `intern`, passing null through (optional fields of facts). */
export function internOrNull(text: string | null): string | null {
  return capturedText.internOrNull(text)
}
