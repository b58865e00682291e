import {Buffer} from 'node:buffer'
/**
 * Timestamp arithmetic without BigInt on the hot path. pcapng timestamps are 64-bit counts of
 * interface-specific units (pcapng spec §4.2, if_tsresol): a decimal 10^-k or binary 2^-k
 * fraction of a second. A nanosecond count since 1970 exceeds 2^53, so it is split into
 * seconds and nanoseconds by long division in 16-bit digits, which stays exact for units up
 * to 10^9 per second.
 */
import {flatText} from '../util/flat-text.js'


/** How an interface counts time. */
export interface TimeResolution {
  /** true: units are 2^-exponent s; false: 10^-exponent s. */
  binary: boolean
  exponent: number
  /** Digits of sub-second precision worth printing (capped at 9: we keep nanoseconds). */
  precision: number
}

export const MICROSECONDS: TimeResolution = {binary: false, exponent: 6, precision: 6}
export const NANOSECONDS: TimeResolution = {binary: false, exponent: 9, precision: 9}

/** Decode the if_tsresol option byte: MSB clear = 10^-v, set = 2^-(v & 0x7f). */
export function resolutionFromTsresol(value: number): TimeResolution {
  const binary = (value & 0x80) !== 0
  const exponent = value & 0x7f
  const digits = binary ? Math.ceil(exponent * Math.log10(2)) : exponent
  return {binary, exponent, precision: Math.min(9, digits)}
}

/** Output of splitTimestamp, reused to avoid allocation. */
export interface SecNsec {
  sec: number
  nsec: number
}

const TWO_32 = 4294967296
/** Counts whose high word is below this are below 2^53: exact in a double. */
const TWO_21 = 2097152
const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

/** Split the 64-bit count high:low (unsigned 32-bit halves) into seconds and nanoseconds. */
export function splitTimestamp(high: number, low: number, res: TimeResolution, out: SecNsec): void {
  if (res.binary) {
    splitBinary(high, low, res.exponent, out)
    return
  }
  if (res.exponent > 9) {
    splitDecimalBig(high, low, res.exponent, out)
    return
  }
  const units = POWERS_OF_TEN[res.exponent]!
  const scale = POWERS_OF_TEN[9 - res.exponent]!
  if (high < TWO_21) {
    // Below 2^53 (any µs time; ns times before 1970-04-15) a double holds the count exactly:
    // one division, its rounding corrected by the exact remainder.
    const value = high * TWO_32 + low
    let q = Math.floor(value / units)
    let rem = value - q * units
    if (rem < 0) {
      q--
      rem += units
    } else if (rem >= units) {
      q++
      rem -= units
    }
    out.sec = q
    out.nsec = rem * scale
    return
  }
  // Long division of the 64-bit value by `units`, 16 bits at a time: remainder < units ≤ 1e9,
  // so remainder * 65536 + digit < 2^46 and every step is exact in a double.
  let cur = high >>> 16
  let q = Math.floor(cur / units)
  let rem = cur - q * units
  let quot = q
  cur = rem * 65536 + (high & 0xffff)
  q = Math.floor(cur / units)
  rem = cur - q * units
  quot = quot * 65536 + q
  cur = rem * 65536 + (low >>> 16)
  q = Math.floor(cur / units)
  rem = cur - q * units
  quot = quot * 65536 + q
  cur = rem * 65536 + (low & 0xffff)
  q = Math.floor(cur / units)
  rem = cur - q * units
  quot = quot * 65536 + q
  out.sec = quot
  out.nsec = rem * scale
}

function splitBinary(high: number, low: number, exponent: number, out: SecNsec): void {
  if (exponent > 32) {
    const value = (BigInt(high) << 32n) | BigInt(low)
    const shift = BigInt(exponent)
    out.sec = Number(value >> shift)
    const frac = value & ((1n << shift) - 1n)
    out.nsec = Number((frac * 1_000_000_000n) >> shift)
    return
  }
  const fracMask = exponent === 32 ? TWO_32 - 1 : 2 ** exponent - 1
  const lowFrac = exponent === 32 ? low : low & fracMask
  out.sec = high * 2 ** (32 - exponent) + Math.floor(low / 2 ** exponent)
  out.nsec = Math.floor((lowFrac * 1e9) / 2 ** exponent)
}

