import {execFileSync, spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {tempDir} from '../../helpers/temp-dir.js'
import {readH245} from '../../../src/protocols/h323/h245-message.js'
import {type H245Facts, h245Analyzer} from '../../../src/protocols/h323/h245-analyzer.js'
import {type H323Facts, h323Analyzer} from '../../../src/protocols/h323/h323-analyzer.js'
import {tunnelledH245} from '../../../src/protocols/h323/h225-tunnel.js'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {CaptureKit, factsOn} from '../rtp/capture-kit.js'
import {h225Answer, h225Setup, h245ControlAdditions, PerWriter, Q931, q931, tpkt} from '../../support/h323-builders.js'
import {
  h225TunnelledH245, h245MasterSlaveDetermination, h245OpenLogicalChannel, openLogicalChannelBody, h245OpenLogicalChannelAck, h245TerminalCapabilitySet, h245TerminalCapabilitySetAck, h245UserInputAlphanumeric, h245UserInputSignal, h245UserInputSignalUpdate,
} from '../../support/h245-builders.js'
import {tcpExchange, type Turn} from '../../support/tcp-exchange.js'

const endpoint = {ip: '192.168.1.30', port: 11000}
const mcu = {ip: '198.51.100.40', port: 1503}
const read = (b: Buffer) => readH245(b, 0, b.length)

describe('H.245 messages (aligned PER)', () => {
  it('names each message by its CHOICE indices', () => {
    expect(read(h245TerminalCapabilitySet())).toEqual({kind: 'request', name: 'terminalCapabilitySet'})
    expect(read(h245MasterSlaveDetermination())).toEqual({kind: 'request', name: 'masterSlaveDetermination'})
    expect(read(h245TerminalCapabilitySetAck())).toEqual({kind: 'response', name: 'terminalCapabilitySetAck'})
  })

  it('reads where an openLogicalChannelAck says the media and its reports go, IPv4 and IPv6', () => {
    expect(read(h245OpenLogicalChannelAck(101, {sessionId: 1, media: {ip: '198.51.100.40', port: 16400}, control: {ip: '198.51.100.40', port: 16401}}))).toEqual({
      kind: 'response',
      name: 'openLogicalChannelAck',
      ack: {sessionId: 1, mediaChannel: {ip: '198.51.100.40', port: 16400}, mediaControlChannel: {ip: '198.51.100.40', port: 16401}},
    })
    expect(read(h245OpenLogicalChannelAck(2, {sessionId: 2, media: {ip: '2001:db8::30', port: 5004}}))!.ack).toEqual({sessionId: 2, mediaChannel: {ip: '2001:db8::30', port: 5004}, mediaControlChannel: null})
  })

  it('names the medium and codec an openLogicalChannel opens, and where its RTCP and a reverse channel\'s RTP go', () => {
    expect(read(h245OpenLogicalChannel(101, 1, {control: {ip: '10.0.0.9', port: 5001}}))).toEqual({
      kind: 'request',
      name: 'openLogicalChannel',
      opens: {medium: 'audio', codec: 'g711Alaw64k', mediaChannel: null, mediaControlChannel: {ip: '10.0.0.9', port: 5001}},
    })
    expect(read(h245OpenLogicalChannel(102, 10, {control: {ip: '10.0.0.9', port: 5003}, reverseMedia: {ip: '2001:db8::9', port: 5002}}))!.opens).toEqual({
      medium: 'audio',
      codec: 'g729',
      mediaChannel: {ip: '2001:db8::9', port: 5002},
      mediaControlChannel: {ip: '10.0.0.9', port: 5003},
    })
  })

  it('tells a userInput that carries keys (alphanumeric, signal) from one that does not (signalUpdate)', () => {
    expect(read(h245UserInputAlphanumeric('1234#'))).toEqual({kind: 'indication', name: 'userInput', keys: 'alphanumeric'})
    expect(read(h245UserInputSignal('7'))).toEqual({kind: 'indication', name: 'userInput', keys: 'signal'})
    expect(read(h245UserInputSignalUpdate())).toEqual({kind: 'indication', name: 'userInput'})
  })

  it('refuses indices beyond a CHOICE\'s root and bytes that end too soon', () => {
    // RDP's X.224 Connection Request in TPKT: 0x0e would be request #14, which H.245 has not.
    expect(read(Buffer.from('0ee000000000000000', 'hex'))).toBeUndefined()
    expect(read(Buffer.alloc(0))).toBeUndefined()
    // An ack cut short keeps its name, without addresses.
    const ack = h245OpenLogicalChannelAck(3, {sessionId: 1, media: {ip: '10.0.0.1', port: 5000}})
    expect(read(ack.subarray(0, ack.length - 3))).toMatchObject({name: 'openLogicalChannelAck'})
    expect(read(ack.subarray(0, ack.length - 3))!.ack?.mediaChannel ?? null).toBeNull()
  })
})

/** An H.245 session as a room system and an MCU hold it: capability sets, master/slave, each
 * side opening its audio channel and the other acknowledging it, then keys the caller presses. */
function session(): Turn[] {
  return [
    [true, tpkt(h245TerminalCapabilitySet(1))],
    [false, Buffer.concat([tpkt(h245TerminalCapabilitySet(7)), tpkt(h245MasterSlaveDetermination())])],
    [true, tpkt(h245TerminalCapabilitySetAck(7))],
    [true, tpkt(h245OpenLogicalChannel(101, 3))],
    [false, tpkt(h245OpenLogicalChannelAck(101, {sessionId: 1, media: {ip: mcu.ip, port: 16400}, control: {ip: mcu.ip, port: 16401}}))],
    [true, tpkt(h245OpenLogicalChannelAck(2, {sessionId: 1, media: {ip: endpoint.ip, port: 5004}, control: {ip: endpoint.ip, port: 5005}}))],
    [true, tpkt(h245UserInputAlphanumeric('4'))],
    [true, tpkt(h245UserInputSignal('7'))],
    [true, tpkt(h245UserInputSignalUpdate())],
    [true, tpkt(h245UserInputSignal('#'))],
  ]
}

describe('H.245 analyzer', () => {
  it.each([[[1000]], [[5, 3, 17]]])('counts every message, keeps each channel\'s media addresses and counts the key indications (segments of %j)', async (sizes) => {
    const kit = new CaptureKit()
    tcpExchange(kit, endpoint, mcu, session(), sizes, {firstWhole: true})
    const facts = factsOn<H245Facts>(await kit.analyze([h245Analyzer]), 'h245', endpoint, mcu)!
    expect(facts.messages).toBe(11)
    expect(facts.counts).toEqual([
      {name: 'terminalCapabilitySet', count: 2},
      {name: 'masterSlaveDetermination', count: 1},
      {name: 'terminalCapabilitySetAck', count: 1},
      {name: 'openLogicalChannel', count: 1},
      {name: 'openLogicalChannelAck', count: 2},
      {name: 'userInput', count: 4},
    ])
    expect(facts.opened.map((o) => [o.sentBy, o.medium, o.codec])).toEqual([['client', 'audio', 'g711Ulaw64k']])
    expect(facts.channels.map((c) => [c.sentBy, c.sessionId, c.mediaChannel, c.mediaControlChannel])).toEqual([
      ['server', 1, {ip: mcu.ip, port: 16400}, {ip: mcu.ip, port: 16401}],
      ['client', 1, {ip: endpoint.ip, port: 5004}, {ip: endpoint.ip, port: 5005}],
    ])
    expect(facts.keys).toMatchObject({keyPresses: 3, forms: ['alphanumeric', 'signal']})
    expect(facts.truncated).toBe(false)
    const lines = h245Analyzer.describe(facts)
    expect(lines[0]).toBe('H.245 media control: 11 messages (terminalCapabilitySet ×2, masterSlaveDetermination ×1, terminalCapabilitySetAck ×1, openLogicalChannel ×1, openLogicalChannelAck ×2, userInput ×4)')
    expect(lines).toContain(`H.245 channel opened by the client: audio g711Ulaw64k (frame ${facts.opened[0]!.evidence.frame})`)
    expect(lines).toContain(`H.245 channel acknowledged by the server (session 1): media to ${mcu.ip}:16400, RTCP to ${mcu.ip}:16401 (frame ${facts.channels[0]!.evidence.frame})`)
    expect(lines).toContain(`H.245 userInput: 3 DTMF key indications readable in clear (alphanumeric, signal, from frame ${facts.keys!.first.frame})`)
  })

  it('takes a flow only on a capability set or master/slave determination in TPKT; call signalling stays H.225.0\'s', async () => {
    const kit = new CaptureKit()
    const other = {ip: '192.168.1.31', port: 40000}
    const gk = {ip: '198.51.100.41', port: 1720}
    tcpExchange(kit, other, gk, [[true, tpkt(q931(Q931.SETUP, {uuie: h225Setup({source: [{h323Id: 'room-1'}]})}))]], [1000])
    const rdp = {ip: '198.51.100.42', port: 3389}
    tcpExchange(kit, other, rdp, [[true, Buffer.from('030000130ee000000000000100080003000000', 'hex')]], [1000])
    const flows = await kit.analyze([h245Analyzer, h323Analyzer])
    expect(factsOn(flows, 'h245', other, gk)).toBeUndefined()
    expect(factsOn(flows, 'h323', other, gk)).toBeDefined()
    expect(factsOn(flows, 'h245', other, rdp)).toBeUndefined()
  })

  it('lets a direction go when its bytes stop being H.245 in TPKT, keeping what it read', async () => {
    const kit = new CaptureKit()
    tcpExchange(kit, endpoint, mcu, [[true, tpkt(h245TerminalCapabilitySet(1))], [true, Buffer.from('GET / HTTP/1.1\r\n\r\n')], [true, tpkt(h245UserInputSignal('1'))]], [1000])
    const facts = factsOn<H245Facts>(await kit.analyze([h245Analyzer]), 'h245', endpoint, mcu)!
    expect(facts.messages).toBe(1)
    expect(facts.keys).toBeUndefined()
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

/** tshark's H.245 PDUs of a capture: how many, the addresses responses give (an
 * openLogicalChannelAck's; IPv4 then IPv6 ones of each frame, in order), and the userInput
 * alternatives. An openLogicalChannel request names its sender's RTCP address too, after a
 * dataType of many forms this reader does not follow: those are left out. */
function tsharkH245(path: string, decodeAs?: string, requestsToo = false): {pdus: number; addresses: string[]; userInput: string[]} {
  const fields = ['h245.pdu_type', 'h245.ip4_network', 'h245.tsapIdentifier', 'h245.ip6_network', 'h245.ipv6.tsapIdentifier', 'h245.userInput']
  const out = execFileSync('tshark', ['-r', path, ...(decodeAs ? ['-d', decodeAs] : []), '-Y', 'h245', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;', ...fields.flatMap((f) => ['-e', f])], {encoding: 'utf8'})
  let pdus = 0
  const addresses: string[] = []
  const userInput: string[] = []
  for (const line of out.trim().split('\n')) {
    const columns = line.split('\t')
    const [types, v4, v4Ports, v6, v6Ports, input] = fields.map((_, i) => (columns[i] ? columns[i]!.split(';') : []))
    pdus += types!.length
    userInput.push(...input!)
    if (!types!.includes('1') && !requestsToo) continue
    v4!.forEach((ip, i) => addresses.push(`${ip}:${v4Ports![i]}`))
    v6!.forEach((ip, i) => addresses.push(`${ip}:${v6Ports![i]}`))
  }
  return {pdus, addresses, userInput}
}

describe.skipIf(!haveTshark)('H.245 agrees with tshark (second opinion)', () => {
  it('as many messages, the same media addresses, a key for each alphanumeric and signal userInput', async () => {
    const kit = new CaptureKit()
    tcpExchange(kit, endpoint, mcu, session(), [1000])
    const path = join(tempDir(), 'h245.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    const oracle = tsharkH245(path, `tcp.port==${endpoint.port},h245`)
    const facts = factsOn<H245Facts>(await kit.analyze([h245Analyzer]), 'h245', endpoint, mcu)!
    expect(facts.messages).toBe(oracle.pdus)
    expect(facts.channels.flatMap((c) => [c.mediaChannel, c.mediaControlChannel]).map((a) => `${a!.ip}:${a!.port}`)).toEqual(oracle.addresses)
    // Wireshark numbers UserInputIndication's alternatives root then extensions: 1 alphanumeric, 3 signal, 4 signalUpdate.
    expect(oracle.userInput).toEqual(['1', '3', '4', '3'])
    expect(facts.keys!.keyPresses).toBe(oracle.userInput.filter((u) => u === '1' || u === '3').length)
  })
})

describe.skipIf(!HAVE_CORPUS || !haveTshark)('H.245 on the corpus (h323.pcap: the H.245 connection of the OpenH323 call generator\'s call)', () => {
  it('reads the messages and media addresses tshark reads', async () => {
    const c = await collectFlows([corpusPath('h323.pcap')], {analyzers: ALL_ANALYZERS})
    const all = [...c.facts.values()].map((f) => f.h245 as H245Facts | undefined).filter((f): f is H245Facts => f !== undefined)
    expect(all).toHaveLength(1)
    const oracle = tsharkH245(corpusPath('h323.pcap'), undefined, true)
    // tshark finds H.245 there from the call signalling's h245Address; it counts 12 messages, two
    // in one frame (32: terminalCapabilitySetAck and masterSlaveDeterminationAck).
    expect(all[0]!.messages).toBe(oracle.pdus)
    // The openLogicalChannel requests (frames 38, 39) name their sender's RTCP address, the acks
    // (41, 42) where each side receives RTP and RTCP.
    const ours = [...all[0]!.opened, ...all[0]!.channels].sort((a, b) => a.evidence.frame - b.evidence.frame)
    expect(ours.flatMap((ch) => [ch.mediaChannel, ch.mediaControlChannel]).filter((a) => a !== null).map((a) => `${a!.ip}:${a!.port}`)).toEqual(oracle.addresses)
    expect(oracle.addresses).toEqual(['10.1.3.143:5001', '10.1.6.18:2007', '10.1.3.143:5000', '10.1.3.143:5001', '10.1.6.18:2006', '10.1.6.18:2007'])
    // tshark's Info column: "openLogicalChannel (g711A)" in frames 38 and 39.
    expect(all[0]!.opened.map((o) => [o.evidence.frame, o.medium, o.codec])).toEqual([[38, 'audio', 'g711Alaw64k'], [39, 'audio', 'g711Alaw64k']])
  })
})

/** A call whose endpoints tunnel H.245 in the call signalling: FACILITY messages with an empty
 * body carrying capability sets, a channel acknowledgement and two keys. */
function tunnelledCall(): Turn[] {
  return [
    [true, tpkt(q931(Q931.SETUP, {uuie: h225Setup({source: [{h323Id: 'room-1'}]})}))],
    [true, tpkt(q931(Q931.FACILITY, {uuie: h225TunnelledH245([h245TerminalCapabilitySet(1)])}))],
    [false, tpkt(q931(Q931.FACILITY, {fromDestination: true, uuie: h225TunnelledH245([h245TerminalCapabilitySet(2), h245OpenLogicalChannelAck(3, {sessionId: 1, media: {ip: mcu.ip, port: 16400}, control: {ip: mcu.ip, port: 16401}})])}))],
    [true, tpkt(q931(Q931.FACILITY, {uuie: h225TunnelledH245([h245UserInputSignal('1'), h245UserInputSignal('2')])}))],
  ]
}
const signalling = {ip: mcu.ip, port: 1720}

describe('H.245 tunnelled in H.225.0 (h245Control)', () => {
  it('finds each tunnelled message in an empty-bodied FACILITY, and in a SETUP read to its end', () => {
    const uuie = h225TunnelledH245([h245TerminalCapabilitySet(1), h245UserInputSignal('9')])
    expect(tunnelledH245(uuie, 0, uuie.length).map((m) => read(Buffer.from(uuie.subarray(m.start, m.end)))?.name)).toEqual(['terminalCapabilitySet', 'userInput'])
    const plain = h225Setup({source: [{h323Id: 'room-1'}]})
    expect(tunnelledH245(plain, 0, plain.length)).toEqual([])
    const setup = h225Setup({source: [{h323Id: 'room-1'}], destination: [{dialledDigits: '2098'}], h245: true, fastStart: [openLogicalChannelBody(1, 1)], tunnel: [h245TerminalCapabilitySet(1), h245MasterSlaveDetermination()]})
    expect(tunnelledH245(setup, 0, setup.length).map((m) => read(Buffer.from(setup.subarray(m.start, m.end)))?.name)).toEqual(['terminalCapabilitySet', 'masterSlaveDetermination'])
  })

  it.each(['callProceeding', 'alerting', 'connect'] as const)('reads a %s body to its end to reach the tunnelled messages', (body) => {
    const device = {vendor: {country: 181, manufacturer: 4660, product: 'Room Kit Pro', version: 'ce11.9'}, kinds: ['terminal' as const]}
    const uuie = h225Answer(body, device, {tunnel: [h245TerminalCapabilitySetAck(1), h245OpenLogicalChannelAck(1, {sessionId: 1, media: {ip: '10.0.0.9', port: 5000}})]})
    const names = tunnelledH245(uuie, 0, uuie.length).map((m) => read(Buffer.from(uuie.subarray(m.start, m.end)))?.name)
    expect(names).toEqual(['terminalCapabilitySetAck', 'openLogicalChannelAck'])
  })

  it.each([[[1000]], [[7, 11]]])('the call signalling keeps what its tunnelled H.245 says (segments of %j)', async (sizes) => {
    const kit = new CaptureKit()
    tcpExchange(kit, endpoint, signalling, tunnelledCall(), sizes, {firstWhole: true})
    const facts = factsOn<H323Facts>(await kit.analyze([h323Analyzer]), 'h323', endpoint, signalling)!
    expect(facts.counts).toEqual([{name: 'SETUP', count: 1}, {name: 'FACILITY', count: 3}])
    expect(facts.h245).toMatchObject({messages: 5, counts: [{name: 'terminalCapabilitySet', count: 2}, {name: 'openLogicalChannelAck', count: 1}, {name: 'userInput', count: 2}], keys: {keyPresses: 2, forms: ['signal']}})
    expect(facts.h245!.channels.map((c) => [c.sentBy, c.mediaChannel, c.mediaControlChannel])).toEqual([['server', {ip: mcu.ip, port: 16400}, {ip: mcu.ip, port: 16401}]])
    expect(h323Analyzer.describe(facts)).toContain('H.245 tunnelled in the call signalling: 5 messages (terminalCapabilitySet ×2, openLogicalChannelAck ×1, userInput ×2)')
  })
})

describe.skipIf(!haveTshark)('tunnelled H.245 agrees with tshark (second opinion)', () => {
  it('as many messages, the same media addresses and userInput forms', async () => {
    const kit = new CaptureKit()
    tcpExchange(kit, endpoint, signalling, tunnelledCall(), [1000])
    const path = join(tempDir(), 'tunnel.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    const oracle = tsharkH245(path)
    const facts = factsOn<H323Facts>(await kit.analyze([h323Analyzer]), 'h323', endpoint, signalling)!.h245!
    expect(facts.messages).toBe(oracle.pdus)
    expect(facts.channels.flatMap((c) => [c.mediaChannel, c.mediaControlChannel]).map((a) => `${a!.ip}:${a!.port}`)).toEqual(oracle.addresses)
    expect(oracle.userInput).toEqual(['3', '3'])
    expect(facts.keys!.keyPresses).toBe(oracle.userInput.length)
  })
})

/** An H323-UserInformation with root body `index` written by `body`, tunnelling `messages`. */
function uuieWithBody(index: number, body: (w: PerWriter) => void, messages: Buffer[]): Buffer {
  const w = new PerWriter()
  w.bool(false).bool(false).bool(true).bool(false)
  w.bool(false).bits(index, 3)
  body(w)
  h245ControlAdditions(w, messages)
  return w.toBuffer()
}
const H225_OID = [0x00, 0x08, 0x91, 0x4a, 0x00, 0x04]
/** Information-UUIE, ReleaseComplete-UUIE (reason inConf) and Facility-UUIE (a conferenceID, reason startH245). */
const BODIES = {
  information: [4, (w: PerWriter) => w.bool(false).length(H225_OID.length).octets(H225_OID)],
  releaseComplete: [5, (w: PerWriter) => w.bool(false).bool(true).length(H225_OID.length).octets(H225_OID).bool(false).bits(10, 4)],
  facility: [6, (w: PerWriter) => w.bool(false).bool(false).bool(false).bool(true).length(H225_OID.length).octets(H225_OID).octets(Buffer.alloc(16, 0x42)).bool(false).bits(3, 2)],
} as const

describe('H.245 tunnelled in the other bodies read to their end', () => {
  it.each(Object.keys(BODIES) as Array<keyof typeof BODIES>)('%s', (name) => {
    const [index, body] = BODIES[name]
    const uuie = uuieWithBody(index, body, [h245UserInputSignal('3'), h245TerminalCapabilitySetAck(2)])
    expect(tunnelledH245(uuie, 0, uuie.length).map((m) => read(Buffer.from(uuie.subarray(m.start, m.end)))?.name)).toEqual(['userInput', 'terminalCapabilitySetAck'])
  })

  it.skipIf(!haveTshark)('tshark reads the same messages in them, none malformed', async () => {
    const kit = new CaptureKit()
    const types = {information: 0x7b, releaseComplete: Q931.RELEASE_COMPLETE, facility: Q931.FACILITY}
    const turns: Turn[] = [[true, tpkt(q931(Q931.SETUP, {uuie: h225Setup({source: [{h323Id: 'room-1'}]})}))]]
    for (const name of Object.keys(BODIES) as Array<keyof typeof BODIES>) turns.push([true, tpkt(q931(types[name], {uuie: uuieWithBody(BODIES[name][0], BODIES[name][1], [h245UserInputSignal('3')])}))])
    tcpExchange(kit, endpoint, signalling, turns, [1000])
    const path = join(tempDir(), 'bodies.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    const malformed = execFileSync('tshark', ['-r', path, '-Y', '_ws.malformed || _ws.expert.severity >= "error"'], {encoding: 'utf8'})
    expect(malformed.trim()).toBe('')
    const oracle = tsharkH245(path)
    expect(oracle.userInput).toEqual(['3', '3', '3'])
    expect(factsOn<H323Facts>(await kit.analyze([h323Analyzer]), 'h323', endpoint, signalling)!.h245!.keys!.keyPresses).toBe(3)
  })
})

describe('Fast Connect (fastStart in the call signalling, H.323 §8.1.7)', () => {
  const fastCall = (): Turn[] => [
    [true, tpkt(q931(Q931.SETUP, {uuie: h225Setup({source: [{h323Id: 'room-1'}], fastStart: [openLogicalChannelBody(1, 1, {control: {ip: endpoint.ip, port: 5001}, reverseMedia: {ip: endpoint.ip, port: 5000}})]})}))],
    [false, tpkt(q931(Q931.CONNECT, {fromDestination: true, uuie: h225Answer('connect', {kinds: ['terminal']}, {fastStart: [openLogicalChannelBody(1, 3, {control: {ip: mcu.ip, port: 16401}, reverseMedia: {ip: mcu.ip, port: 16400}})]})}))],
  ]

  it('the SETUP\'s offered and the CONNECT\'s accepted channels: codec, and where each side receives RTP and RTCP', async () => {
    const kit = new CaptureKit()
    tcpExchange(kit, endpoint, signalling, fastCall(), [1000])
    const facts = factsOn<H323Facts>(await kit.analyze([h323Analyzer]), 'h323', endpoint, signalling)!
    expect(facts.h245!.opened.map((o) => [o.sentBy, o.fastStart, o.medium, o.codec, o.mediaChannel, o.mediaControlChannel])).toEqual([
      ['client', true, 'audio', 'g711Alaw64k', {ip: endpoint.ip, port: 5000}, {ip: endpoint.ip, port: 5001}],
      ['server', true, 'audio', 'g711Ulaw64k', {ip: mcu.ip, port: 16400}, {ip: mcu.ip, port: 16401}],
    ])
    // The SETUP's caller and aliases are read as before.
    expect(facts.kept[0]).toMatchObject({type: 'SETUP', sourceAliases: [{type: 'h323-ID', value: 'room-1'}]})
    expect(h323Analyzer.describe(facts)).toContain(`H.245 channel opened by the server (fastStart): audio g711Ulaw64k, media to ${mcu.ip}:16400, RTCP to ${mcu.ip}:16401 (frame ${facts.h245!.opened[1]!.evidence.frame})`)
  })

  it.skipIf(!haveTshark)('tshark reads the same addresses in both fastStarts, nothing malformed', async () => {
    const kit = new CaptureKit()
    tcpExchange(kit, endpoint, signalling, fastCall(), [1000])
    const path = join(tempDir(), 'fast.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    const out = execFileSync('tshark', ['-r', path, '-Y', 'h225', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;', '-e', 'h245.ip4_network', '-e', 'h245.tsapIdentifier', '-e', '_ws.malformed'], {encoding: 'utf8'})
    const rows = out.trim().split('\n').map((l) => l.split('\t')).filter((r) => r[0] !== '')
    expect(rows.map((r) => r[2] ?? '')).toEqual(['', ''])
    const theirs = rows.flatMap((row) => row[0]!.split(';').map((ip, i) => `${ip}:${row[1]!.split(';')[i]}`)).sort()
    expect(theirs).toEqual([`${endpoint.ip}:5000`, `${endpoint.ip}:5001`, `${mcu.ip}:16400`, `${mcu.ip}:16401`].sort())
  })
})
