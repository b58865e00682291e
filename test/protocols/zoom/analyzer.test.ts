import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {rtpAnalyzer} from '../../../src/protocols/rtp/analyzer.js'
import {mediaKind, p2pSetup, rtpOffsets, type ZoomFacts, zoomAnalyzer} from '../../../src/protocols/zoom/analyzer.js'
import {corpusPath, FIXTURES, HAVE_CORPUS} from '../../helpers/paths.js'
import {detBytes, rtcpSenderReport, rtp} from '../../support/packet-builder.js'
import {CaptureKit, factsOn} from '../rtp/capture-kit.js'

const client = {ip: '192.168.1.117', port: 58327}
const server = {ip: '109.94.160.99', port: 8801}

/**
 * Media encapsulation as publicly described (IMC 2022 paper, nDPI notes): type byte, 8 unknown
 * bytes, 16-bit sequence number, 32-bit timestamp, then type-specific bytes up to the RTP header.
 */
function media(type: number, seq: number, body: Buffer, frameInfo = false): Buffer {
  const rtpAt = type === 15 ? 19 : type === 16 ? (frameInfo ? 24 : 20) : type === 13 ? 27 : type === 30 ? 20 : 16
  const head = Buffer.alloc(rtpAt)
  head[0] = type
  head.writeUInt16BE(seq & 0xffff, 9)
  head.writeUInt32BE(seq * 100, 11)
  if (type === 16 && frameInfo) head[20] = 0x02
  return Buffer.concat([head, body])
}

/** SFU encapsulation: type, sequence number, 4 unknown bytes, direction (0 to Zoom, 4 from Zoom). */
function sfu(type: number, seq: number, direction: number, inner: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head[0] = type
  head.writeUInt16BE(seq & 0xffff, 1)
  head.writeUInt32BE(0x00272ec9, 3)
  head[7] = direction
  return Buffer.concat([head, inner])
}