function splitDecimalBig(high: number, low: number, exponent: number, out: SecNsec): void {
  const value = (BigInt(high) << 32n) | BigInt(low)
  const units = 10n ** BigInt(exponent)
  out.sec = Number(value / units)
  out.nsec = Number(((value % units) * 1_000_000_000n) / units)
}

/**
 * ISO-8601 UTC text with `precision` fractional digits (0..9), e.g.
 * `2019-09-26T17:54:29.201006Z`. Pure arithmetic (no Date object: this runs for every flow of
 * large outputs). Years outside 0000-9999 fall back to the epoch number.
 */
export function isoTime(sec: number, nsec: number, precision: number, flat = true): string {
  // Text that is kept (flat), with a fraction: made from character codes (see flatTime).
  if (flat && precision > 0 && Number.isInteger(sec) && Number.isInteger(nsec) && nsec >= 0 && nsec < 1e9) {
    const days = Math.floor(sec / 86400)
    const day = days === lastDay ? lastDayText : dayText(sec, days)
    if (day !== undefined) return flatTime(day, sec - days * 86400, nsec, Math.min(9, precision))
  }
  // Consecutive calls are mostly within the same second (a flow's packets) or day (a report's
  // flows in order): the date part is made once per day, the time of day from a table.
  let base: string
  if (sec === lastSecond) base = lastBase
  else {
    const days = Math.floor(sec / 86400)
    const day = days === lastDay ? lastDayText : dayText(sec, days)
    if (day === undefined) return `${sec}.${String(nsec).padStart(9, '0')}`
    const rem = sec - days * 86400
    const hour = Math.floor(rem / 3600)
    const minute = Math.floor((rem - hour * 3600) / 60)
    base = flatText(day + TWO_DIGITS[hour] + ':' + TWO_DIGITS[minute] + ':' + TWO_DIGITS[rem - hour * 3600 - minute * 60])
    lastSecond = sec
    lastBase = base
  }
  // Flat for text that is kept; text written out at once (flowRecordJson) need not pay for it.
  if (precision <= 0) return flat ? flatText(base + 'Z') : base + 'Z'
  const digits = Math.min(9, precision)
  // 10^9 + nsec has ten digits: drop the leading 1, keep `digits` of the nine after it.
  const frac = String(1_000_000_000 + nsec).slice(1, 1 + digits)
  return flat ? flatText(base + '.' + frac + 'Z') : base + '.' + frac + 'Z'
}

/** `YYYY-MM-DDT` of the day `days` (= floor(sec / 86400)), remembered as the last day; undefined
 * outside the years 0000-9999. Days are also remembered in a bounded map: a flow's first and
 * last time, or the flows of several captures read together, can alternate between days. */
function dayText(sec: number, days: number): string | undefined {
  let text = dayTexts.get(days)
  if (text === undefined) {
    const t = utcFields(sec)
    if (!t) return undefined
    text = flatText(`${pad4(t.year)}-${TWO_DIGITS[t.month]}-${TWO_DIGITS[t.day]}T`)
    if (dayTexts.size >= 4096) dayTexts.clear()
    dayTexts.set(days, text)
  }
  lastDay = days
  lastDayText = text
  return text
}
const dayTexts = new Map<number, string>()

let lastSecond = NaN
let lastBase = ''

/**
 * `${day}HH:MM:SS.${fraction}Z` made as one flat string, from its bytes. Built by concatenation
 * and flattened, each of a report's 200 k flow times (a flow's first and last second alternate,
 * so the last-second cache rarely hits) made about six strings and a copy: ~400 bytes of garbage
 * for the 28 characters kept. The bytes go into one reused buffer (bytes, not an array of
 * character codes for String.fromCharCode.apply: a code computed from a double turns such an
 * array into doubles, and apply then boxes every element); the date part is rewritten only when
 * the day changes.
 */
