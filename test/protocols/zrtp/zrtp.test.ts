import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {parseZrtpPacket} from '../../../src/protocols/zrtp/zrtp-message.js'
import {type ZrtpFacts, zrtpAnalyzer} from '../../../src/protocols/zrtp/zrtp-analyzer.js'
import {rtp} from '../../support/packet-builder.js'
import {zrtpCommit, zrtpHello, zrtpSimple} from '../../support/zrtp-builders.js'
import {CaptureKit, factsOn} from '../rtp/capture-kit.js'

const ALICE_ZID = Buffer.from('a11ce0000000000000000001', 'hex')
const PBX_ZID = Buffer.from('0b0b0b0b0b0b0b0b0b0b0b0b', 'hex')

describe('ZRTP packets (RFC 6189 §5)', () => {
  it('reads a Hello: version, client id, ZID, flags and the algorithm lists', () => {
    const p = parseZrtpPacket(zrtpHello({clientId: 'LINPHONE-ZRTPCPP', zid: ALICE_ZID, mitm: true, keyAgreements: ['X255', 'EC25', 'DH3k']}, {seq: 7, ssrc: 0xdeadbeef}))
    expect(p).toMatchObject({sequence: 7, ssrc: 0xdeadbeef, type: 'Hello'})
    expect(p?.hello).toEqual({
      version: '1.10', clientId: 'LINPHONE-ZRTPCPP', zid: 'a11ce0000000000000000001', signatureCapable: false, mitm: true, passive: false,
      hashes: ['S256'], ciphers: ['AES1'], authTags: ['HS32', 'HS80'], keyAgreements: ['X255', 'EC25', 'DH3k'], sasTypes: ['B32'],
    })
  })

  it('reads the algorithms a Commit chose and the code of an Error', () => {
    expect(parseZrtpPacket(zrtpCommit(ALICE_ZID, ['S384', 'AES3', 'HS80', 'EC38', 'B256']))?.commit).toEqual({zid: 'a11ce0000000000000000001', hash: 'S384', cipher: 'AES3', authTag: 'HS80', keyAgreement: 'EC38', sasType: 'B256'})
    const code = Buffer.alloc(4)
    code.writeUInt32BE(0x90)
    expect(parseZrtpPacket(zrtpSimple('Error', code))).toMatchObject({type: 'Error', errorCode: 0x90})
  })

  it('rejects what is not a whole ZRTP packet: cookie, preamble, a length that does not fill the datagram, too many algorithms', () => {
    const hello = zrtpHello()
    expect(parseZrtpPacket(hello)).not.toBeNull()
    const badCookie = Buffer.from(hello)
    badCookie[5] = 0x53
    expect(parseZrtpPacket(badCookie)).toBeNull()
    const badPreamble = Buffer.from(hello)
    badPreamble[12] = 0x00
    expect(parseZrtpPacket(badPreamble)).toBeNull()
    expect(parseZrtpPacket(Buffer.concat([hello, Buffer.alloc(4)]))).toBeNull()
    expect(parseZrtpPacket(hello.subarray(0, hello.length - 4))).toBeNull()
    // hc = 8 (more than §5.2's 7): the Hello is not read, the packet still counts as a Hello.
    const eight = Buffer.from(hello)
    eight[12 + 12 + 64 + 1] = 0x08
    expect(parseZrtpPacket(eight)).toMatchObject({type: 'Hello'})
    expect(parseZrtpPacket(eight)?.hello).toBeUndefined()
    // Every cut of a Hello is refused without an exception.
    for (let n = 0; n < hello.length; n++) expect(parseZrtpPacket(hello.subarray(0, n))).toBeNull()
  })
})

/** A SIP call's media with ZRTP: RTP first, then the exchange of §4 (Hello, HelloACK, Commit,
 * DHPart1/2, Confirm1/2, Conf2ACK), the phone on a private address, the PBX a trusted MiTM. */
