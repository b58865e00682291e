import {copyFileSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {expandCapturePaths, isUnmatchedPattern} from '../../src/capture/expand-paths.js'
import {runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'
import {FIXTURES} from '../helpers/paths.js'

const dir = tempDir('callaudit-glob-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))
for (const name of ['f1.pcap', 'f2.pcap', 'f10.pcap', 'g.pcapng', '.hidden.pcap', 'a*b.pcap', 'a-b.pcap']) writeFileSync(join(dir, name), '')
mkdirSync(join(dir, 'sub.pcap'))

describe('capture paths a shell did not expand', () => {
  const names = (paths: string[]) => paths.map((p) => p.slice(dir.length + 1))

  it('expands *, ? and [...] in the last part, sorted, files only, hidden files only for a pattern starting with a dot', () => {
    expect(names(expandCapturePaths([join(dir, '*.pcap')]))).toEqual(['a*b.pcap', 'a-b.pcap', 'f1.pcap', 'f10.pcap', 'f2.pcap'])
    expect(names(expandCapturePaths([join(dir, 'f?.pcap')]))).toEqual(['f1.pcap', 'f2.pcap'])
    expect(names(expandCapturePaths([join(dir, 'f[12].pcap')]))).toEqual(['f1.pcap', 'f2.pcap'])
    expect(names(expandCapturePaths([join(dir, 'f[!1].pcap')]))).toEqual(['f2.pcap'])
    expect(names(expandCapturePaths([join(dir, '.*.pcap')]))).toEqual(['.hidden.pcap'])
    expect(names(expandCapturePaths([join(dir, '*')]))).toEqual(['a*b.pcap', 'a-b.pcap', 'f1.pcap', 'f10.pcap', 'f2.pcap', 'g.pcapng'])
  })

  it('takes a path that exists as it is, even with pattern characters, and keeps - and unmatched patterns as given', () => {
    expect(expandCapturePaths([join(dir, 'a*b.pcap'), '-', join(dir, '*.nothing'), join(dir, 'f1.pcap')])).toEqual([join(dir, 'a*b.pcap'), '-', join(dir, '*.nothing'), join(dir, 'f1.pcap')])
    expect(isUnmatchedPattern(join(dir, '*.nothing'))).toBe(true)
    expect(isUnmatchedPattern(join(dir, 'missing.pcap'))).toBe(false)
    expect(isUnmatchedPattern(join(dir, 'a*b.pcap'))).toBe(false)
  })

  it('through the CLI: a quoted pattern reads the captures it matches; one that matches nothing is named in the error', async () => {
    const caps = join(dir, 'caps')
    mkdirSync(caps)
    copyFileSync(join(FIXTURES, 'icmp.pcap'), join(caps, 'b.pcap'))
    copyFileSync(join(FIXTURES, 'link-raw.pcap'), join(caps, 'a.pcap'))
    const r = await runCli(['flows', join(caps, '*.pcap'), '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).captures.map((c: {path: string}) => c.path).sort()).toEqual([join(caps, 'a.pcap'), join(caps, 'b.pcap')])
    // replay reads what the pattern matches too.
    const replayed = await runCli(['replay', join(caps, '*.pcap'), '--json'])
    expect(replayed.code).not.toBe(2)
    const last = JSON.parse(replayed.stdout.trim().split('\n').at(-1)!)
    expect(last.report.captures.map((c: {path: string}) => c.path).sort()).toEqual([join(caps, 'a.pcap'), join(caps, 'b.pcap')])
    const none = await runCli(['flows', join(caps, '*.pcapng')])
    expect(none.code).toBe(2)
    expect(none.stderr).toBe(`callaudit: ${join(caps, '*.pcapng')}: no such file, and no file matches it as a pattern\n`)
  })
})