describe('Zoom media encapsulation', () => {
  it('counts audio, video, screen share and RTCP per direction, with the SSRCs inside', async () => {
    const kit = new CaptureKit()
    kit.udp(client, server, Buffer.concat([Buffer.from([0x01, 0x00, 0x02]), detBytes('hello', 104)]))
    kit.udp(server, client, Buffer.concat([Buffer.from([0x02, 0x00, 0x02]), detBytes('olleh', 32)]))
    let n = 0
    for (let i = 0; i < 20; i++) {
      kit.udp(client, server, sfu(5, n++, 0, media(15, i, rtp({pt: 112, seq: i, timestamp: 320 * i, ssrc: 0x01000401}, detBytes(`a${i}`, 60)))))
      kit.udp(server, client, sfu(5, n++, 4, media(15, i, rtp({pt: 112, seq: 500 + i, timestamp: 320 * i, ssrc: 0x01000801}, detBytes(`b${i}`, 60)))))
      kit.udp(server, client, sfu(5, n++, 4, media(16, i, rtp({pt: 98, seq: 900 + i, timestamp: 3000 * i, ssrc: 0x01000802}, detBytes(`v${i}`, 900)), i % 2 === 0)))
      if (i < 5) kit.udp(server, client, sfu(5, n++, 4, media(13, i, rtp({pt: 99, seq: 70 + i, timestamp: 3000 * i, ssrc: 0x01000803}, detBytes(`s${i}`, 700)))))
    }
    kit.udp(client, server, sfu(5, n++, 0, media(33, 1, rtcpSenderReport({ssrc: 0x01000401, ntpSec: 1, ntpFrac: 2, rtpTs: 3, packets: 4, octets: 5}))))
    kit.udp(client, server, sfu(3, n++, 0, detBytes('keepalive', 5)))
    kit.udp(server, client, sfu(4, n++, 4, detBytes('keepalive', 5)))
    const facts = factsOn<ZoomFacts>(await kit.analyze([zoomAnalyzer]), 'zoom', client, server)!
    expect(facts.encapsulation).toBe('sfu')
    expect(facts.zoomPackets).toBe(2 + 20 * 3 + 5 + 1 + 2)
    expect(facts.otherPackets).toBe(0)
    expect(facts.outerTypes.map((t) => [t.type, t.meaning, t.toServer, t.toClient])).toEqual([
      [1, 'connection set-up', 1, 0],
      [2, 'connection set-up reply', 0, 1],
      [3, 'keep-alive', 1, 0],
      [4, 'keep-alive reply', 0, 1],
      [5, 'media', 21, 45],
    ])
    expect(facts.directionBytes).toEqual([
      {value: 0, meaning: 'to Zoom', toServer: 21, toClient: 0},
      {value: 4, meaning: 'from Zoom', toServer: 0, toClient: 45},
    ])
    const byKind = Object.fromEntries(facts.media.map((m) => [m.kind, m]))
    expect(byKind.audio).toMatchObject({innerType: 15, toServer: 20, toClient: 20, withRtp: 40})
    expect(byKind.audio!.ssrcs).toEqual([
      {ssrc: '0x01000401', sentBy: 'client', packets: 20, payloadTypes: [{pt: 112, name: 'dynamic 112'}]},
      {ssrc: '0x01000801', sentBy: 'server', packets: 20, payloadTypes: [{pt: 112, name: 'dynamic 112'}]},
    ])
    expect(byKind.video).toMatchObject({innerType: 16, toServer: 0, toClient: 20, withRtp: 20, ssrcs: [expect.objectContaining({ssrc: '0x01000802', packets: 20})]})
    expect(byKind['screen-share']).toMatchObject({innerType: 13, toClient: 5, withRtp: 5})
    expect(byKind.rtcp).toMatchObject({innerType: 33, toServer: 1, withRtp: 1})
    expect(zoomAnalyzer.describe(facts)[0]).toBe('Zoom media via Zoom server (SFU encapsulation): video 20 pkts, audio 40, screen share 5, RTCP 1')
  })

  it('unknown inner types are counted as such; no media is claimed without them', async () => {
    const kit = new CaptureKit()
    for (let i = 0; i < 10; i++) kit.udp(server, client, sfu(5, i, 4, Buffer.concat([Buffer.from([0x15]), detBytes(`u${i}`, 70)])))
    const facts = factsOn<ZoomFacts>(await kit.analyze([zoomAnalyzer]), 'zoom', client, server)!
    expect(facts.media).toEqual([expect.objectContaining({kind: 'unknown', innerType: 0x15, toClient: 10, withRtp: 0})])
    expect(zoomAnalyzer.describe(facts)).toEqual([
      'Zoom via Zoom server (SFU encapsulation): 10 packets (type 5 ×10); no audio, video or screen-share media types seen',
      'Zoom media encapsulation with undocumented inner types: 0x15 ×10',
    ])
  })

  it('plain RTP or noise on port 8801 is not Zoom', async () => {
    const kit = new CaptureKit()
    for (let i = 0; i < 12; i++) kit.udp(client, server, rtp({pt: 111, seq: i, timestamp: 960 * i, ssrc: 1}, detBytes(`p${i}`, 80)))
    const other = {ip: '192.168.1.117', port: 60001}
    for (let i = 0; i < 12; i++) kit.udp(other, server, detBytes(`noise${i}`, 90))
    const flows = await kit.analyze([zoomAnalyzer])
    expect(factsOn(flows, 'zoom', client, server)).toBeUndefined()
    expect(factsOn(flows, 'zoom', other, server)).toBeUndefined()
  })

  it('P2P: the set-up packet (announced address) then media encapsulation without SFU header', async () => {
    const a = {ip: '192.168.1.5', port: 50123}
    const b = {ip: '81.2.3.4', port: 61234}
    const ip = Buffer.from('192.168.1.5')
    const uuid = Buffer.from('5b0c1b7e-7a1f-4bd0-9d2f-0c3c8a7b6d11')
    const len = (n: number) => {
      const x = Buffer.alloc(4)
      x.writeUInt32BE(n)
      return x
    }
    const setup = Buffer.concat([Buffer.from([0x1f, 0x02, 0x01]), Buffer.alloc(21), len(ip.length), ip, len(uuid.length), uuid, Buffer.alloc(4)])
    expect(p2pSetup(setup)).toEqual([28, 28 + ip.length])
    const kit = new CaptureKit()
    kit.udp(a, b, setup)
    for (let i = 0; i < 10; i++) kit.udp(a, b, media(15, i, rtp({pt: 112, seq: i, timestamp: 320 * i, ssrc: 0x0a0b0c0d}, detBytes(`p${i}`, 60))))
    for (let i = 0; i < 4; i++) kit.udp(b, a, media(30, i, rtp({pt: 99, seq: i, timestamp: 0, ssrc: 0x0a0b0c0e}, detBytes(`q${i}`, 300))))
    const facts = factsOn<ZoomFacts>(await kit.analyze([zoomAnalyzer]), 'zoom', a, b)!
    expect(facts.encapsulation).toBe('p2p')
    expect(facts.p2pAnnouncedAddress).toMatchObject({text: '192.168.1.5'})
    expect(facts.media.map((m) => [m.kind, m.innerType, m.withRtp])).toEqual([
      ['audio', 15, 10],
      ['screen-share', 30, 4],
    ])
    expect(zoomAnalyzer.describe(facts)).toContain('Zoom P2P set-up announces address "192.168.1.5" (frame 1)')
  })

  it('layout helpers', () => {
    expect([15, 16, 13, 30, 33, 34, 35, 21].map(mediaKind)).toEqual(['audio', 'video', 'screen-share', 'screen-share', 'rtcp', 'rtcp', 'rtcp', 'unknown'])
    const withInfo = Buffer.alloc(30)
    withInfo[20] = 0x02
    expect(rtpOffsets(16, withInfo, 0)).toEqual([24, 20])
    expect(rtpOffsets(16, Buffer.alloc(30), 0)).toEqual([20, 24])
    expect(rtpOffsets(33, withInfo, 0)).toEqual([])
    expect(p2pSetup(Buffer.alloc(40))).toBeUndefined()
    const lying = Buffer.concat([Buffer.from([0x1f, 0x02, 0x01]), Buffer.alloc(21), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(16)])
    expect(p2pSetup(lying)).toBeUndefined()
  })

  it('demo-call.pcapng: its UDP 8801 media is plain RTP, not Zoom encapsulation, and is reported as RTP only', async () => {
    const flows = flowRecords(await collectFlows([`${FIXTURES}/demo-call.pcapng`], {analyzers: [zoomAnalyzer, rtpAnalyzer]}))
    const media = flows.find((f) => f.server.port === 8801)!
    expect(media.protocols?.zoom).toBeUndefined()
    expect((media.protocols?.rtp as {streams: unknown[]}).streams).toHaveLength(4)
  })
})

