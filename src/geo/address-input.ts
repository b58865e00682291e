/**
 * Addresses for `callaudit geo`: arguments, or one per line on stdin. Blank lines and `#`
 * comments are ignored, and on stdin a first line of letters only (a CSV column's header). oclif itself may hand piped stdin over as a single argument, so
 * arguments are split into lines too.
 */
import {InputError} from '../errors.js'

export function addressLines(texts: string[]): string[] {
  return texts
    .flatMap((t) => t.split(/\r?\n/))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

export async function readAddressList(stream: NodeJS.ReadStream): Promise<string[]> {
  if (stream.isTTY) throw new InputError('no IP address given: pass addresses as arguments or one per line on stdin')
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  const lines = addressLines([Buffer.concat(chunks).toString('utf8')])
  // A column cut from a CSV (`cut -d, -f1 endpoints.csv`) starts with its header, a word such
  // as `ip` that no address is.
  if (lines.length > 0 && /^[A-Za-z_][A-Za-z_ ]*$/.test(lines[0]!)) lines.shift()
  if (lines.length === 0) throw new InputError('no IP address on stdin')
  return lines
}
