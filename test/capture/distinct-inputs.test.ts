import {execFileSync} from 'node:child_process'
import {copyFileSync, linkSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {distinctInputs} from '../../src/capture/distinct-inputs.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {FIXTURES} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'

const DEMO = join(FIXTURES, 'demo-call.pcapng')

describe('distinctInputs', () => {
  it('keeps one of a file named twice, by another path, a hard link, a symlink or a copy of its bytes', () => {
    const dir = tempDir('callaudit-inputs-')
    const copy = join(dir, 'copy.pcapng')
    const hard = join(dir, 'hard.pcapng')
    const soft = join(dir, 'soft.pcapng')
    copyFileSync(DEMO, copy)
    linkSync(DEMO, hard)
    symlinkSync(DEMO, soft)
    const dotted = join(FIXTURES, '.', 'demo-call.pcapng')
    expect(distinctInputs([DEMO, DEMO, dotted, hard, soft, copy])).toEqual([{path: DEMO, sameAs: [DEMO, dotted, hard, soft, copy]}])
  })

  it('keeps different captures of the same size, unreadable paths and standard input as given', () => {
    const dir = tempDir('callaudit-inputs-')
    const a = join(dir, 'a.pcap')
    const b = join(dir, 'b.pcap')
    writeFileSync(a, Buffer.alloc(100, 1))
    writeFileSync(b, Buffer.alloc(100, 2))
    const missing = join(dir, 'missing.pcap')
    expect(distinctInputs([a, b, missing, missing, '-'])).toEqual([
      {path: a, sameAs: []},
      {path: b, sameAs: []},
      {path: missing, sameAs: []},
      {path: missing, sameAs: []},
      {path: '-', sameAs: []},
    ])
  })
})

describe('a named pipe given twice', () => {
  it.skipIf(process.platform === 'win32')('is read once (its one stream): a second read would wait for a writer forever', () => {
    const fifo = join(tempDir('callaudit-inputs-'), 'call.fifo')
    execFileSync('mkfifo', [fifo])
    expect(distinctInputs([fifo, fifo])).toEqual([{path: fifo, sameAs: [fifo]}])
  })
})

describe('a capture given twice', () => {
  it('is read once, with a warning naming the other names, and its packets are counted once', async () => {
    const copy = join(tempDir('callaudit-inputs-'), 'copy.pcapng')
    copyFileSync(DEMO, copy)
    const once = await collectFlows([DEMO])
    const twice = await collectFlows([DEMO, copy, DEMO])
    expect(twice.captures).toHaveLength(1)
    expect(twice.captures[0]!.packets).toBe(once.captures[0]!.packets)
    expect(twice.table.count).toBe(once.table.count)
    expect(twice.captures[0]!.warnings).toContain(`${DEMO}: also given as ${copy}, ${DEMO} (the same capture, each: same file or same bytes): read once, so its packets are not counted twice`)
  })
})
