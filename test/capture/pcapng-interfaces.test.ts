import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {readCapture} from '../../src/capture/read-capture.js'
import {idbBlock, OPT, opt, shbBlock} from '../support/capture-writer.js'

const dir = mkdtempSync(join(tmpdir(), 'callaudit-idb-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A pcapng section of interfaces only, with these if_tsresol values (undefined: the µs default). */
function interfacesOnly(name: string, resolutions: Array<number | undefined>): string {
  const blocks = [shbBlock('le')]
  for (const r of resolutions) blocks.push(idbBlock('le', {linkType: 1, snaplen: 65535, options: r === undefined ? [] : [opt.u8(OPT.if_tsresol, r)]}))
  const path = join(dir, name)
  writeFileSync(path, Buffer.concat(blocks))
  return path
}

describe('pcapng interface blocks', () => {
  it('gives the capture the finest precision among its interfaces, wherever it comes', async () => {
    for (const [resolutions, precision] of [
      [[undefined], 6],
      [[9], 9],
      [[undefined, 9, 6], 9],
      [[9, undefined], 9],
      [[3, 6, 3], 6],
    ] as const) {
      const summary = await readCapture(interfacesOnly('mixed.pcapng', [...resolutions]), () => {})
      expect(summary.precision, JSON.stringify(resolutions)).toBe(precision)
      expect(summary.interfaces).toHaveLength(resolutions.length)
    }
  })

  it('reads a file of 100 000 interface blocks (a crafted 2 MB file) without going over each again per block', async () => {
    const many = Array.from({length: 100_000}, (_, i) => (i === 77_777 ? 9 : undefined))
    const summary = await readCapture(interfacesOnly('many.pcapng', many), () => {})
    expect(summary.interfaces).toHaveLength(100_000)
    expect(summary.precision).toBe(9)
  })
})
