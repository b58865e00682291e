import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {type AppIdentification, assignRoles, detectVantage, identifyApps} from '../../src/apps/index.js'
import {HAVE_CORPUS, corpusFiles, oraclePath} from '../helpers/paths.js'
import {evidenceFromOracle, readOracle} from './oracle-evidence.js'

/**
 * The apps stage over the shared corpus, from each capture's oracle JSON alone (tshark SNI, DNS,
 * STUN, RTP, certificates, HTTP, and nDPI's protocol labels as protocol facts), compared with
 * ndpiReader 4.2's application labels. Every disagreement is listed and explained in
 * corpus-expectations.json; the test fails on an unlisted one and on a listed one that no
 * longer occurs, so the file stays true.
 */

interface Disagreement {
  capture: string
  oursOnly?: string[]
  ndpiOnly?: string[]
  otherConferencing?: string[]
  webrtcWithoutCallProtocols?: boolean
  explanation: string
}

interface Expectations {
  ndpiLabels: {apps: Record<string, string>; otherConferencing: string[]; callProtocols: string[]}
  mustFind: Record<string, Record<string, string>>
  notInCorpus: Record<string, string>
  disagreements: Disagreement[]
}

const here = dirname(fileURLToPath(import.meta.url))
const expectations = JSON.parse(readFileSync(join(here, 'corpus-expectations.json'), 'utf8')) as Expectations

function compare(capture: string, id: AppIdentification, labels: string[]): Omit<Disagreement, 'explanation'> | undefined {
  const map = expectations.ndpiLabels.apps
  const ndpi = new Set(labels.filter((l) => map[l]).map((l) => map[l]!))
  const ours = new Set(id.apps.map((a) => a.app).filter((a) => a !== 'webrtc'))
  const d: Omit<Disagreement, 'explanation'> = {capture}
  const oursOnly = [...ours].filter((a) => !ndpi.has(a)).sort()
  const ndpiOnly = [...ndpi].filter((a) => !ours.has(a)).sort()
  if (oursOnly.length) d.oursOnly = oursOnly
  if (ndpiOnly.length) d.ndpiOnly = ndpiOnly
  const other = labels.filter((l) => expectations.ndpiLabels.otherConferencing.includes(l)).sort()
  // An app outside our list: a disagreement when we report no app at all for the capture.
  if (other.length && id.apps.length === 0) d.otherConferencing = other
  const webrtc = id.apps.some((a) => a.app === 'webrtc')
  const callish = labels.some((l) => expectations.ndpiLabels.callProtocols.includes(l) || expectations.ndpiLabels.otherConferencing.includes(l))
  if (webrtc && !callish) d.webrtcWithoutCallProtocols = true
  return Object.keys(d).length > 1 ? d : undefined
}

interface Result {
  id: AppIdentification
  labels: string[]
}

const results = new Map<string, Result>()
function resultFor(capture: string): Result {
  let r = results.get(capture)
  if (!r) {
    const oracle = readOracle(oraclePath(capture))
    r = {id: identifyApps(evidenceFromOracle(oracle).flows), labels: Object.keys(oracle.ndpi?.detected_protocols ?? {})}
    results.set(capture, r)
  }
  return r
}

