import {appendFileSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows, type FlowCollection, openCollectSession} from '../../src/flows/collect-flows.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {snapshotCopier} from '../../src/replay/copy-state.js'
import {FIXTURES, HAVE_CORPUS, corpusFiles, corpusPath} from '../helpers/paths.js'
import {writeCallPcap} from './call-capture.js'
import {tempDirs, waitFor, writeTemp} from './helpers.js'

/**
 * replay --follow reports on a read that is still going on: the analyzers' states are copied and
 * the copies finished (ProtocolDispatcher.snapshot). Checked here: a snapshot says what finishing
 * the read at that point would say, and taking one changes nothing in the read that goes on.
 */

const dirs = tempDirs()
afterAll(() => dirs.cleanup())

const facts = (c: FlowCollection) => JSON.stringify([...c.facts].sort((a, b) => a[0] - b[0]))
const flows = (c: FlowCollection) => JSON.stringify(flowRecords(c))

/**
 * Follow a file written in two parts (the first ending at `cut`, inside a record), snapshot the
 * session once the first part is read, then read the rest. Returns the mid-read snapshot and the
 * finished collection.
 */
async function followInTwoParts(bytes: Buffer, path: string, cut: number): Promise<{mid: {facts: string; flows: string; packets: number} | undefined; final: FlowCollection}> {
  writeFileSync(path, bytes.subarray(0, cut))
  let read = 0
  let stop = false
  let done = false
  const session = openCollectSession({analyzers: ALL_ANALYZERS, onProgress: (_path, n) => (read = n)})
  const reading = session.readPath(path, {follow: {pollMs: 1, stopped: () => stop}}).then(() => (done = true))
  await waitFor(() => read >= cut || done, 20_000, `the first ${cut} bytes of ${path}`)
  // A capture damaged before the cut ends its read there; there is then nothing to follow.
  // The snapshot shares the live flow table: it is read now, before the read goes on.
  const snapshot = done ? undefined : session.snapshot(snapshotCopier())
  const mid = snapshot && {facts: facts(snapshot), flows: flows(snapshot), packets: snapshot.captures.at(-1)!.packets}
  appendFileSync(path, bytes.subarray(cut))
  await waitFor(() => read >= bytes.length || done, 20_000, `all of ${path}`)
  stop = true
  await reading
  return {mid, final: session.finish()}
}

describe('snapshots of a read in progress', () => {
  it('say what finishing the read there would say (generated call, cut inside each record in turn)', async () => {
    const call = writeCallPcap()
    const dir = dirs.make()
    const whole = await collectFlows([writeTemp(dir, 'whole.pcap', call.bytes)], {analyzers: ALL_ANALYZERS})
    for (let k = 1; k < call.offsets.length; k++) {
      const boundary = call.offsets[k]!
      const prefix = await collectFlows([writeTemp(dir, `prefix-${k}.pcap`, call.bytes.subarray(0, boundary))], {analyzers: ALL_ANALYZERS})
      const {mid, final} = await followInTwoParts(call.bytes, join(dir, `grown-${k}.pcap`), boundary + 7)
      expect(mid, `cut in record ${k + 1}`).toBeDefined()
      expect(mid!.facts, `facts with ${k} records read`).toBe(facts(prefix))
      expect(mid!.flows, `flows with ${k} records read`).toBe(flows(prefix))
      expect(mid!.packets).toBe(k)
      expect(facts(final), `the read goes on undisturbed after a snapshot at ${k} records`).toBe(facts(whole))
      expect(flows(final)).toBe(flows(whole))
    }
  })

  it('equal finish at the end of the read, and leave the read undisturbed (the Jakarta demo)', async () => {
    const bytes = readFileSync(join(FIXTURES, 'demo-jakarta-call.pcapng'))
    const dir = dirs.make()
    const whole = openCollectSession({analyzers: ALL_ANALYZERS})
    await whole.readPath(join(FIXTURES, 'demo-jakarta-call.pcapng'))
    const atEnd = whole.snapshot(snapshotCopier())
    const again = whole.snapshot(snapshotCopier())
    const finished = whole.finish()
    expect(facts(atEnd)).toBe(facts(finished))
    expect(facts(again)).toBe(facts(finished))
    expect(finished.facts.size).toBeGreaterThan(10)

    const path = join(dir, 'demo.pcapng')
    const {mid, final} = await followInTwoParts(bytes, path, Math.floor(bytes.length / 2) + 3)
    expect(mid).toBeDefined()
    const plain = await collectFlows([path], {analyzers: ALL_ANALYZERS})
    expect(facts(final)).toBe(facts(plain))
    expect(flows(final)).toBe(flows(plain))
    expect(final.stats).toEqual(plain.stats)
  })
})

describe.runIf(HAVE_CORPUS)('snapshots on the capture corpus', () => {
  it('a snapshot at the end of each capture equals its finish, and a snapshot half-way leaves the read as it would be', async () => {
    const dir = dirs.make()
    const differences: string[] = []
    for (const name of corpusFiles()) {
      const source = corpusPath(name)
      const session = openCollectSession({analyzers: ALL_ANALYZERS})
      await session.readPath(source)
      const snapshot = facts(session.snapshot(snapshotCopier()))
      if (snapshot !== facts(session.finish())) differences.push(`${name}: snapshot at the end differs from finish`)

      const bytes = readFileSync(source)
      if (bytes.length < 64) continue
      const path = join(dir, 'grown')
      const {final} = await followInTwoParts(bytes, path, Math.floor(bytes.length / 2) + 1)
      const plain = await collectFlows([path], {analyzers: ALL_ANALYZERS})
      if (facts(final) !== facts(plain) || flows(final) !== flows(plain)) differences.push(`${name}: read with a snapshot half-way differs from a plain read`)
    }
    expect(differences).toEqual([])
  }, 600_000)
})
