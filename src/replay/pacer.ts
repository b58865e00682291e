/** Wall-clock time and waiting, replaceable so that pacing can be tested without real waits. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/**
 * The longest wait one timer holds (2^31 − 1 ms, about 24.8 days): Node fires a longer one after
 * 1 ms, with a warning, so a very slow --speed would print everything at once.
 */
export const MAX_SLEEP_MS = 2 ** 31 - 1

/**
 * `--speed N`: events are let through at N times capture time. The first event goes at once;
 * each later one when the wall clock has advanced (its capture time − the first's) / N. Speed 0
 * lets everything through at once.
 */
export class Pacer {
  private origin: {wall: number; capture: number} | undefined

  constructor(
    private readonly speed: number,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  async wait(relativeSeconds: number): Promise<void> {
    if (!(this.speed > 0)) return
    if (!this.origin) {
      this.origin = {wall: this.clock.now(), capture: relativeSeconds}
      return
    }
    const due = this.origin.wall + ((relativeSeconds - this.origin.capture) * 1000) / this.speed
    // In steps no timer overflows; the clock is read again after each (a timer may fire early).
    for (let delay = due - this.clock.now(); delay > 0; delay = due - this.clock.now()) await this.clock.sleep(Math.min(delay, MAX_SLEEP_MS))
  }
}
