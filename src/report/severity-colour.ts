import chalk from 'chalk'
import type {Severity} from '../policy/policy.js'

/** How each severity is coloured on a terminal (chalk drops the colour when it is off). */
export const SEVERITY_COLOUR: Readonly<Record<Severity, (s: string) => string>> = {
  critical: (s) => chalk.bgRed.white.bold(s),
  high: (s) => chalk.red.bold(s),
  medium: (s) => chalk.yellow(s),
  low: (s) => chalk.cyan(s),
  info: (s) => chalk.gray(s),
}
