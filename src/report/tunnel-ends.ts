import type {Report} from './report-model.js'

/** What every renderer says of VPN tunnels: what went inside them is hidden from the capture. */
export const TUNNEL_NOTE = 'VPN traffic; what it carried is hidden from this capture'

/**
 * The far ends of the capture's VPN tunnels (endpoints with the `vpn` role), the first `max` with
 * their country, e.g. `52.202.62.196 (US), 198.51.100.20 +2 more`; null when there is none.
 * Raw text (addresses, and country codes from a GeoIP database): the renderer neutralises it.
 */
export function tunnelEndsText(report: Report, max = 4): string | null {
  const tunnels = report.endpoints.filter((e) => e.roles.includes('vpn'))
  if (tunnels.length === 0) return null
  const shown = tunnels.slice(0, max).map((e) => `${e.ip}${e.geo?.country ? ` (${e.geo.country})` : ''}`).join(', ')
  return `${shown}${tunnels.length > max ? ` +${tunnels.length - max} more` : ''}`
}