describe.skipIf(!HAVE_CORPUS)('Zoom in the corpus (zoom.pcap)', () => {
  it('its 8801 flows carry set-up, keep-alive and probe packets but no documented media type', async () => {
    const flows = flowRecords(await collectFlows([corpusPath('zoom.pcap')], {analyzers: [zoomAnalyzer, rtpAnalyzer]}))
    const zoomFlows = flows.filter((f) => f.protocols?.zoom)
    // 109.94.160.99 (three flows) and the GTP-tunnelled 193.122.35.237 flow
    expect(zoomFlows.map((f) => `${f.server.ip}:${f.server.port}`).sort()).toEqual(['109.94.160.99:8801', '109.94.160.99:8801', '109.94.160.99:8801', '193.122.35.237:8801'])
    for (const f of zoomFlows) {
      const z = f.protocols!.zoom as ZoomFacts
      expect(z.media.every((m) => m.kind === 'unknown')).toBe(true)
      expect(f.protocols?.rtp).toBeUndefined()
    }
    const tunnelled = zoomFlows.find((f) => f.server.ip === '193.122.35.237')!.protocols!.zoom as ZoomFacts
    expect(tunnelled.directionBytes).toEqual([{value: 4, meaning: 'from Zoom', toServer: 0, toClient: 13}])
  })
})