describe.skipIf(!HAVE_CORPUS)('apps over the shared corpus (oracle evidence vs nDPI labels)', () => {
  it('finds the apps each conferencing capture holds', () => {
    for (const [capture, apps] of Object.entries(expectations.mustFind)) {
      const found = Object.fromEntries(resultFor(capture).id.apps.map((a) => [a.app, a.confidence]))
      for (const [app, confidence] of Object.entries(apps)) expect(found[app], `${capture}: ${app}`).toBe(confidence)
    }
  })

  it('agrees with nDPI everywhere except the listed and explained captures', () => {
    const actual: Array<Omit<Disagreement, 'explanation'>> = []
    for (const capture of corpusFiles()) {
      const {id, labels} = resultFor(capture)
      const d = compare(capture, id, labels)
      if (d) actual.push(d)
    }
    const listed = expectations.disagreements.map(({explanation, ...d}) => {
      expect(explanation.length, d.capture).toBeGreaterThan(60)
      return d
    })
    const key = (d: {capture: string}) => d.capture
    expect(actual.sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(listed.sort((a, b) => (key(a) < key(b) ? -1 : 1)))
  })

  it('claims no conferencing app in captures nDPI sees no conferencing in, except the explained ones', () => {
    const explained = new Set(expectations.disagreements.map((d) => d.capture))
    const conferencingLabels = new Set([...Object.keys(expectations.ndpiLabels.apps), ...expectations.ndpiLabels.otherConferencing, ...expectations.ndpiLabels.callProtocols])
    let unrelated = 0
    for (const capture of corpusFiles()) {
      const {id, labels} = resultFor(capture)
      if (labels.some((l) => conferencingLabels.has(l))) continue
      unrelated++
      if (explained.has(capture)) continue
      expect(id.apps.map((a) => a.app), capture).toEqual([])
    }
    expect(unrelated).toBeGreaterThan(400)
  })

  it('has no Webex in the corpus, as the expectations say', () => {
    expect(Object.keys(expectations.notInCorpus)).toEqual(['webex'])
    for (const capture of corpusFiles()) {
      const {id, labels} = resultFor(capture)
      expect(id.apps.some((a) => a.app === 'webex'), capture).toBe(false)
      expect(labels.includes('Webex'), capture).toBe(false)
    }
  })

  it('assigns the roles a reader expects in the Zoom and Teams captures', () => {
    const rolesOf = (capture: string) => {
      const {flows, stunMapped} = evidenceFromOracle(readOracle(oraclePath(capture)))
      const id = identifyApps(flows)
      const byFlow = new Map(flows.map((f) => [f.flowId, f]))
      return {
        roles: assignRoles(flows, id).map((r) => ({...r, flow: byFlow.get(r.flowId)!})),
        vantage: detectVantage(flows, stunMapped),
      }
    }
    const zoom = rolesOf('zoom.pcap')
    const zoomRole = (pred: (r: (typeof zoom.roles)[number]) => boolean) => zoom.roles.filter(pred).map((r) => r.role)
    expect(zoomRole((r) => r.flow.names.some((n) => n.name === 'log.zoom.us' && n.source === 'sni'))).toEqual(['telemetry'])
    expect(zoomRole((r) => r.flow.names.some((n) => n.name === 'zoomfr84zc.zoom.us' && n.source === 'sni'))).toEqual(['control'])
    expect(new Set(zoomRole((r) => r.flow.proto === 'udp' && r.flow.server.port === 8801))).toEqual(new Set(['media']))
    expect(new Set(zoomRole((r) => r.flow.server.ip === '162.255.37.14'))).toEqual(new Set(['control']))
    expect(zoom.vantage.primaryPrivate).toBe('192.168.1.117')

    const teams = rolesOf('teams.pcap')
    const relays = teams.roles.filter((r) => r.role === 'relay')
    expect(relays.length).toBeGreaterThanOrEqual(6)
    expect(relays.every((r) => r.app === 'teams')).toBe(true)
    expect(teams.roles.filter((r) => r.role === 'media').some((r) => r.flow.rtpStreams > 0)).toBe(true)
    expect(teams.roles.find((r) => r.flow.names.some((n) => n.name === 'mobile.pipe.aria.microsoft.com'))!.role).toBe('telemetry')
    expect(teams.vantage.primaryPrivate).toBe('192.168.1.6')
    expect(teams.vantage.primaryPublic).toBe('80.181.206.72')
  })

  it('is deterministic over the corpus', () => {
    for (const capture of ['zoom.pcap', 'teams.pcap', 'stun.pcap', 'sites.pcapng']) {
      const oracle = readOracle(oraclePath(capture))
      const flows = evidenceFromOracle(oracle).flows
      expect(JSON.stringify(identifyApps([...flows].reverse())), capture).toBe(JSON.stringify(identifyApps(flows)))
    }
  })
})
