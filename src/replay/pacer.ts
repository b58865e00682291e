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
    const delay = due - this.clock.now()
    if (delay > 0) await this.clock.sleep(delay)
  }
}