function zrtpCall(kit: CaptureKit, o: {goClear?: boolean; rtpBefore?: number} = {}): {phone: {ip: string; port: number}; pbx: {ip: string; port: number}} {
  const phone = {ip: '192.168.1.20', port: 49170}
  const pbx = {ip: '203.0.113.50', port: 30000}
  for (let i = 0; i < (o.rtpBefore ?? 3); i++) {
    kit.udp(phone, pbx, rtp({pt: 0, seq: 10 + i, timestamp: 160 * i, ssrc: 0x1234abcd}, Buffer.alloc(160, 0xd5)), 20_000)
  }
  kit.udp(phone, pbx, zrtpHello({clientId: 'LINPHONE-ZRTPCPP', zid: ALICE_ZID}, {seq: 1}))
  kit.udp(pbx, phone, zrtpHello({clientId: 'Acme PBX ZRTP', zid: PBX_ZID, mitm: true}, {seq: 1, ssrc: 0x55667788}))
  kit.udp(phone, pbx, zrtpHello({clientId: 'LINPHONE-ZRTPCPP', zid: ALICE_ZID}, {seq: 2})) // a retransmission
  kit.udp(pbx, phone, zrtpSimple('HelloACK', undefined, {seq: 2, ssrc: 0x55667788}))
  kit.udp(phone, pbx, zrtpSimple('HelloACK', undefined, {seq: 3}))
  kit.udp(phone, pbx, zrtpCommit(ALICE_ZID, ['S256', 'AES1', 'HS32', 'X255', 'B32'], {seq: 4}))
  kit.udp(pbx, phone, zrtpSimple('DHPart1', Buffer.alloc(32 + 16 + 32 + 8, 1), {seq: 3, ssrc: 0x55667788}))
  kit.udp(phone, pbx, zrtpSimple('DHPart2', Buffer.alloc(32 + 16 + 32 + 8, 2), {seq: 5}))
  kit.udp(pbx, phone, zrtpSimple('Confirm1', Buffer.alloc(8 + 16 + 32 + 8, 3), {seq: 4, ssrc: 0x55667788}))
  kit.udp(phone, pbx, zrtpSimple('Confirm2', Buffer.alloc(8 + 16 + 32 + 8, 4), {seq: 6}))
  kit.udp(pbx, phone, zrtpSimple('Conf2ACK', undefined, {seq: 5, ssrc: 0x55667788}))
  if (o.goClear) kit.udp(pbx, phone, zrtpSimple('GoClear', Buffer.alloc(8, 5), {seq: 6, ssrc: 0x55667788}))
  return {phone, pbx}
}

