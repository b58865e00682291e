import {rmSync} from 'node:fs'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {buildFlowsReport, flowsReportJson} from '../../src/flows/flows-report.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {jsonText} from '../../src/report/json-text.js'
import {tempDir} from '../helpers/temp-dir.js'
import {assertNeutralised, writeHostileCall} from '../support/hostile-call.js'

const dir = tempDir('callaudit-hostile-flows-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('flows --json --detail of a call full of hostile names', () => {
  it('is neutralised like every other JSON output, and is the same text as the whole report written at once', async () => {
    const call = writeHostileCall(dir)
    const collection = await collectFlows([call.path], {analyzers: ALL_ANALYZERS})
    const streamed = [...flowsReportJson(collection)].join('')
    // The payloads reach the facts (otherwise this proves nothing)...
    expect(streamed).toContain('zoom.us')
    // ...and no character a terminal would act on is left raw.
    assertNeutralised('json', streamed, call.hostile)
    expect(streamed).toBe(jsonText(buildFlowsReport(collection)))
  })
})
