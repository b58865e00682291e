import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {InputError} from '../../src/errors.js'
import {compileCidr} from '../../src/apps/match.js'
import {
  type SignatureFile,
  defaultSignatures,
  defaultSignaturesPath,
  entryConfidence,
  isUnverified,
  loadSignatures,
  parseSignatures,
  signatureProblems,
} from '../../src/apps/signatures.js'

const raw = JSON.parse(readFileSync(defaultSignaturesPath(), 'utf8')) as SignatureFile

function clone(): SignatureFile {
  return structuredClone(raw)
}

describe('bundled signature file', () => {
  it('validates, is versioned by date, and covers every app the analysis names', () => {
    expect(signatureProblems(raw)).toEqual([])
    expect(raw.version).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    const ids = raw.apps.map((a) => a.id)
    for (const id of ['zoom', 'teams', 'webex', 'google-meet', 'jitsi', 'whatsapp', 'signal', 'telegram', 'facetime', 'discord', 'slack', 'webrtc']) {
      expect(ids).toContain(id)
    }
    expect(defaultSignatures().version).toBe(raw.version)
  })

  it('gives every entry a source and a check date', () => {
    const entries = [
      raw.genericPorts,
      raw.genericStunSoftware,
      ...raw.roleHints,
      ...raw.apps.flatMap((a) => [...a.signatures, ...(a.tenants ?? []), ...(a.roleHints ?? [])]),
    ]
    expect(entries.length).toBeGreaterThan(40)
    for (const e of entries) {
      expect(typeof e.source, JSON.stringify(e).slice(0, 120)).toBe('string')
      expect(e.source.trim().length).toBeGreaterThanOrEqual(8)
      expect(e.date).toMatch(/^20\d\d-\d\d-\d\d$/)
    }
  })

  it('has CIDRs that parse with no host bits set, including the vendor ranges the analysis relies on', () => {
    const cidrs = raw.apps.flatMap((a) => a.signatures.filter((s) => s.kind === 'range').flatMap((s) => s.values.map((v) => [a.id, v] as const)))
    expect(cidrs.length).toBeGreaterThan(100)
    for (const [, c] of cidrs) expect(typeof compileCidr(c), c).toBe('object')
    const has = (app: string, c: string) => expect(cidrs).toContainEqual([app, c])
    has('teams', '13.107.64.0/18')
    has('teams', '52.112.0.0/14')
    has('teams', '52.122.0.0/15')
    has('google-meet', '74.125.247.128/32')
    has('google-meet', '142.250.82.0/24')
    has('zoom', '170.114.0.0/16')
    has('webex', '66.114.160.0/20')
    has('telegram', '149.154.160.0/20')
  })

  it('marks unverified entries and counts them one level lower', () => {
    const unverified = raw.apps.flatMap((a) => a.signatures).filter((s) => isUnverified(s.source))
    expect(unverified.length).toBeGreaterThan(0)
    const webexDomains = raw.apps.find((a) => a.id === 'webex')!.signatures.find((s) => s.kind === 'domain')!
    expect(isUnverified(webexDomains.source)).toBe(true)
    expect(entryConfidence(webexDomains)).toBe('medium')
    const zoomDomains = raw.apps.find((a) => a.id === 'zoom')!.signatures.find((s) => s.kind === 'domain')!
    expect(entryConfidence(zoomDomains)).toBe('high')
    const meetRanges = raw.apps.find((a) => a.id === 'google-meet')!.signatures.find((s) => s.kind === 'range')!
    expect(entryConfidence(meetRanges)).toBe('medium')
    const appleRange = raw.apps.find((a) => a.id === 'facetime')!.signatures.find((s) => s.kind === 'range')!
    expect(entryConfidence(appleRange)).toBe('low')
  })
})

