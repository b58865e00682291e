import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {sniffFormat} from '../../src/capture/format.js'
import {expectOneLineInputError, runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'

/** The first bytes of each format as its specification fixes them, padded as a real file would be. */
function head(hex: string, at = 0): Uint8Array {
  const bytes = new Uint8Array(512).fill(0x41)
  bytes.set(Buffer.from(hex, 'hex'), at)
  return bytes
}

describe('sniffFormat', () => {
  it.each([
    ['a1b2c3d4', 'pcap'],
    ['d4c3b2a1', 'pcap'],
    ['a1b23c4d', 'pcap-ns'],
    ['0a0d0d0a', 'pcapng'],
  ])('takes %s as a %s capture', (hex, format) => {
    expect(sniffFormat(head(hex))).toEqual({kind: 'capture', format})
  })

  it.each([
    ['28b52ffd', 'zstd-compressed', 'zstd -dc FILE | callaudit analyze -'],
    ['04224d18', 'LZ4-compressed', 'lz4 -dc FILE | callaudit analyze -'],
    ['fd377a585a00', 'xz-compressed', 'xz -dc FILE | callaudit analyze -'],
    ['425a6839', 'bzip2-compressed', 'bzip2 -dc FILE | callaudit analyze -'],
    ['504b0304', 'zip archive', 'unzip'],
    ['377abcaf271c', '7-Zip archive', '7z x'],
    ['474d4255', 'Network Monitor 2.x capture', 'editcap -F pcapng'],
    ['52545353', 'Network Monitor 1.x capture', 'editcap -F pcapng'],
    ['736e6f6f70000000', 'snoop capture', 'editcap -F pcapng'],
    ['6274736e6f6f7000', 'Bluetooth HCI log', 'no IP traffic'],
  ])('names %s as a %s and says what to do', (hex, what, hint) => {
    const result = sniffFormat(head(hex))
    expect(result.kind).toBe('unknown')
    const reason = result.kind === 'unknown' ? result.reason : ''
    expect(reason).toContain(what)
    expect(reason).toContain(hint)
    expect(reason).toContain(`starts with 0x${hex.slice(0, 8)}`)
  })

  it('finds a tar archive by the ustar magic at offset 257, and not in a head too short to hold it', () => {
    const tar = head('7573746172', 257)
    const result = sniffFormat(tar)
    expect(result.kind === 'unknown' && result.reason).toContain('a tar archive')
    const short = sniffFormat(tar.subarray(0, 261))
    expect(short.kind === 'unknown' && short.reason).toBe('not a pcap, pcapng or gzip file (starts with 0x41414141)')
  })

  it('names a JSON document (a report where a capture was expected), after leading blanks', () => {
    const result = sniffFormat(Buffer.from('\n  {"schemaVersion": 1}'))
    expect(result.kind === 'unknown' && result.reason).toContain('a JSON file (a callaudit report?)')
    // A JSON array is no report: only an object is named so.
    expect(sniffFormat(Buffer.from('["x"]'))).toEqual({kind: 'unknown', reason: 'not a pcap, pcapng or gzip file (starts with 0x5b227822)'})
  })

  it('gives the plain reason for a file it cannot name', () => {
    expect(sniffFormat(head('00112233'))).toEqual({kind: 'unknown', reason: 'not a pcap, pcapng or gzip file (starts with 0x00112233)'})
  })
})

describe('a compressed capture handed to the CLI', () => {
  it('is refused in one line with the command that reads it, exit 2; the suggested pipe then works', async () => {
    let hasZstd = true
    try {
      execFileSync('zstd', ['--version'], {stdio: 'ignore'})
    } catch {
      hasZstd = false
    }
    const dir = tempDir('callaudit-zstd-')
    const demo = 'fixtures/demo-call.pcapng'
    const path = join(dir, 'call.pcapng.zst')
    if (hasZstd) execFileSync('zstd', ['-q', '-f', demo, '-o', path])
    // Without the tool: a zstd frame header (RFC 8878 §3.1.1) and nothing else is enough to be named.
    else writeFileSync(path, Buffer.from('28b52ffd2000', 'hex'))
    expectOneLineInputError(await runCli(['flows', path]), path, 'a zstd-compressed file')
    if (!hasZstd) return
    const piped = await runCli(['flows', '-', '--json'], {stdin: execFileSync('zstd', ['-dc', path])})
    const direct = await runCli(['flows', demo, '--json'])
    expect(piped.code).toBe(0)
    expect(JSON.parse(piped.stdout).flows).toEqual(JSON.parse(direct.stdout).flows)
  })
})
