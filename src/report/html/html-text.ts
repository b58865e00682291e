import {safeHtml} from '../sanitize.js'

/**
 * Text for HTML element content or a double-quoted attribute (the renderer quotes every
 * attribute with `"`). Control, bidi and zero-width characters become visible escapes and
 * `& < > " '` become entities, so no value from a capture can open a tag or leave an attribute.
 */
export function esc(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  return safeHtml(String(value))
}

/** A number rounded to one decimal, as SVG coordinates are written (keeps the file small). */
export function round1(value: number): string {
  const r = Math.round(value * 10) / 10
  return Object.is(r, -0) ? '0' : String(r)
}

/** A share in [0, 1] as a percentage with one decimal. */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)} %`
}
