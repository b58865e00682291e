/**
 * One frozen copy of each list kept in facts. Handshakes repeat: every connection of a browser
 * offers the same cipher suites, extensions and groups, every certificate of a CDN the same
 * names, and a list built per message by push() reserves room for 17 items besides. A pooled
 * list is exact-size and shared by all the facts that hold it, so it must never be changed:
 * it is frozen (a write throws instead of changing other flows' facts). Bounded like the intern
 * pool: emptied when it reaches MAX_LISTS entries (lists already handed out stay valid).
 */

const MAX_LISTS = 16_384

let numberLists = new Map<string, readonly number[]>()
let otherNumberLists = new Map<string, readonly number[]>()
let stringLists = new Map<string, readonly string[]>()

const EMPTY: readonly never[] = Object.freeze([])

/**
 * Lists of 16-bit code points (cipher suites, extensions, groups...) key as one character per
 * item; anything else (longer lists, larger or fractional numbers) as decimal text, in a map of
 * its own so that the two kinds of keys never meet.
 */
function isCodePointList(list: readonly number[]): boolean {
  if (list.length > 4096) return false
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!
    if (!(v >= 0 && v <= 0xffff && v === (v | 0))) return false
  }
  return true
}

/** The shared, frozen, exact-size copy of a list of numbers equal to `list`. */
export function sharedNumbers(list: readonly number[]): number[] {
  if (list.length === 0) return EMPTY as never[]
  const codePoints = isCodePointList(list)
  const key = codePoints ? String.fromCharCode.apply(null, list as number[]) : list.join(',')
  const pool = codePoints ? numberLists : otherNumberLists
  let shared = pool.get(key)
  if (shared === undefined) {
    if (numberLists.size + otherNumberLists.size >= MAX_LISTS) {
      numberLists = new Map()
      otherNumberLists = new Map()
    }
    shared = Object.freeze(list.slice())
    ;(codePoints ? numberLists : otherNumberLists).set(key, shared)
  }
  return shared as number[]
}

/**
 * The shared, frozen, exact-size copy of a list of strings equal to `list` (its strings should
 * be interned or constants already: the copy keeps the ones it is first given).
 */
export function sharedStrings(list: readonly string[]): string[] {
  if (list.length === 0) return EMPTY as never[]
  // Each item prefixed by its length: unambiguous whatever characters the items hold.
  let key = ''
  for (let i = 0; i < list.length; i++) key += String.fromCharCode(list[i]!.length & 0xffff) + list[i]!
  if (key.length > 0xffff) key = JSON.stringify(list)
  let shared = stringLists.get(key)
  if (shared === undefined) {
    if (stringLists.size >= MAX_LISTS) stringLists = new Map()
    shared = Object.freeze(list.slice())
    stringLists.set(key, shared)
  }
  return shared as string[]
}
