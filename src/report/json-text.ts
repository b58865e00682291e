/**
 * Deterministic JSON text: keys in the order the model builds them (the model is built in a
 * fixed order), two-space indentation for the outer `depth` levels and one compact line per
 * element below that, so large outputs stay greppable and diffable line by line.
 */
export function jsonText(value: unknown, expandDepth = 2): string {
  const parts: string[] = []
  write(value, 0, expandDepth, parts)
  parts.push('\n')
  return parts.join('')
}

function write(value: unknown, depth: number, expandDepth: number, out: string[]): void {
  if (depth >= expandDepth || value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value) ?? 'null')
    return
  }
  const pad = '  '.repeat(depth + 1)
  const close = '  '.repeat(depth)
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]')
      return
    }
    out.push('[\n')
    for (let i = 0; i < value.length; i++) {
      out.push(pad)
      write(value[i], depth + 1, expandDepth, out)
      out.push(i < value.length - 1 ? ',\n' : '\n')
    }
    out.push(`${close}]`)
    return
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
  if (entries.length === 0) {
    out.push('{}')
    return
  }
  out.push('{\n')
  entries.forEach(([key, v], i) => {
    out.push(`${pad}${JSON.stringify(key)}: `)
    write(v, depth + 1, expandDepth, out)
    out.push(i < entries.length - 1 ? ',\n' : '\n')
  })
  out.push(`${close}}`)
}

/** Write a large string to stdout in pieces, respecting back-pressure. */
export async function writeStdout(text: string): Promise<void> {
  const piece = 1 << 20
  for (let i = 0; i < text.length; i += piece) {
    const ok = process.stdout.write(text.slice(i, i + piece))
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve))
  }
}
