/**
 * Times of replay events. The report carries times as ISO-8601 text with the capture's precision
 * (6 or 9 digits, src/capture/timestamp.ts); events are ordered and offset by them exactly, in
 * whole seconds and nanoseconds, never through a floating-point sum.
 */

export interface Instant {
  sec: number
  nsec: number
  /** Digits of the fraction in the text it came from (6 or 9). */
  digits: number
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/
/** isoTime's fallback for years outside 0..9999: `seconds.nanoseconds`. */
const RAW = /^(-?\d+)\.(\d{9})$/

export function parseInstant(text: string): Instant | undefined {
  const iso = ISO.exec(text)
  if (iso) {
    const [, y, mo, d, h, mi, s, frac = ''] = iso
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
    // Date.UTC maps years 0..99 to 1900..1999; isoTime writes four digits, so set it back.
    const date = new Date(ms)
    if (Number(y) < 100) date.setUTCFullYear(Number(y))
    return {sec: Math.floor(date.getTime() / 1000), nsec: Number(frac.padEnd(9, '0')), digits: frac.length}
  }
  const raw = RAW.exec(text)
  if (raw) return {sec: Number(raw[1]), nsec: Number(raw[2]), digits: 9}
  return undefined
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.sec - b.sec || a.nsec - b.nsec
}

/**
 * `to - from` as a decimal string with `digits` fraction digits and a sign (`+8.399774`), and as
 * the nearest double of that decimal (what JSON shows: 8.399774, not 8.399774000000001).
 */
export function offsetBetween(from: Instant, to: Instant, digits: number): {text: string; seconds: number} {
  let sec = to.sec - from.sec
  let nsec = to.nsec - from.nsec
  let sign = '+'
  if (sec < 0 || (sec === 0 && nsec < 0)) {
    sign = '-'
    sec = -sec
    nsec = -nsec
  }
  if (nsec < 0) {
    sec -= 1
    nsec += 1_000_000_000
  }
  const fraction = String(nsec).padStart(9, '0').slice(0, Math.max(0, Math.min(9, digits)))
  const decimal = fraction ? `${sec}.${fraction}` : String(sec)
  return {text: `${sign}${decimal}`, seconds: Number(`${sign === '-' ? '-' : ''}${decimal}`)}
}
