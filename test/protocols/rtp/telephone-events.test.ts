import {execFileSync, spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {tempDir} from '../../helpers/temp-dir.js'
import {type RtpFacts, rtpAnalyzer} from '../../../src/protocols/rtp/analyzer.js'
import {detBytes, rtp} from '../../support/packet-builder.js'
import {CaptureKit, type End, factsOn} from './capture-kit.js'

const phone = {ip: '192.168.1.23', port: 16384}
const bridge = {ip: '198.51.100.10', port: 30000}
const SSRC = 0x5eed0001
const EVENT_PT = 101

/** RFC 4733 §2.3: event, E|R|volume, duration. */
function telephoneEvent(event: number, duration: number, o: {end?: boolean; reserved?: boolean; volume?: number} = {}): Buffer {
  const b = Buffer.alloc(4)
  b[0] = event
  b[1] = (o.end ? 0x80 : 0) | (o.reserved ? 0x40 : 0) | ((o.volume ?? 10) & 0x3f)
  b.writeUInt16BE(duration, 2)
  return b
}

/** G.711 A-law with a little noise. */
function pcma(i: number): Buffer {
  const frame = Buffer.alloc(160, 0xd5)
  for (let j = 0; j < 160; j += 9) frame[j] = 0xd0 + ((i + j) % 11)
  return frame
}

/**
 * A phone's audio stream with key presses in it, sent as a real endpoint does (RFC 4733
 * §2.5.1): the audio pauses, the event's packets every 20 ms share the timestamp of its start
 * with durations growing by 160, the end packet goes three times, and the audio resumes.
 * `shape` lets a test break one rule of that for every press.
 */
class KeyingPhone {
  seq = 1000
  ts = 80_000
  frames: number[] = []
  constructor(
    readonly kit: CaptureKit,
    readonly from: End = phone,
    readonly to: End = bridge,
  ) {}

  audio(packets: number): this {
    for (let i = 0; i < packets; i++) {
      this.kit.udp(this.from, this.to, rtp({pt: 8, seq: this.seq++, timestamp: this.ts, ssrc: SSRC}, pcma(this.seq)), 20_000)
      this.ts += 160
    }
    return this
  }

  press(event: number, shape: {steps?: number; endCopies?: number; shrink?: boolean; reserved?: boolean; mixEvent?: number; pt?: number} = {}): this {
    const steps = shape.steps ?? 5
    const start = this.ts
    for (let k = 0; k < steps; k++) {
      const duration = shape.shrink && k === steps - 1 ? 10 : 160 * (k + 1)
      const code = shape.mixEvent !== undefined && k === 1 ? shape.mixEvent : event
      const frame = this.kit.udp(this.from, this.to, rtp({pt: shape.pt ?? EVENT_PT, seq: this.seq++, timestamp: start, ssrc: SSRC, marker: k === 0}, telephoneEvent(code, duration, {reserved: shape.reserved})), 20_000)
      if (k === 0) this.frames.push(frame)
    }
    // The end packet, sent three times with the same sequence number's successors (§2.5.1.4).
    for (let k = 0; k < (shape.endCopies ?? 3); k++) {
      this.kit.udp(this.from, this.to, rtp({pt: shape.pt ?? EVENT_PT, seq: this.seq++, timestamp: start, ssrc: SSRC}, telephoneEvent(event, 160 * (steps + 1), {end: true})), 20_000)
    }
    this.ts += 160 * (steps + 2)
    return this
  }
}

/** A capture and a phone keying into it. */
class KeyingPhoneKit {
  readonly kit = new CaptureKit()
  readonly phone = new KeyingPhone(this.kit)
}

async function keysOf(kit: CaptureKit): Promise<RtpFacts['streams'][number]['telephoneEvents']> {
  const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', phone, bridge)!
  return facts.streams.find((s) => s.ssrc === `0x${SSRC.toString(16)}`)!.telephoneEvents
}

describe('DTMF key presses as RTP telephone-events (RFC 4733)', () => {
  it('counts each key of a PIN typed into a call, from the first press; keeps no key', async () => {
    const kit = new CaptureKit()
    const p = new KeyingPhone(kit).audio(20)
    for (const key of [4, 7, 1, 9, 11]) p.press(key).audio(10)
    const keys = await keysOf(kit)
    expect(keys).toMatchObject({payloadType: EVENT_PT, keyPresses: 5, packets: 5 * 8})
    expect(keys!.first.frame).toBe(p.frames[0])
    // The keys are nowhere in the facts: only counts and places.
    expect(Object.keys(keys!).sort()).toEqual(['first', 'keyPresses', 'packets', 'payloadType', 'presses'])
    // Each press where it starts: its first packet.
    expect(keys!.presses.map((e) => e.frame)).toEqual(p.frames)
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', phone, bridge)!
    expect(rtpAnalyzer.describe(facts)).toContain(`RTP SSRC 0x5eed0001 DTMF: 5 key presses readable in clear (RFC 4733 telephone-event, PT 101, from frame ${p.frames[0]})`)
  })

  it('a short press sent only as its three end packets counts; so do * # A-D and flash (events 10-16)', async () => {
    const kit = new CaptureKit()
    const p = new KeyingPhone(kit).audio(10)
    p.press(5, {steps: 0}).audio(5)
    for (const event of [10, 12, 15, 16]) p.press(event).audio(5)
    expect((await keysOf(kit))!.keyPresses).toBe(5)
  })

  it('a press cut before its end (the call hung up) counts once its duration grew twice; one that did not, not', async () => {
    const kit = new KeyingPhoneKit()
    kit.phone.audio(10).press(1).audio(5).press(2, {endCopies: 0, steps: 3})
    expect((await keysOf(kit.kit))!.keyPresses).toBe(2)
    const short = new KeyingPhoneKit()
    short.phone.audio(10).press(1).audio(5).press(2, {endCopies: 0, steps: 2})
    expect((await keysOf(short.kit))!.keyPresses).toBe(1)
  })

  it.each([
    ['no end bit, its duration grown once', {endCopies: 0, steps: 2}],
    ['a duration that shrinks within the event', {shrink: true}],
    ['the reserved bit set', {reserved: true}],
    ['the event code changing under one timestamp', {mixEvent: 7}],
    ['a static payload type (telephone-event is always dynamic)', {pt: 18}],
  ])('is not a key press with %s', async (_name, shape) => {
    const kit = new CaptureKit()
    const p = new KeyingPhone(kit).audio(10)
    for (const key of [1, 2, 3]) p.press(key, shape).audio(5)
    expect(await keysOf(kit)).toBeUndefined()
  })

  it('events that are not keys (RFC 4734 modem and fax tones, codes above 16) are not counted', async () => {
    const kit = new CaptureKit()
    const p = new KeyingPhone(kit).audio(10)
    p.press(32).audio(5).press(36).audio(5).press(2).audio(5)
    expect((await keysOf(kit))!.keyPresses).toBe(1)
  })

  it('random and SRTP-sized payloads on a dynamic payload type are never key presses', async () => {
    const kit = new CaptureKit()
    let seq = 1
    // 4-octet payloads of noise under repeated timestamps (as video frames repeat them), and
    // SRTP telephone-events: 4 octets encrypted plus a 10-octet tag.
    for (let i = 0; i < 400; i++) {
      const ts = 1000 + Math.floor(i / 4) * 160
      kit.udp(phone, bridge, rtp({pt: 101, seq: seq++, timestamp: ts, ssrc: SSRC}, detBytes(`n${i}`, i % 2 ? 4 : 14)), 20_000)
    }
    expect(await keysOf(kit)).toBeUndefined()
  })

  it('a press captured twice (a mirror port) is still one press', async () => {
    const kit = new CaptureKit()
    const p = new KeyingPhone(kit).audio(10)
    const start = p.ts
    for (const [duration, end] of [[160, false], [320, false], [480, true], [480, true], [480, true]] as const) {
      const packet = rtp({pt: EVENT_PT, seq: p.seq++, timestamp: start, ssrc: SSRC}, telephoneEvent(8, duration, {end}))
      kit.udp(phone, bridge, packet, 20_000)
      kit.udp(phone, bridge, packet, 10)
    }
    p.ts += 160 * 5
    p.audio(5)
    expect((await keysOf(kit))!.keyPresses).toBe(1)
  })
})

/**
 * A WebRTC call's SRTP audio with keys sent by RTCDTMFSender, shaped as Chromium sends them
 * (seen in a capture of Chromium 1xx: each key three packets of one timestamp, each marked,
 * 4 octets of event encrypted plus a 10-octet tag): `tag` sets the tag length, `shape` breaks
 * one rule for every key.
 */
function srtpCallWithKeys(kit: CaptureKit, keys: number, o: {tag?: number; unmarked?: boolean; mixedLength?: boolean; packets?: number} = {}): number[] {
  let seq = 3000
  let ts = 960_000
  const firsts: number[] = []
  const audio = (n: number) => {
    for (let i = 0; i < n; i++) {
      kit.udp(phone, bridge, rtp({pt: 111, seq: seq++, timestamp: ts, ssrc: SSRC}, detBytes(`opus${seq}`, 60 + (seq % 40))), 20_000)
      ts += 960
    }
  }
  audio(30)
  for (let k = 0; k < keys; k++) {
    for (let i = 0; i < (o.packets ?? 3); i++) {
      const length = 4 + (o.tag ?? 10) + (o.mixedLength && i === 1 ? 1 : 0)
      const frame = kit.udp(phone, bridge, rtp({pt: 126, seq: seq++, timestamp: ts, ssrc: SSRC, marker: !o.unmarked}, detBytes(`ev${seq}`, length)), 20_000)
      if (i === 0) firsts.push(frame)
    }
    ts += 960 * 4
    audio(10)
  }
  return firsts
}

async function sealedKeysOf(kit: CaptureKit): Promise<RtpFacts['streams'][number]['encryptedTelephoneEvents']> {
  const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', phone, bridge)!
  return facts.streams.find((s) => s.ssrc === `0x${SSRC.toString(16)}`)!.encryptedTelephoneEvents
}

describe('DTMF key presses in SRTP: the keys encrypted, their count and timing not', () => {
  it.each([[10, 'AES_CM_128_HMAC_SHA1_80'], [4, 'AES_CM_128_HMAC_SHA1_32'], [16, 'AEAD_AES_128_GCM']])('counts each key of a PIN, with a %i-octet tag (%s)', async (tag) => {
    const kit = new CaptureKit()
    const firsts = srtpCallWithKeys(kit, 6, {tag})
    expect(await sealedKeysOf(kit)).toMatchObject({payloadType: 126, keyPresses: 6, packets: 18, first: {frame: firsts[0]}})
    expect(await keysOf(kit)).toBeUndefined()
  })

  it.each([
    ['no marker on the first packet', {unmarked: true}],
    ['one packet per timestamp', {packets: 1}],
    ['payloads of different lengths under one timestamp', {mixedLength: true}],
    ['payloads too long for a telephone-event and its tag', {tag: 30}],
  ])('counts nothing with %s', async (_name, shape) => {
    const kit = new CaptureKit()
    srtpCallWithKeys(kit, 6, shape)
    expect(await sealedKeysOf(kit)).toBeUndefined()
  })

  it('a marked first audio packet as small as an event (silence) does not hide the events after it', async () => {
    const kit = new CaptureKit()
    // The stream opens with a marked 4-octet Opus silence frame, SRTP-tagged: 14 octets.
    kit.udp(phone, bridge, rtp({pt: 111, seq: 2990, timestamp: 950_000, ssrc: SSRC, marker: true}, detBytes('silence', 14)), 20_000)
    kit.udp(phone, bridge, rtp({pt: 111, seq: 2991, timestamp: 950_960, ssrc: SSRC}, detBytes('silence2', 14)), 20_000)
    srtpCallWithKeys(kit, 4)
    expect(await sealedKeysOf(kit)).toMatchObject({payloadType: 126, keyPresses: 4})
  })

  it('video frames, whose packets share a timestamp, are not key presses', async () => {
    const kit = new CaptureKit()
    let seq = 1
    for (let frame = 0; frame < 60; frame++) {
      // A marked last packet per frame (RFC 7741), a size that varies, a small tail.
      const sizes = [1100, 1100, 14 + (frame % 3)]
      sizes.forEach((size, i) => kit.udp(phone, bridge, rtp({pt: 96, seq: seq++, timestamp: 3000 * frame, ssrc: SSRC, marker: i === sizes.length - 1}, detBytes(`v${seq}`, size)), 2_000))
    }
    expect(await sealedKeysOf(kit)).toBeUndefined()
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('DTMF key presses agree with tshark (second opinion)', () => {
  it('each key press we count is an event tshark decodes, with its end bit, at the frame we name', async () => {
    const kit = new CaptureKit()
    const p = new KeyingPhone(kit).audio(20)
    for (const key of [0, 9, 10, 11, 16]) p.press(key, {steps: 3 + key % 4}).audio(8)
    const path = join(tempDir(), 'dtmf.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    const out = execFileSync('tshark', ['-r', path, '-d', `udp.port==${bridge.port},rtp`, '-o', `rtpevent.event_payload_type_value:${EVENT_PT}`, '-Y', 'rtpevent', '-T', 'fields', '-e', 'frame.number', '-e', 'rtp.timestamp', '-e', 'rtpevent.event_id', '-e', 'rtpevent.end_of_event'], {encoding: 'utf8'})
    const rows = out.trim().split('\n').map((l) => l.split('\t'))
    // tshark's key presses: the events (timestamps) that reach their end bit; where each starts.
    const starts = new Map<string, number>()
    const ended = new Set<string>()
    for (const [frame, ts, , end] of rows) {
      if (!starts.has(ts!)) starts.set(ts!, Number(frame))
      if (end === '1' || end === 'True') ended.add(ts!)
    }
    const keys = await keysOf(kit)
    expect(keys!.keyPresses).toBe(ended.size)
    expect(keys!.packets).toBe(rows.length)
    expect(keys!.first.frame).toBe(Math.min(...starts.values()))
  })
})
