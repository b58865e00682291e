import {createHash} from 'node:crypto'

/** The CSP source expression for one inline block: `'sha256-<base64>'` of its exact UTF-8 text. */
export function cspHash(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`
}

/**
 * The report's Content-Security-Policy: nothing may load (no fonts, images by URL, fetches,
 * frames), images only as data: URLs, and only the one inline style and the one inline script
 * whose hashes are listed run. No 'unsafe-inline': an injected <script> or style attribute,
 * had escaping failed, would still be refused by the browser. base-uri and form-action are not
 * covered by default-src, so they are closed explicitly.
 */
export function contentSecurityPolicy(style: string, script: string): string {
  return `default-src 'none'; img-src data:; style-src ${cspHash(style)}; script-src ${cspHash(script)}; base-uri 'none'; form-action 'none'`
}
