import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Report} from '../../src/report/report-model.js'
import {eventsFromReport, STOP_AFTER_IDLE_SECONDS} from '../../src/replay/events-from-report.js'
import {EventJournal} from '../../src/replay/event-journal.js'
import {FilterError, parseEventFilter, passesFilter} from '../../src/replay/event-filter.js'
import {Pacer} from '../../src/replay/pacer.js'
import {jsonLine, renderEventJson, renderEventLines} from '../../src/replay/render-events.js'
import type {ReplayEvent} from '../../src/replay/replay-event.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, rtp, tcp, udp} from '../support/packet-builder.js'
import {PcapWriter} from '../support/capture-writer.js'
import {info as infoRequest, invite, ok, SDP_SDES} from '../support/sip-builders.js'
import {h225Setup, Q931, q931, tpkt} from '../support/h323-builders.js'
import {h225TunnelledH245, h245OpenLogicalChannelAck, h245UserInputSignal} from '../support/h245-builders.js'
import {wsAnswer, wsFrame, wsRequest} from '../support/websocket-builders.js'
import {type CallFrame, CLIENT, CLIENT_SSRC, HOSTILE_NAME, PUBLIC, SERVER_SSRC, SNI, STUN_SERVER, TURN_SERVER, WEB, type WrittenCall, writeCallPcap} from './call-capture.js'
import {analyzeFile, tempDirs, writeTemp} from './helpers.js'

