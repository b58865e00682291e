/** Addresses for `callaudit geo` from stdin: one per line, blank lines and # comments ignored. */
import {InputError} from '../errors.js'

export async function readAddressList(stream: NodeJS.ReadStream): Promise<string[]> {
  if (stream.isTTY) throw new InputError('no IP address given: pass addresses as arguments or one per line on stdin')
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  if (lines.length === 0) throw new InputError('no IP address on stdin')
  return lines
}
