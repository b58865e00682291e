/**
 * oclif flag definitions shared by every command that geolocates (geo, db info, later analyze),
 * and the glue from parsed flags to the library's options. Kept out of commands/ so the
 * definitions exist once.
 */
import {type Command, Flags} from '@oclif/core'
import {InputError} from '../errors.js'
import chalk from 'chalk'
import type {DiscoveryOptions} from './discovery.js'

export const geoipFlags = {
  'geoip-db': Flags.string({
    multiple: true,
    helpGroup: 'GEOIP',
    description: 'MMDB database to use before all others (repeatable; first answer per field wins). E.g. a `db build` site file, GeoIP2-City.mmdb.',
  }),
  'geoip-dir': Flags.string({
    multiple: true,
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

export const colorFlag = {
  color: Flags.boolean({
    default: true,
    allowNo: true,
    description: 'Colour terminal output (--no-color or NO_COLOR=1 to turn off).',
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

/** Turn colour off for --no-color or a non-empty NO_COLOR (https://no-color.org). */
export function applyColor(flags: {color: boolean}, env: Record<string, string | undefined>): void {
  if (!flags.color || (env['NO_COLOR'] ?? '') !== '') chalk.level = 0
}

/**
 * Bad input ends the command with ONE line on stderr and exit code 2. oclif's `this.error`
 * wraps long messages at the terminal width (80 columns when not a TTY), which would split a
 * path across lines; so print the line ourselves and exit through oclif. With `--json`:
 * `{"error": {"message": ..., "exitCode": 2}}` on stdout.
 */
export function exitOnInputError(command: Command, error: unknown): never {
  if (!(error instanceof InputError)) throw error
  const message = error.oneLine()
  if (command.jsonEnabled()) {
    // oclif 4.8 in --json mode prints `{"error": <err>}` and exits with err.exitCode (else 1),
    // ignoring `this.error(..., {exit: 2})`; so hand it an error that serialises usefully.
    throw Object.defineProperties(new Error(message), {
      message: {value: message, enumerable: true},
      exitCode: {value: 2, enumerable: true},
    })
  }
  process.stderr.write(`Error: ${message}\n`)
  return command.exit(2)
}

/** A warning as one line on stderr (oclif's `warn` wraps at 80 columns off a TTY). */
export function warnLine(message: string): void {
  process.stderr.write(`Warning: ${message}\n`)
}