function flatTime(day: string, secondOfDay: number, nsec: number, digits: number): string {
  const b = timeBytes
  if (bytesDay !== day) {
    for (let i = 0; i < day.length; i++) b[i] = day.charCodeAt(i)
    bytesDay = day
  }
  let at = day.length
  const hour = Math.floor(secondOfDay / 3600)
  const minute = Math.floor((secondOfDay - hour * 3600) / 60)
  const second = secondOfDay - hour * 3600 - minute * 60
  b[at] = 48 + Math.floor(hour / 10)
  b[at + 1] = 48 + (hour % 10)
  b[at + 2] = 58
  b[at + 3] = 48 + Math.floor(minute / 10)
  b[at + 4] = 48 + (minute % 10)
  b[at + 5] = 58
  b[at + 6] = 48 + Math.floor(second / 10)
  b[at + 7] = 48 + (second % 10)
  b[at + 8] = 46
  const end = at + 9 + digits
  // The first `digits` of the nine-digit nanoseconds.
  let m = Math.floor(nsec / 10 ** (9 - digits))
  for (at = end - 1; at >= end - digits; at--) {
    b[at] = 48 + (m % 10)
    m = Math.floor(m / 10)
  }
  b[end] = 90
  return b.toString('latin1', 0, end + 1)
}
/** Room for an ISO time: a day text of up to 11 characters, 9 of time, 10 of fraction. */
const timeBytes = Buffer.alloc(32)
let bytesDay = ''
let lastDay = NaN
let lastDayText = ''

/** '00'..'99', for the calendar fields. */
const TWO_DIGITS: readonly string[] = Array.from({length: 100}, (_, i) => (i < 10 ? `0${i}` : String(i)))

function pad4(n: number): string {
  return String(n).padStart(4, '0')
}

/** Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
export interface UtcFields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/** The UTC calendar fields of whole seconds since the epoch, or undefined outside the years
 * 0000-9999 (which isoTime writes as the epoch number instead). */
export function utcFields(sec: number): UtcFields | undefined {
  const days = Math.floor(sec / 86400)
  const civil = civilFromDays(days)
  if (!Number.isFinite(sec) || civil.year < 0 || civil.year > 9999) return undefined
  const rem = sec - days * 86400
  // Fields listed, not spread from `civil`: V8's object spread here cost ~1.5 µs per call.
  return {year: civil.year, month: civil.month, day: civil.day, hour: Math.floor(rem / 3600), minute: Math.floor((rem % 3600) / 60), second: rem % 60}
}

function civilFromDays(z: number): {year: number; month: number; day: number} {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return {year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day}
}

/** Seconds as a double: exact enough for durations and RTTs, not for absolute printing. */
export function toSeconds(sec: number, nsec: number): number {
  return sec + nsec / 1e9
}

/**
 * Before 1990 no capture was made with today's tools: a capture dated earlier has relative
 * times (1970-01-01 plus seconds: anonymised or rewritten captures), or was made on a device
 * whose clock was not set (the Unix, DOS and GPS epochs, 1970 and 1980).
 */
export const EARLIEST_REAL_CAPTURE_SEC = Date.UTC(1990, 0, 1) / 1000

/** Year 10000: a date past it is no capture's (a corrupt or mis-scaled timestamp), and neither
 * ISO 8601's four-digit years nor a JavaScript Date (±8.64e15 ms) can hold all of them. */
export const LATEST_REAL_CAPTURE_SEC = Date.UTC(10000, 0, 1) / 1000

/** Whether a capture starting at `sec` (Unix seconds) has a real date to judge databases against. */
export function hasRealDate(sec: number): boolean {
  return sec >= EARLIEST_REAL_CAPTURE_SEC && sec < LATEST_REAL_CAPTURE_SEC
}