const dirs = tempDirs()
afterAll(() => dirs.cleanup())

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`

describe('eventsFromReport on a generated call', () => {
  let call: WrittenCall
  let report: Report
  let events: ReplayEvent[]
  const frame = (label: string) => call.frames.get(label)!
  /** The one event of `kind` whose detail matches `detail`. */
  const one = (kind: string, detail: Record<string, unknown> = {}) => {
    const found = events.filter((e) => e.kind === kind && Object.entries(detail).every(([k, v]) => JSON.stringify(e.detail[k]) === JSON.stringify(v)))
    expect(found, `${kind} ${JSON.stringify(detail)}`).toHaveLength(1)
    return found[0]!
  }
  /** The event happened at the written frame: its number, its time, its offset from the start. */
  const expectAt = (event: ReplayEvent, label: string) => {
    expect({frame: event.frame, time: event.time, relative: event.relative}).toEqual({frame: frame(label).frame, time: frame(label).time, relative: `+${frame(label).relative}`})
  }

  beforeAll(async () => {
    call = writeCallPcap()
    const dir = dirs.make()
    report = await analyzeFile(writeTemp(dir, 'call.pcap', call.bytes), dir)
    events = eventsFromReport(report)
  })

  it('is in capture order, every id once', () => {
    const keys = events.map((e) => [e.time, e.frame ?? Infinity] as const)
    for (let i = 1; i < keys.length; i++) expect(keys[i]![0] > keys[i - 1]![0] || (keys[i]![0] === keys[i - 1]![0] && keys[i]![1] >= keys[i - 1]![1])).toBe(true)
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
    expect(events[0]).toMatchObject({kind: 'flow', frame: 1, relative: '+0.000000', relativeSeconds: 0})
  })

  it('a new flow per flow of the report, at its first frame, with role, geolocation and verdict', () => {
    expect(events.filter((e) => e.kind === 'flow')).toHaveLength(report.flows.length)
    const media = one('flow', {remote: {ip: STUN_SERVER, port: 8801}})
    expectAt(media, 'client-rtp-0')
    // The embedded database places 149.137.41.57 in Singapore, registered to Zoom in the US.
    expect(media.detail).toMatchObject({role: 'media', app: 'zoom', geo: {country: 'SG', registeredCountry: 'US', asn: 30103}, verdict: 'outside'})
    expect(media.text).toContain('SG (registered US)')
    expect(media.text).toContain('AS30103')
  })

  it('the DNS answer, the SNI and the certificate at the frames that carried them', () => {
    const dns = one('dns')
    expectAt(dns, 'dns-answer')
    expect(dns.detail).toMatchObject({name: 'zoom.us', type: 'A', rcode: 'NOERROR', answers: [{name: 'zoom.us', type: 'A', ttl: 60, data: WEB}]})
    const sni = one('sni')
    expectAt(sni, 'client-hello')
    expect(sni.detail).toMatchObject({protocol: 'tls', sni: SNI, server: `${WEB}:443`})
    const cert = one('certificate')
    expectAt(cert, 'server-hello')
    // test-certificates.ts: the leaf is CN=*.meet.example issued by the test root, valid to 2023-06-01.
    expect(cert.detail).toMatchObject({sentBy: 'server', subjectCN: '*.meet.example', issuerCN: 'Callaudit Test Root CA', chainLength: 2, expired: true})
  })

  it('STUN mapped addresses and the TURN allocation', () => {
    expectAt(one('stun-mapped', {ip: PUBLIC, port: 40396}), 'stun-response')
    expectAt(one('stun-mapped', {ip: PUBLIC, port: 40411}), 'turn-allocated')
    const allocation = one('turn-allocation')
    expectAt(allocation, 'turn-allocated')
    expect(allocation.detail).toMatchObject({relayed: {ip: TURN_SERVER, port: 52718}, server: `${TURN_SERVER}:3478`, realm: 'zoom.us', lifetimeSeconds: 600})
  })

  it('each media stream starts at its first packet and stops at its last', () => {
    expectAt(one('media-start', {ssrc: hex(CLIENT_SSRC)}), 'client-rtp-0')
    expectAt(one('media-stop', {ssrc: hex(CLIENT_SSRC)}), 'client-rtp-29')
    expectAt(one('media-start', {ssrc: hex(SERVER_SSRC)}), 'server-rtp-0')
    const stop = one('media-stop', {ssrc: hex(SERVER_SSRC)})
    expectAt(stop, 'server-rtp-30')
    expect(stop.detail).toMatchObject({packets: 31, lost: 0, content: 'encrypted'})
  })

  it('RTCP SDES items, raw in the detail', () => {
    const name = one('sdes', {item: 'NAME'})
    expectAt(name, 'sdes')
    expect(name.detail).toMatchObject({value: HOSTILE_NAME, ssrc: hex(CLIENT_SSRC), sentBy: 'client'})
  })

  it('each finding when its evidence was complete', () => {
    // The SDES NAME is the evidence of CA-META-007: it happened at the SDES frame.
    const sdes = one('finding', {ruleId: 'CA-META-007'})
    expectAt(sdes, 'sdes')
    expect(sdes.severity).toBe('high')
    // CA-META-005 names the STUN response's frame without a time: dated from that frame.
    expectAt(one('finding', {ruleId: 'CA-META-005'}), 'stun-response')
    // The expired certificate is known when the server's flight arrives.
    expectAt(one('finding', {ruleId: 'CA-CRYPTO-003'}), 'server-hello')
    expect(events.filter((e) => e.kind === 'finding')).toHaveLength(report.findings.length)
    expect(new Set(events.filter((e) => e.kind === 'finding').map((e) => e.detail['ruleId']))).toEqual(new Set(report.findings.map((f) => f.ruleId)))
  })

  it('the same report gives the same events, byte for byte', () => {
    expect(eventsFromReport(report).map(renderEventJson).join('')).toBe(events.map(renderEventJson).join(''))
  })

  it('while a read goes on, a stream counts as stopped only after a pause of 5 s of capture time', () => {
    const live = eventsFromReport(report, {final: false})
    const stops = live.filter((e) => e.kind === 'media-stop').map((e) => e.detail['ssrc'])
    // The capture ends at 10.0 s: the client's stream ended at 2.58 s, the server's at 8.01 s.
    expect(Number(frame('late-dns-query').relative) - Number(frame('client-rtp-29').relative)).toBeGreaterThanOrEqual(STOP_AFTER_IDLE_SECONDS)
    expect(Number(frame('late-dns-query').relative) - Number(frame('server-rtp-30').relative)).toBeLessThan(STOP_AFTER_IDLE_SECONDS)
    expect(stops).toEqual([hex(CLIENT_SSRC)])
    expect(live.filter((e) => e.kind !== 'media-stop')).toEqual(events.filter((e) => e.kind !== 'media-stop'))
  })

  it('while a read goes on, "no call found" waits for the end: the call may still come after its DNS lookups', async () => {
    // The call's first two frames: the DNS lookup of zoom.us and its answer, nothing of the call yet.
    const dir = dirs.make()
    const lookup = await analyzeFile(writeTemp(dir, 'lookup.pcap', call.bytes.subarray(0, call.offsets[frame('dns-answer').frame]!)), dir)
    expect(lookup.flows.map((f) => f.role)).toEqual(['dns'])
    expect(lookup.findings.map((f) => f.ruleId)).toContain('CA-CALL-001')
    expect(eventsFromReport(lookup).filter((e) => e.detail['ruleId'] === 'CA-CALL-001')).toHaveLength(1)
    expect(eventsFromReport(lookup, {final: false}).filter((e) => e.detail['ruleId'] === 'CA-CALL-001')).toEqual([])
    // Other findings are live as ever.
    expect(eventsFromReport(lookup, {final: false}).filter((e) => e.kind === 'finding').map((e) => e.id)).toEqual(eventsFromReport(lookup).filter((e) => e.kind === 'finding' && e.detail['ruleId'] !== 'CA-CALL-001').map((e) => e.id))
  })
})

describe('rendering', () => {
  const event: ReplayEvent = {
    kind: 'sdes',
    id: 'sdes:1:x',
    time: '2025-11-20T00:53:22.305000Z',
    relativeSeconds: 2.305,
    relative: '+2.305000',
    capture: 0,
    frame: 30,
    flowId: 1,
    severity: null,
    text: `RTCP SDES NAME ${HOSTILE_NAME}\u202e`,
    detail: {value: HOSTILE_NAME},
  }

  it('lets no control character reach a terminal', () => {
    const line = renderEventLines(event)
    expect(line).not.toMatch(/[\u001b\u009b\u202e]/)
    expect(line).toContain('\\x1b[2J')
    expect(line).toContain('#30')
    expect(line).toContain('+2.305000')
    expect(line).toContain('2025-11-20T00:53:22.305000Z')
  })

  it('writes NDJSON with every control, bidi and line-separator character escaped, and parses back', () => {
    const line = renderEventJson(event)
    expect(line.endsWith('\n')).toBe(true)
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/)
    expect(line).toContain('\\u001b[2J\\u009b31m')
    expect(JSON.parse(line)).toEqual(event)
    expect(jsonLine({a: 'x\u2028y'})).toBe('{"a":"x\\u2028y"}\n')
  })

  it('names frames of later captures with the capture number', () => {
    expect(renderEventLines({...event, capture: 1})).toContain('c2#30')
    expect(renderEventLines({...event, frame: null})).toMatch(/Z {2}- /)
  })
})

describe('--filter', () => {
  const make = (kind: ReplayEvent['kind'], severity: ReplayEvent['severity'] = null) => ({kind, severity}) as ReplayEvent

  it('kinds choose events, severities choose findings', () => {
    const f = parseEventFilter(['dns,high', 'media'])
    expect(passesFilter(f, make('dns'))).toBe(true)
    expect(passesFilter(f, make('media-start'))).toBe(true)
    expect(passesFilter(f, make('media-stop'))).toBe(true)
    expect(passesFilter(f, make('sni'))).toBe(false)
    expect(passesFilter(f, make('finding', 'high'))).toBe(true)
    expect(passesFilter(f, make('finding', 'medium'))).toBe(false)
  })

  it('`finding` is every finding, narrowed by a severity; nothing given is everything', () => {
    expect(passesFilter(parseEventFilter(['finding']), make('finding', 'info'))).toBe(true)
    expect(passesFilter(parseEventFilter(['finding', 'critical']), make('finding', 'info'))).toBe(false)
    expect(passesFilter(parseEventFilter([]), make('certificate'))).toBe(true)
  })

  it('refuses what is neither a kind nor a severity', () => {
    expect(() => parseEventFilter(['dns,bogus'])).toThrow(FilterError)
    expect(() => parseEventFilter(['dns,bogus'])).toThrow(/"bogus"/)
  })
})

describe('--speed', () => {
  it('waits (capture time since the first event) / speed', async () => {
    let now = 1000
    const sleeps: number[] = []
    const clock = {now: () => now, sleep: async (ms: number) => {
      sleeps.push(ms)
      now += ms
    }}
    const pacer = new Pacer(4, clock)
    await pacer.wait(10) // the first event goes at once
    await pacer.wait(10)
    await pacer.wait(12) // 2 s of capture time at 4×: 500 ms
    now += 100 // printing took 100 ms
    await pacer.wait(14) // due at 1000 ms after the first: 400 ms to go
    expect(sleeps).toEqual([500, 400])
  })

  it('a speed so slow that a wait outlasts one timer (24.8 days) waits in steps, never in one overflowing timer', async () => {
    let now = 0
    const sleeps: number[] = []
    const clock = {now: () => now, sleep: async (ms: number) => {
      sleeps.push(ms)
      now += ms
    }}
    // 1 s of capture time at 1e-9× is 1e9 s: 1e12 ms of waiting.
    const pacer = new Pacer(1e-9, clock)
    await pacer.wait(0)
    await pacer.wait(1)
    expect(Math.max(...sleeps)).toBe(2 ** 31 - 1) // what setTimeout holds
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeCloseTo(1e12, 0)
  })

  it('speed 0 never waits', async () => {
    const clock = {now: () => 0, sleep: async () => {
      throw new Error('must not sleep')
    }}
    const pacer = new Pacer(0, clock)
    await pacer.wait(0)
    await pacer.wait(1000)
  })
})

describe('EventJournal (replay --follow)', () => {
  const finding = (severity: 'low' | 'high', detail = 'first'): ReplayEvent => ({kind: 'finding', id: 'finding:CA-GEO-001:1.2.3.4', time: 't', relativeSeconds: 0, relative: '+0', capture: 0, frame: 1, flowId: 1, severity, text: 'x', detail: {detail}})

  it('prints an event once, a finding again only when its severity rises', () => {
    const journal = new EventJournal()
    expect(journal.admit([finding('low')])).toHaveLength(1)
    expect(journal.admit([finding('low', 'more evidence')])).toEqual([])
    const again = journal.admit([finding('high')])
    expect(again).toHaveLength(1)
    expect(again[0]!.detail['escalatedFrom']).toBe('low')
    expect(journal.admit([finding('low')])).toEqual([])
  })
})

describe('Zoom media types', () => {
  // Zoom's SFU and media encapsulations as test/protocols/zoom/analyzer.test.ts builds them
  // (IMC 2022 paper, nDPI notes): SFU type 5 wraps a media header whose first byte is the media
  // type (15 audio, 16 video, 13 screen share) with the RTP header at a type-specific offset.
  const media = (type: number, seq: number, body: Buffer) => {
    const head = Buffer.alloc(type === 15 ? 19 : type === 16 ? 20 : 27)
    head[0] = type
    head.writeUInt16BE(seq & 0xffff, 9)
    head.writeUInt32BE(seq * 100, 11)
    return Buffer.concat([head, body])
  }
  const sfu = (seq: number, toZoom: boolean, inner: Buffer) => {
    const head = Buffer.alloc(8)
    head[0] = 5
    head.writeUInt16BE(seq & 0xffff, 1)
    head.writeUInt32BE(0x00272ec9, 3)
    head[7] = toZoom ? 0 : 4
    return Buffer.concat([head, inner])
  }

  it('screen sharing starts when its first packet comes; the flow\'s last packet ends the Zoom media', async () => {
    const zoom = '109.94.160.99'
    const frames: CallFrame[] = []
    const packet = (ms: number, label: string, toZoom: boolean, payload: Buffer) =>
      frames.push({label, ms, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src: toZoom ? CLIENT : zoom, dst: toZoom ? zoom : CLIENT, proto: IPPROTO.UDP}, udp({sport: toZoom ? 58327 : 8801, dport: toZoom ? 8801 : 58327}, payload)))})
    packet(0, 'setup', true, Buffer.concat([Buffer.from([0x01, 0x00, 0x02]), Buffer.alloc(104, 7)]))
    packet(30, 'setup-reply', false, Buffer.concat([Buffer.from([0x02, 0x00, 0x02]), Buffer.alloc(32, 9)]))
    let n = 0
    for (let i = 0; i < 20; i++) packet(100 + 20 * i, `audio-${i}`, true, sfu(n++, true, media(15, i, rtp({pt: 112, seq: i, timestamp: 320 * i, ssrc: 0x01000401}, Buffer.alloc(60, i)))))
    for (let i = 0; i < 5; i++) packet(1000 + 100 * i, `share-${i}`, false, sfu(n++, false, media(13, i, rtp({pt: 99, seq: 70 + i, timestamp: 3000 * i, ssrc: 0x01000803}, Buffer.alloc(700, i)))))
    const call = writeCallPcap(frames.sort((a, b) => a.ms - b.ms))
    const dir = dirs.make()
    const events = eventsFromReport(await analyzeFile(writeTemp(dir, 'zoom.pcap', call.bytes), dir))
    const starts = events.filter((e) => e.kind === 'media-start')
    expect(starts.map((e) => [e.detail['zoomMediaType'], e.frame, e.time])).toEqual([
      ['audio', call.frames.get('audio-0')!.frame, call.frames.get('audio-0')!.time],
      ['screen-share', call.frames.get('share-0')!.frame, call.frames.get('share-0')!.time],
    ])
    const stop = events.filter((e) => e.kind === 'media-stop')
    expect(stop).toHaveLength(1)
    // The Zoom facts list media by inner type: screen share (13) before audio (15).
    expect(stop[0]).toMatchObject({frame: null, time: call.frames.get('share-4')!.time, detail: {zoomMediaTypes: ['screen-share', 'audio']}})
  })
})

/** An Ethernet frame carrying TCP segment `l4` from `src` to `dst`. */
function tcpSegment(src: string, dst: string, l4: Buffer): Buffer {
  return ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto: IPPROTO.TCP}, l4))
}

/** The report of a capture of `frames`, one a second, written as `name`. */
async function reportOfFrames(name: string, frames: Buffer[]): Promise<Report> {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  frames.forEach((f, i) => w.add({sec: 1_763_600_000 + i, nsec: 0}, f))
  return analyzeFile(writeTemp(dirs.make(), name, w.toBuffer()), dirs.make())
}

describe('SIP events', () => {
  it('each request and final answer of a dialog once, retransmissions not again, with where the media goes and whether its keys are in clear', async () => {
    const phone = '192.168.1.20'
    const proxy = '212.242.33.35'
    const datagram = (src: string, dst: string, text: string) => ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto: IPPROTO.UDP}, udp({sport: 5060, dport: 5060}, Buffer.from(text, 'latin1'))))
    const inviteText = invite({body: SDP_SDES})
    const frames = [datagram(phone, proxy, inviteText), datagram(phone, proxy, inviteText), datagram(proxy, phone, ok())]
    const report = await reportOfFrames('sip.pcap', frames)
    const sip = eventsFromReport(report).filter((e) => e.kind === 'sip')
    expect(sip.map((e) => [e.frame, e.text])).toEqual([
      [1, 'SIP INVITE sip:+4930123456@sip.example.net from "Jane Doe" <sip:jane.doe@sip.example.net> to <sip:+4930123456@sip.example.net> (sent by 192.168.1.20:5060, media at 192.168.1.20, SRTP keys in clear)'],
      [3, 'SIP 200 OK (INVITE) (sent by 212.242.33.35:5060)'],
    ])
    expect(sip[0]!.detail).toMatchObject({method: 'INVITE', status: null, mediaAddresses: ['192.168.1.20'], srtpKeysInClear: true, software: 'Example Phone 4.2 (build 17)'})
  })
})

describe('H.245 events', () => {
  it('each channel acknowledged, with where its media goes, and the keys tunnelled in the call signalling', async () => {
    const terminal = '192.168.1.20'
    const mcu = '212.242.33.41'
    const c = {sport: 50124, dport: 1720}
    const setup = tpkt(q931(Q931.SETUP, {uuie: h225Setup({source: [{h323Id: 'room-1'}]})}))
    const ack = tpkt(q931(Q931.FACILITY, {fromDestination: true, uuie: h225TunnelledH245([h245OpenLogicalChannelAck(1, {sessionId: 1, media: {ip: mcu, port: 16400}, control: {ip: mcu, port: 16401}})])}))
    const keys = tpkt(q931(Q931.FACILITY, {uuie: h225TunnelledH245([h245UserInputSignal('7')])}))
    const frames = [
      tcpSegment(terminal, mcu, tcp({...c, seq: 1, flags: 'S'})),
      tcpSegment(mcu, terminal, tcp({sport: 1720, dport: 50124, seq: 7, ack: 2, flags: 'SA'})),
      tcpSegment(terminal, mcu, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, setup)),
      tcpSegment(mcu, terminal, tcp({sport: 1720, dport: 50124, seq: 8, ack: 2 + setup.length, flags: 'PA'}, ack)),
      tcpSegment(terminal, mcu, tcp({...c, seq: 2 + setup.length, ack: 8 + ack.length, flags: 'PA'}, keys)),
    ]
    const events = eventsFromReport(await reportOfFrames('h245.pcap', frames)).filter((e) => e.kind === 'h323' || e.kind === 'dtmf')
    expect(events.map((e) => [e.frame, e.kind, e.text])).toEqual([
      [3, 'h323', 'H.323 SETUP from room-1 (sent by 192.168.1.20:50124)'],
      [4, 'h323', `H.245 openLogicalChannelAck: media to ${mcu}:16400, RTCP to ${mcu}:16401 (sent by ${mcu}:1720)`],
      [5, 'dtmf', `DTMF key press 1 readable in clear in an H.245 userInput tunnelled in the call signalling (${terminal}:50124 ↔ ${mcu}:1720)`],
    ])
    expect(events[1]!.detail).toEqual({type: 'openLogicalChannelAck', sessionId: 1, mediaChannel: `${mcu}:16400`, mediaControlChannel: `${mcu}:16401`, sentBy: 'server'})
  })
})

describe('DTMF events', () => {
  it('each key press where it started, in plain RTP and in SIP INFO, never the key', async () => {
    const phone = '192.168.1.20'
    const bridge = '212.242.33.36'
    const media = (seq: number, ts: number, pt: number, payload: Buffer) => ethernet({type: ETHERTYPE.IPV4}, ipv4({src: phone, dst: bridge, proto: IPPROTO.UDP}, udp({sport: 40000, dport: 30000}, rtp({pt, seq, timestamp: ts, ssrc: 0x0d7f0003}, payload))))
    const frames: Buffer[] = []
    let seq = 1
    for (let i = 0; i < 5; i++) frames.push(media(seq++, 160 * i, 0, Buffer.alloc(160, 0xff - i)))
    const starts: number[] = []
    for (const [n, key] of [9, 11].entries()) {
      const ts = 4000 + 2000 * n
      starts.push(frames.length + 1)
      for (let k = 0; k < 5; k++) {
        const duration = 160 * Math.min(k + 1, 3)
        frames.push(media(seq++, ts, 101, Buffer.from([key, k >= 2 ? 0x8a : 0x0a, duration >> 8, duration & 0xff])))
      }
      for (let i = 0; i < 3; i++) frames.push(media(seq++, ts + 800 + 160 * i, 0, Buffer.alloc(160, 0xfe)))
    }
    const info = (text: string) => ethernet({type: ETHERTYPE.IPV4}, ipv4({src: phone, dst: bridge, proto: IPPROTO.UDP}, udp({sport: 5060, dport: 5060}, Buffer.from(text, 'latin1'))))
    frames.push(info(infoRequest(2, 'application/dtmf-relay', 'Signal=3\r\nDuration=160\r\n')))
    const report = await reportOfFrames('dtmf.pcap', frames)
    const dtmf = eventsFromReport(report).filter((e) => e.kind === 'dtmf')
    expect(dtmf.map((e) => [e.frame, e.text, e.detail])).toEqual([
      [starts[0], `DTMF key press 1 readable in clear: an RTP telephone-event from ${phone}:40000 (SSRC 0x0d7f0003)`, {carrier: 'rtp', press: 1, ssrc: '0x0d7f0003', sentBy: 'client'}],
      [starts[1], `DTMF key press 2 readable in clear: an RTP telephone-event from ${phone}:40000 (SSRC 0x0d7f0003)`, {carrier: 'rtp', press: 2, ssrc: '0x0d7f0003', sentBy: 'client'}],
      [frames.length, `DTMF key press 1 readable in clear in a SIP INFO request (${phone}:5060 ↔ ${bridge}:5060)`, {carrier: 'sip-info', press: 1}],
    ])
  })
})

describe('H.323 events', () => {
  it('each SETUP, CONNECT and registration once, naming who the message names and the device', async () => {
    const terminal = '192.168.1.20'
    const room = '212.242.33.40'
    const c = {sport: 50123, dport: 1720}
    const setup = tpkt(q931(Q931.SETUP, {display: 'Jurgen Mueller', calling: '2098', called: '5295672', uuie: h225Setup({source: [{dialledDigits: '2098'}, {h323Id: 'j.mueller'}], sourceInfo: {vendor: {country: 130, manufacturer: 256, product: 'Tandberg', version: 'TC7'}}})}))
    const proceeding = tpkt(q931(Q931.CALL_PROCEEDING, {fromDestination: true}))
    const connect = tpkt(q931(Q931.CONNECT, {fromDestination: true, display: 'Boardroom'}))
    const frames = [
      tcpSegment(terminal, room, tcp({...c, seq: 1, flags: 'S'})),
      tcpSegment(room, terminal, tcp({sport: 1720, dport: 50123, seq: 7, ack: 2, flags: 'SA'})),
      tcpSegment(terminal, room, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, setup)),
      tcpSegment(room, terminal, tcp({sport: 1720, dport: 50123, seq: 8, ack: 2 + setup.length, flags: 'PA'}, proceeding)),
      tcpSegment(room, terminal, tcp({sport: 1720, dport: 50123, seq: 8 + proceeding.length, ack: 2 + setup.length, flags: 'PA'}, connect)),
    ]
    const report = await reportOfFrames('h323.pcap', frames)
    const h323 = eventsFromReport(report).filter((e) => e.kind === 'h323')
    expect(h323.map((e) => [e.frame, e.text])).toEqual([
      [3, 'H.323 SETUP from "Jurgen Mueller", 2098, j.mueller to 5295672 (sent by 192.168.1.20:50123, device Tandberg TC7 (terminal; T.35 country 130, manufacturer 256))'],
      [5, 'H.323 CONNECT from "Boardroom" (sent by 212.242.33.40:1720)'],
    ])
    expect(h323[0]!.detail).toMatchObject({type: 'SETUP', callingNumber: '2098', sourceAliases: ['dialledDigits:2098', 'h323-ID:j.mueller'], sentBy: 'client'})
  })
})

describe('XMPP events', () => {
  it('the sign-in, the bound address, each room joined and each Jingle session-initiate, -accept and -terminate; never the password', async () => {
    const laptop = '192.168.1.20'
    const server = '212.242.33.42'
    const c = {sport: 51222, dport: 5222}
    const s = {sport: 5222, dport: 51222}
    const up = [
      "<stream:stream to='acme-ministry.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0alice\0secret-pw').toString('base64')}</auth>`,
      "<presence to='crisis-cell@conference.acme-ministry.example/Alice'/>",
      "<iq type='set' id='j1'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'/></iq><iq type='set' id='j2'><jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='s1'/></iq>",
    ].map((t) => Buffer.from(t))
    const down = ["<stream:stream from='acme-ministry.example' version='1.0'>", "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><iq type='result' id='b'><bind><jid>alice@acme-ministry.example/laptop</jid></bind></iq>"].map((t) => Buffer.from(t))
    const frames = [tcpSegment(laptop, server, tcp({...c, seq: 1, flags: 'S'})), tcpSegment(server, laptop, tcp({...s, seq: 7, ack: 2, flags: 'SA'}))]
    let a = 2
    let b = 8
    up.forEach((u, i) => {
      frames.push(tcpSegment(laptop, server, tcp({...c, seq: a, ack: b, flags: 'PA'}, u)))
      a += u.length
      const d = down[i]
      if (d) {
        frames.push(tcpSegment(server, laptop, tcp({...s, seq: b, ack: a, flags: 'PA'}, d)))
        b += d.length
      }
    })
    const report = await reportOfFrames('xmpp.pcap', frames)
    const xmpp = eventsFromReport(report).filter((e) => e.kind === 'xmpp')
    expect(xmpp.map((e) => [e.frame, e.text])).toEqual([
      [5, 'XMPP sign-in (SASL PLAIN, user alice, password in clear) to 212.242.33.42:5222'],
      [6, 'XMPP address bound: alice@acme-ministry.example/laptop (by 212.242.33.42:5222)'],
      [7, 'XMPP room joined: crisis-cell@conference.acme-ministry.example/Alice'],
      [8, 'Jingle session-initiate s1 (sent by 192.168.1.20:51222)'],
    ])
    expect(xmpp[0]!.detail).toEqual({what: 'sign-in', mechanism: 'PLAIN', user: 'alice', passwordInClear: true})
    expect(JSON.stringify(xmpp)).not.toContain('secret-pw')
  })
})