describe('validation messages', () => {
  const problemsAfter = (edit: (d: SignatureFile) => void): string[] => {
    const d = clone()
    edit(d)
    return signatureProblems(d)
  }

  it('names the entry that lacks a source or a date', () => {
    const p1 = problemsAfter((d) => {
      delete (d.apps[0]!.signatures[0] as Partial<(typeof d.apps)[0]['signatures'][0]>).source
    })
    expect(p1).toEqual(['apps[0] (zoom).signatures[0]: missing "source" (URL or document title, or "unverified: <why>")'])
    const p2 = problemsAfter((d) => {
      d.apps[1]!.signatures[0]!.date = '2026-02-30'
    })
    expect(p2).toEqual(['apps[1] (teams).signatures[0]: "date" "2026-02-30" is not a YYYY-MM-DD date'])
  })

  it('rejects CIDRs with host bits, bad ports, bad patterns, duplicate ids and bad regexes', () => {
    const problems = problemsAfter((d) => {
      d.apps[0]!.signatures.push({kind: 'range', values: ['10.0.0.1/8'], source: 'a test source', date: '2026-11-26'})
      d.apps[0]!.signatures.push({kind: 'port', proto: 'udp', values: ['9000-8000'], source: 'a test source', date: '2026-11-26'})
      d.apps[0]!.signatures.push({kind: 'name', values: ['Zoom.US'], source: 'a test source', date: '2026-11-26'})
      d.apps[0]!.signatures.push({kind: 'port', values: ['80'], source: 'a test source', date: '2026-11-26'})
      d.apps[2]!.id = 'zoom'
      d.apps[0]!.tenants![0]!.exclude.push('(unclosed')
    })
    expect(problems.some((p) => p.includes('host bits set in "10.0.0.1/8" (network is 10.0.0.0/8)'))).toBe(true)
    expect(problems.some((p) => p.includes('"9000-8000" is not a valid port range'))).toBe(true)
    expect(problems.some((p) => p.includes('"Zoom.US" is not a host-name pattern'))).toBe(true)
    expect(problems.some((p) => p.includes('port entries need "proto"'))).toBe(true)
    expect(problems.some((p) => p.includes('duplicate app id "zoom"'))).toBe(true)
    expect(problems.some((p) => p.includes('invalid regular expression "(unclosed"'))).toBe(true)
  })

  it('rejects payload ids no analyzer makes and ports on entries other than ranges', () => {
    const problems = problemsAfter((d) => {
      d.apps[0]!.signatures.push({kind: 'payload', values: ['zoom-chat'], source: 'a test source', date: '2026-11-27'})
      d.apps[0]!.signatures.push({kind: 'port', proto: 'tcp', values: ['5222'], ports: ['tcp/5222'], source: 'a test source', date: '2026-11-27'})
      d.apps[0]!.signatures.push({kind: 'range', values: ['10.0.0.0/8'], ports: ['tcp/70000', 'sctp/5'], source: 'a test source', date: '2026-11-27'})
    })
    expect(problems.some((p) => p.includes('"zoom-chat" is not a payload recognition the analyzers make (whatsapp-chat, jitsi-room)'))).toBe(true)
    expect(problems.some((p) => p.endsWith('.ports: only range entries have ports'))).toBe(true)
    expect(problems.some((p) => p.endsWith('.ports: must be a non-empty list of udp/N or tcp/N'))).toBe(true)
  })

  it('names WhatsApp from its chat prologue (high) and from Meta addresses only on TCP 5222 (medium)', () => {
    const sig = defaultSignatures()
    expect(sig.matchPayload('whatsapp-chat').map((m) => [m.app, m.confidence])).toEqual([['whatsapp', 'high']])
    expect(sig.matchPort('tcp', 5222)).toEqual([])
    const meta = sig.matchAddress('157.240.20.53').filter((m) => m.app === 'whatsapp')
    expect(meta.map((m) => [m.pattern, m.confidence, m.entry.ports])).toEqual([['157.240.0.0/17', 'medium', ['tcp/5222']]])
  })

  it('names Jitsi Meet from a request naming one of its rooms (high), on any host', () => {
    expect(defaultSignatures().matchPayload('jitsi-room').map((m) => [m.app, m.confidence])).toEqual([['jitsi', 'high']])
  })

  it('rejects a process name listed twice for one app, in any case (it would be evidence twice)', () => {
    const problems = problemsAfter((d) => {
      d.apps[0]!.signatures.push({kind: 'process', values: ['ZOOM.US'], source: 'a test source', date: '2026-11-26'})
    })
    expect(problems).toEqual(['apps[0] (zoom).signatures[' + (clone().apps[0]!.signatures.length) + ']: process name "ZOOM.US" is listed twice for this app'])
  })

  it('throws an InputError naming the file, for parse and for load', () => {
    const d = clone()
    d.apps[0]!.signatures[0]!.values = []
    expect(() => parseSignatures(d, 'custom.json')).toThrow(InputError)
    try {
      parseSignatures(d, 'custom.json')
    } catch (e) {
      expect((e as InputError).oneLine()).toMatch(/^custom\.json: invalid signature file: apps\[0\] \(zoom\)\.signatures\[0\]\.values: must be a non-empty list of strings/)
    }
  })

  const dir = mkdtempSync(join(tmpdir(), 'callaudit-sig-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('loads a custom file, and reports unreadable or malformed ones', () => {
    const good = join(dir, 'good.json')
    const d = clone()
    d.version = '2027-01-01'
    writeFileSync(good, JSON.stringify(d))
    expect(loadSignatures(good).version).toBe('2027-01-01')
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"version": ')
    expect(() => loadSignatures(bad)).toThrow(/signature file is not valid JSON/)
    expect(() => loadSignatures(join(dir, 'missing.json'))).toThrow(/cannot read signature file: ENOENT/)
  })
})