describe('ZRTP analyzer', () => {
  it('reads both Hellos once each, the Commit, the completed key agreement and a GoClear, from a call that starts with RTP', async () => {
    const kit = new CaptureKit()
    const {phone, pbx} = zrtpCall(kit, {goClear: true})
    const f = factsOn<ZrtpFacts>(await kit.analyze([zrtpAnalyzer]), 'zrtp', phone, pbx)
    expect(f).toBeDefined()
    expect(f!.evidence.frame).toBe(4)
    expect(f!.messages).toBe(12)
    expect(f!.types).toEqual({Hello: 3, HelloACK: 2, Commit: 1, DHPart1: 1, DHPart2: 1, Confirm1: 1, Confirm2: 1, Conf2ACK: 1, GoClear: 1})
    expect(f!.hellos.map((h) => [h.evidence.frame, h.fromClient, h.clientId, h.zid, h.mitm])).toEqual([
      [4, true, 'LINPHONE-ZRTPCPP', 'a11ce0000000000000000001', false],
      [5, false, 'Acme PBX ZRTP', '0b0b0b0b0b0b0b0b0b0b0b0b', true],
    ])
    expect(f!.commit).toMatchObject({fromClient: true, keyAgreement: 'X255', cipher: 'AES1'})
    expect(f!.keyAgreed).toBe(true)
    expect(f!.goClear?.frame).toBe(15)
  })

  it('lets go of a media flow with no ZRTP among its first packets, and of flows that are not media', async () => {
    const kit = new CaptureKit()
    const a = {ip: '192.168.1.20', port: 40000}
    const b = {ip: '198.51.100.7', port: 40002}
    for (let i = 0; i < 250; i++) kit.udp(a, b, rtp({pt: 0, seq: i, timestamp: 160 * i, ssrc: 1}, Buffer.alloc(160, 0xd5)), 20_000)
    kit.udp(a, b, zrtpHello())
    const dns = {ip: '192.168.1.20', port: 53000}
    kit.udp(dns, {ip: '9.9.9.9', port: 53}, zrtpHello())
    const flows = await kit.analyze([zrtpAnalyzer])
    expect(factsOn(flows, 'zrtp', a, b)).toBeUndefined()
    // A first packet that is not RTP, STUN or ZRTP: never probed (here a ZRTP packet first would be read).
    const kit2 = new CaptureKit()
    kit2.udp(a, b, Buffer.from('hello there, not media'))
    kit2.udp(a, b, zrtpHello())
    expect(factsOn(await kit2.analyze([zrtpAnalyzer]), 'zrtp', a, b)).toBeUndefined()
  })

  it('leaves the RTP analyzer its stream on the same flow', async () => {
    const kit = new CaptureKit()
    const {phone, pbx} = zrtpCall(kit, {rtpBefore: 40})
    const flows = await kit.analyze(ALL_ANALYZERS)
    expect(factsOn(flows, 'zrtp', phone, pbx)).toBeDefined()
    expect(factsOn<{streams: Array<{ssrc: string; packets: number}>}>(flows, 'rtp', phone, pbx)?.streams[0]).toMatchObject({packets: 40})
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('ZRTP agrees with tshark (second opinion)', () => {
  it('message types, client ids, ZIDs and flags of each ZRTP packet', async () => {
    const kit = new CaptureKit()
    zrtpCall(kit, {goClear: true})
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-zrtp-'))
    try {
      const path = join(dir, 'zrtp.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      // ZRTP rides on the RTP port: tshark finds it with its RTP heuristic on.
      const out = execFileSync('tshark', ['-r', path, '-o', 'rtp.heuristic_rtp:TRUE', '-Y', 'zrtp', '-T', 'fields', '-e', 'frame.number', '-e', 'zrtp.type', '-e', 'zrtp.client_source_id', '-e', 'zrtp.zid', '-e', 'zrtp.mitm', '-e', 'zrtp.checksum.status'], {encoding: 'utf8'})
      const rows = out.trim().split('\n').map((l) => l.split('\t'))
      const ours = (await kit.analyze([zrtpAnalyzer]))[0]!.protocols!['zrtp'] as ZrtpFacts
      expect(rows.length).toBe(ours.messages)
      // Every checksum good: the builder makes what real endpoints send.
      expect(rows.every((r) => r[5] === '1' || r[5] === 'Good')).toBe(true)
      const hellos = rows.filter((r) => r[2] !== '')
      expect(hellos.map((r) => [Number(r[0]), r[2]!.trim(), r[3]!.replace(/:/g, ''), r[4] === '1' || r[4] === 'True'])).toEqual(
        [[4, 'LINPHONE-ZRTPCPP', 'a11ce0000000000000000001', false], [5, 'Acme PBX ZRTP', '0b0b0b0b0b0b0b0b0b0b0b0b', true], [6, 'LINPHONE-ZRTPCPP', 'a11ce0000000000000000001', false]],
      )
      expect(ours.hellos.map((h) => [h.evidence.frame, h.clientId, h.zid, h.mitm])).toEqual(hellos.slice(0, 2).map((r) => [Number(r[0]), r[2]!.trim(), r[3]!.replace(/:/g, ''), r[4] === '1' || r[4] === 'True']))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
