/**
 * Addresses for `callaudit geo`: arguments, or one per line on stdin. Blank lines and `#`
 * comments are ignored. oclif itself may hand piped stdin over as a single argument, so
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
  if (lines.length === 0) throw new InputError('no IP address on stdin')
  return lines
}
