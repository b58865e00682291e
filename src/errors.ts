/**
 * Errors the CLI turns into a one-line message and exit code 2 (usage or unreadable input).
 * `file` and `offset` let the message name exactly where the input went wrong.
 */
export class InputError extends Error {
  readonly file: string | undefined
  readonly offset: number | undefined

  constructor(message: string, file?: string, offset?: number) {
    super(message)
    this.name = 'InputError'
    this.file = file
    this.offset = offset
  }

  /** `file: byte offset N: message`, the form every input complaint takes. */
  oneLine(): string {
    const where = this.offset === undefined ? '' : `byte offset ${this.offset}: `
    return this.file === undefined ? `${where}${this.message}` : `${this.file}: ${where}${this.message}`
  }
}
