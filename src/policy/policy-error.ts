import {InputError} from '../errors.js'

/**
 * A problem with the policy: a flag value or the policy file. Prints as
 * `callaudit.yml: line 7: unknown country "XX" in deny (did you mean XK?)`, or without file and
 * line for a flag (`unknown country "XX" in --deny (did you mean XK?)`). Exit code 2.
 */
export class PolicyInputError extends InputError {
  readonly line: number | undefined

  constructor(message: string, file?: string, line?: number) {
    super(message, file)
    this.name = 'PolicyInputError'
    this.line = line
  }

  override oneLine(): string {
    const where = this.line === undefined ? '' : `line ${this.line}: `
    return this.file === undefined ? `${where}${this.message}` : `${this.file}: ${where}${this.message}`
  }
}