describe('WebRTC signalling events', () => {
  it('each session description and each secret sent over ws://, the secret by name only', async () => {
    const browser = '192.168.1.20'
    const gateway = '212.242.33.41'
    const c = {sport: 51000, dport: 8188}
    const s = {sport: 8188, dport: 51000}
    const mask = Buffer.from([1, 2, 3, 4])
    const get = Buffer.from(wsRequest('janus-protocol'))
    const answer = Buffer.from(wsAnswer(101, 'janus-protocol'))
    const messages = [
      {janus: 'message', body: {request: 'join', room: 4711, pin: '2468'}},
      {janus: 'message', jsep: {type: 'offer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=candidate:1 1 udp 2122260223 192.168.0.105 50101 typ host\r\n'}},
    ].map((m) => wsFrame(Buffer.from(JSON.stringify(m)), {mask}))
    const frames = [
      tcpSegment(browser, gateway, tcp({...c, seq: 1, flags: 'S'})),
      tcpSegment(gateway, browser, tcp({...s, seq: 7, ack: 2, flags: 'SA'})),
      tcpSegment(browser, gateway, tcp({...c, seq: 2, ack: 8, flags: 'PA'}, get)),
      tcpSegment(gateway, browser, tcp({...s, seq: 8, ack: 2 + get.length, flags: 'PA'}, answer)),
    ]
    let seq = 2 + get.length
    for (const m of messages) {
      frames.push(tcpSegment(browser, gateway, tcp({...c, seq, ack: 8 + answer.length, flags: 'PA'}, m)))
      seq += m.length
    }
    const report = await reportOfFrames('ws.pcap', frames)
    const ws = eventsFromReport(report).filter((e) => e.kind === 'websocket')
    expect(ws.map((e) => [e.frame, e.text])).toEqual([
      [5, 'WebRTC signalling secret "pin" sent in clear over ws:// (by 192.168.1.20:51000)'],
      [6, 'WebRTC offer over ws:// (sent by 192.168.1.20:51000): audio UDP/TLS/RTP/SAVPF, ICE candidates 192.168.0.105'],
    ])
    expect(ws[1]!.detail).toEqual({what: 'sdp', type: 'offer', sentBy: 'client', media: ['audio UDP/TLS/RTP/SAVPF'], candidates: ['192.168.0.105'], srtpKeysInClear: false})
    expect(JSON.stringify(ws)).not.toContain('2468')
  })
})
