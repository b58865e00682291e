/**
 * Lines of `flows --detail` for an analyzer that lists what its messages said: each distinct text
 * once, with the frame it was first seen in, up to a number of lines.
 */
export class DetailLines {
  private readonly seen = new Set<string>()

  constructor(
    readonly lines: string[],
    private readonly max: number,
  ) {}

  once(what: string, frame: number): void {
    if (this.seen.has(what) || this.lines.length >= this.max) return
    this.seen.add(what)
    this.lines.push(`${what} (frame ${frame})`)
  }
}
