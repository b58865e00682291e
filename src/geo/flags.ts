/**
 * oclif flag definitions shared by every command that geolocates (geo, db info, later analyze),
 * and the glue from parsed flags to the library's options. Kept out of commands/ so the
 * definitions exist once.
 */
import * as Flags from '@oclif/core/flags'
import type {DiscoveryOptions} from './discovery.js'

export const geoipFlags = {
  'geoip-db': Flags.string({
    // One value per occurrence: `--geoip-db site.mmdb capture.pcap` must not read the capture
    // as a second database (repeat the flag for several).
    multiple: true,
    multipleNonGreedy: true,
    helpGroup: 'GEOIP',
    description: 'MMDB database to use before all others (repeatable; first answer per field wins). E.g. a `db build` site file, GeoIP2-City.mmdb, or as downloaded: GeoLite2-City_20261124.tar.gz, dbip-city-lite-2026-11.mmdb.gz, or a pipe.',
  }),
  'geoip-dir': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    helpGroup: 'GEOIP',
    description: 'Directory of *.mmdb files (standard names such as GeoLite2-City.mmdb, GeoLite2-ASN.mmdb are ranked City > ISP > ASN > Country). Also read from $CALLAUDIT_GEOIP_DIR.',
  }),
  'system-geoip': Flags.boolean({
    default: true,
    allowNo: true,
    helpGroup: 'GEOIP',
    description: 'Use databases found in /usr/share/GeoIP and /var/lib/GeoIP (geoipupdate). --no-system-geoip to skip.',
  }),
  'default-geoip': Flags.boolean({
    default: true,
    allowNo: true,
    helpGroup: 'GEOIP',
    description: 'Use the embedded default (GeoLite2-derived city, ASN, iptoasn registered country) as the last layer. --no-default-geoip to skip.',
  }),
}

export interface GeoipFlagValues {
  'geoip-db'?: string[]
  'geoip-dir'?: string[]
  'system-geoip': boolean
  'default-geoip': boolean
}

export function discoveryOptions(flags: GeoipFlagValues, env: Record<string, string | undefined>): DiscoveryOptions {
  return {
    dbPaths: flags['geoip-db'] ?? [],
    dirs: flags['geoip-dir'] ?? [],
    env,
    systemDirs: flags['system-geoip'] ? undefined : false,
    useEmbedded: flags['default-geoip'],
  }
}
