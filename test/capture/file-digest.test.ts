import {createHash} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {filesSha256} from '../../src/capture/file-digest.js'
import {captureDigests} from '../../src/analysis/analyze.js'

const dir = mkdtempSync(join(tmpdir(), 'callaudit-digest-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** Files of different sizes, one of them larger than the worker's 1 MiB read buffer. */
function files(count: number): Array<{path: string; hex: string}> {
  return Array.from({length: count}, (_, i) => {
    const bytes = new Uint8Array(i === 1 ? (1 << 20) * 2 + 123 : 1000 * i + 1)
    for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 31 + i) & 0xff
    const path = join(dir, `capture-${i}.pcap`)
    writeFileSync(path, bytes)
    return {path, hex: sha256(bytes)}
  })
}

describe('filesSha256', () => {
  it('gives each file its SHA-256, in the order asked, from one worker for all of them', async () => {
    const made = files(40)
    expect(await filesSha256(made.map((f) => f.path))).toEqual(made.map((f) => f.hex))
  })

  it('answers null for what cannot be read again, and goes on with the files after it', async () => {
    const [a, b] = files(2)
    const digests = await filesSha256([a!.path, join(dir, 'gone.pcap'), dir, b!.path])
    expect(digests).toEqual([a!.hex, null, null, b!.hex])
  })

  it.skipIf(process.platform === 'win32')('answers null for a named pipe at once, without opening it (a pipe with no writer never opens)', async () => {
    // `callaudit analyze <(zstd -dc call.pcapng.zst)` or a mkfifo: once the capture's writer is
    // done, opening the pipe again would wait for a writer forever, and the analysis with it.
    const [a] = files(1)
    const fifo = join(dir, 'capture.fifo')
    execFileSync('mkfifo', [fifo])
    expect(await filesSha256([fifo, a!.path])).toEqual([null, a!.hex])
  }, 5_000)

  it('needs no worker for no file', async () => {
    expect(await filesSha256([])).toEqual([])
  })
})

describe('captureDigests', () => {
  it('hashes each path once, and gives standard input none', async () => {
    const [a, b] = files(2)
    const digests = await captureDigests([a!.path, '-', b!.path, a!.path])
    expect([...digests]).toEqual([
      [a!.path, a!.hex],
      [b!.path, b!.hex],
      ['-', null],
    ])
  })
})
