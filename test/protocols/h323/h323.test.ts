import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {PerReader} from '../../../src/protocols/h323/per-reader.js'
import {parseQ931} from '../../../src/protocols/h323/q931.js'
import {readH225} from '../../../src/protocols/h323/h225-uuie.js'
import {type H323Facts, h323Analyzer} from '../../../src/protocols/h323/h323-analyzer.js'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {CaptureKit, type End, factsOn} from '../rtp/capture-kit.js'
import {h225Answer, h225Setup, PerWriter, Q931, q931, rasAdmissionRequest, rasRegistrationRequest, tpkt} from '../../support/h323-builders.js'
import {readRas} from '../../../src/protocols/h323/h225-ras.js'
import {tcpExchange, type Turn} from '../../support/tcp-exchange.js'

const CALLER_DEVICE = {vendor: {country: 181, manufacturer: 0x1234, product: 'Room Kit Pro', version: 'ce11.9.2.4'}, kinds: ['terminal' as const]}
const setupUuie = () => h225Setup({source: [{h323Id: 'Jürgen Müller'}, {dialledDigits: '2098#*,1'}, {email: 'j.mueller@acme-ministry.example'}], destination: [{url: 'h323:boardroom@acme-ministry.example'}, {dialledDigits: '5295672'}], sourceInfo: {...CALLER_DEVICE, kinds: ['terminal', 'mcu']}, h245: true})

describe('aligned PER (X.691)', () => {
  it('reads bit-fields, aligned octets, constrained numbers of each width, lengths and CHOICE indexes', () => {
    const w = new PerWriter().bits(5, 3).bits(200, 8).align().bits(0xbeef, 16).length(300).length(5).bits(1, 1).bits(0, 1).bits(3, 6)
    const r = new PerReader(w.toBuffer(), 0, w.toBuffer().length)
    expect(r.constrained(0, 7)).toBe(5) // 3 bits, not aligned
    expect(r.bits(8)).toBe(200)
    expect(r.constrained(0, 65536)).toBe(0xbeef) // two octets, aligned
    expect(r.length()).toBe(300)
    expect(r.length()).toBe(5)
    expect(r.choice(7, true)).toBe(-1 - 3) // an extension alternative
    expect(r.ok).toBe(true)
    expect(r.bits(8)).toBe(0)
    expect(r.ok).toBe(false) // past the end: reads give 0 and ok turns false
  })
})

describe('Q.931 in H.225.0', () => {
  it('reads the message type, Display, calling and called numbers, and where the User-user element lies (two-octet length)', () => {
    const uuie = Buffer.from([1, 2, 3, 4])
    const m = parseQ931(q931(Q931.SETUP, {display: 'Jurgen M', calling: '4930123', called: '2098', uuie}), 0, 200)
    expect(m).toEqual({type: 'SETUP', fromDestination: false, display: 'Jurgen M', callingNumber: '4930123', calledNumber: '2098', userUser: expect.objectContaining({})})
    const bytes = q931(Q931.SETUP, {display: 'Jurgen M', calling: '4930123', called: '2098', uuie})
    const again = parseQ931(bytes, 0, bytes.length)!
    expect(Buffer.from(bytes.subarray(again.userUser!.start, again.userUser!.end))).toEqual(uuie)
    expect(parseQ931(q931(Q931.CONNECT, {fromDestination: true}), 0, 12)).toMatchObject({type: 'CONNECT', fromDestination: true, display: null})
  })

  it('refuses what is not Q.931, and reads every cut of a message without an exception', () => {
    expect(parseQ931(Buffer.from([0x09, 0x02, 0, 1, 5]), 0, 5)).toBeUndefined()
    expect(parseQ931(Buffer.from([0x08, 0x07, 0, 1, 5]), 0, 5)).toBeUndefined()
    const bytes = q931(Q931.SETUP, {display: 'x', calling: '1', called: '2', uuie: setupUuie()})
    for (let cut = 0; cut <= bytes.length; cut++) expect(() => parseQ931(bytes, 0, cut)).not.toThrow()
  })
})

describe('H.225.0 messages (aligned PER)', () => {
  it('reads a Setup: the caller\'s aliases of each kind, its device, and the called aliases after it', () => {
    const uuie = setupUuie()
    expect(readH225(uuie, 0, uuie.length)).toEqual({
      body: 'setup',
      sourceAliases: [
        {type: 'h323-ID', value: 'Jürgen Müller'},
        {type: 'dialledDigits', value: '2098#*,1'},
        {type: 'email-ID', value: 'j.mueller@acme-ministry.example'},
      ],
      destinationAliases: [
        {type: 'url-ID', value: 'h323:boardroom@acme-ministry.example'},
        {type: 'dialledDigits', value: '5295672'},
      ],
      endpoint: {t35CountryCode: 181, manufacturerCode: 0x1234, productId: 'Room Kit Pro', versionId: 'ce11.9.2.4', kinds: ['mcu', 'terminal']},
    })
  })

  it('reads the answering device from CallProceeding, Alerting and Connect', () => {
    for (const body of ['callProceeding', 'alerting', 'connect'] as const) {
      const uuie = h225Answer(body, {vendor: {country: 0, manufacturer: 0, product: '310i', version: 'R'}})
      expect(readH225(uuie, 0, uuie.length), body).toMatchObject({body, endpoint: {productId: '310i', versionId: 'R', kinds: ['terminal']}})
    }
  })

  it('keeps what it read when a structure it does not follow comes first (a gateway listing its protocols)', () => {
    const uuie = h225Setup({source: [{h323Id: 'gw1'}], destination: [{dialledDigits: '55'}], sourceInfo: {kinds: ['gateway'], gatewayProtocols: true, vendor: {country: 9, manufacturer: 61, product: 'GW'}}})
    expect(readH225(uuie, 0, uuie.length)).toMatchObject({sourceAliases: [{type: 'h323-ID', value: 'gw1'}], destinationAliases: [], endpoint: {productId: 'GW', kinds: ['gateway']}})
  })

  it('reads every cut of a message, and random bytes, without an exception', () => {
    const uuie = setupUuie()
    for (let cut = 0; cut <= uuie.length; cut++) expect(() => readH225(uuie, 0, cut)).not.toThrow()
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({length: 1 + (i % 90)}, random))
      expect(() => readH225(b, 0, b.length)).not.toThrow()
    }
  })
})

const rrq = () => rasRegistrationRequest({aliases: [{h323Id: '20203@acme-ministry.example'}, {dialledDigits: '2098'}], terminal: {vendor: {country: 130, manufacturer: 256, product: 'Tandberg'}, kinds: ['terminal']}, vendor: {country: 130, manufacturer: 256, product: 'Tandberg', version: 'TC7.3.6'}})
const arq = () => rasAdmissionRequest({source: [{dialledDigits: '2098'}, {email: 'j.mueller@acme-ministry.example'}], destination: [{h323Id: 'boardroom-3'}]})

describe('H.225.0 RAS (aligned PER)', () => {
  it('reads a RegistrationRequest: the aliases an endpoint registers and its device (endpointVendor)', () => {
    const b = rrq()
    expect(readRas(b, 0, b.length)).toEqual({
      body: 'registrationRequest',
      sourceAliases: [{type: 'h323-ID', value: '20203@acme-ministry.example'}, {type: 'dialledDigits', value: '2098'}],
      destinationAliases: [],
      endpoint: {t35CountryCode: 130, manufacturerCode: 256, productId: 'Tandberg', versionId: 'TC7.3.6', kinds: ['terminal']},
    })
  })

  it('reads an AdmissionRequest: who asks the gatekeeper to call whom', () => {
    const b = arq()
    expect(readRas(b, 0, b.length)).toMatchObject({body: 'admissionRequest', sourceAliases: [{type: 'dialledDigits', value: '2098'}, {type: 'email-ID', value: 'j.mueller@acme-ministry.example'}], destinationAliases: [{type: 'h323-ID', value: 'boardroom-3'}]})
  })

  it('tells H.225.0 from other bytes: a protocolIdentifier that is not H.225.0\'s, a digit outside the alphabet, an ARQ whose endpoint identifier is not text', () => {
    const swapOid = (b: Buffer) => Buffer.from(b.toString('hex').replace('0008914a', '0008914b'), 'hex')
    const setup = setupUuie()
    expect(readH225(swapOid(setup), 0, setup.length)).toBeUndefined()
    expect(readRas(swapOid(rrq()), 0, rrq().length)).toBeUndefined()
    // dialledDigits '5' is index 8 (0x8): 0xe is outside "#*,0123456789".
    const digits = h225Setup({source: [{dialledDigits: '55'}]})
    const bad = Buffer.from(digits.toString('hex').replace('88', '8e'), 'hex')
    expect(readH225(bad, 0, bad.length)).toBeUndefined()
    const b = arq()
    const control = Buffer.from(b.toString('hex').replace('0065', '0001'), 'hex') // 'e' of "ep-17" → U+0001
    expect(readRas(b, 0, b.length)).toBeDefined()
    expect(readRas(control, 0, control.length)).toBeUndefined()
  })

  it('names the other messages, and reads every cut of one without an exception', () => {
    expect(readRas(Buffer.from([0x10, 0, 0]), 0, 3)?.body).toBe('registrationConfirm')
    expect(readRas(Buffer.from([0x54, 0]), 0, 2)?.body).toBe('infoRequest')
    for (const b of [rrq(), arq()]) for (let cut = 0; cut <= b.length; cut++) expect(() => readRas(b, 0, cut)).not.toThrow()
  })
})

const terminal: End = {ip: '10.20.30.40', port: 50123}
const room: End = {ip: '198.51.100.20', port: 1720}

function call(kit: CaptureKit, sizes: number[], server = room): void {
  const toServer = [tpkt(q931(Q931.SETUP, {display: 'Jurgen Mueller', calling: '4930123', called: '2098', uuie: setupUuie()}))]
  const toClient = [
    tpkt(q931(Q931.CALL_PROCEEDING, {fromDestination: true, uuie: h225Answer('callProceeding', {vendor: {country: 0, manufacturer: 0, product: '310i', version: 'R'}})})),
    tpkt(q931(Q931.CONNECT, {fromDestination: true, display: 'Boardroom', uuie: h225Answer('connect', {vendor: {country: 0, manufacturer: 0, product: '310i', version: 'R'}})})),
  ]
  tcpExchange(kit, terminal, server, [[true, toServer[0]!], ...toClient.map((m): Turn => [false, m])], sizes)
}

describe('H.323 analyzer', () => {
  it('reads each TPKT packet of both directions however the segments fall', async () => {
    let first: H323Facts | undefined
    for (const sizes of [[1460], [1], [3, 50]]) {
      const kit = new CaptureKit()
      call(kit, sizes)
      const facts = factsOn<H323Facts>(await kit.analyze([h323Analyzer]), 'h323', terminal, room)!
      expect(facts, `segments ${sizes}`).toMatchObject({messages: 3, counts: [{name: 'SETUP', count: 1}, {name: 'CALL PROCEEDING', count: 1}, {name: 'CONNECT', count: 1}], truncated: false})
      expect(facts.kept[0]).toMatchObject({sentBy: 'client', type: 'SETUP', h225: 'setup', display: 'Jurgen Mueller', callingNumber: '4930123', calledNumber: '2098', endpoint: {productId: 'Room Kit Pro'}})
      expect(facts.kept[2]).toMatchObject({sentBy: 'server', type: 'CONNECT', display: 'Boardroom', endpoint: {productId: '310i'}})
      const strip = (f: H323Facts) => f.kept.map((m) => ({...m, evidence: undefined}))
      if (first) expect(strip(facts)).toEqual(strip(first))
      first ??= facts
    }
    const lines = h323Analyzer.describe(first!)
    expect(lines[0]).toBe('H.323 call signalling: 3 Q.931 messages (SETUP ×1, CALL PROCEEDING ×1, CONNECT ×1)')
    expect(lines).toContain(`H.323 caller alias h323-ID Jürgen Müller (frame ${first!.kept[0]!.evidence.frame})`)
    expect(lines).toContain(`H.323 device (client) Room Kit Pro ce11.9.2.4 (mcu, terminal; T.35 country 181, manufacturer 4660) (frame ${first!.kept[0]!.evidence.frame})`)
  })

  it('takes a flow off port 1720 by its first TPKT packet, and steps aside from bytes that are not TPKT', async () => {
    const kit = new CaptureKit()
    const elsewhere = {ip: room.ip, port: 11720}
    call(kit, [1460], elsewhere)
    expect(factsOn<H323Facts>(await kit.analyze([h323Analyzer]), 'h323', terminal, elsewhere)?.messages).toBe(3)
    const flow = {id: 1, transport: 'tcp' as const, client: terminal, server: room}
    const state = h323Analyzer.start(flow, () => ({frame: 1, capture: 0, time: ''}))
    const noise = Buffer.from('GET / HTTP/1.1\r\n\r\n')
    const packet = {bytes: noise, start: 0, end: noise.length, data: noise, toServer: true, seq: 1, streamStart: -1} as never
    expect(h323Analyzer.feed(state, packet)).toBe(true) // the other direction may still be H.323
    expect(h323Analyzer.feed(state, {...(packet as object), toServer: false} as never)).toBe(false)
    expect(h323Analyzer.finish(state)).toBeUndefined()
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('H.323 agrees with tshark (second opinion)', () => {
  it('RAS: message, aliases and device of a RegistrationRequest and an AdmissionRequest', async () => {
    const kit = new CaptureKit()
    const endpoint = {ip: '10.47.208.204', port: 1719}
    const gatekeeper = {ip: '10.47.208.50', port: 1719}
    kit.udp(endpoint, gatekeeper, rrq())
    kit.udp(endpoint, gatekeeper, arq())
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-ras-'))
    try {
      const path = join(dir, 'ras.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      const fields = ['frame.number', 'h225.RasMessage', 'h225.h323_ID', 'h225.dialledDigits', 'h225.email_ID', 'h225.productId', 'h225.versionId']
      const out = execFileSync('tshark', ['-r', path, '-Y', 'h225', '-T', 'fields', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])], {encoding: 'utf8'})
      const theirs = out.trim().split('\n').map((l) => l.split('\t'))
      const ours = factsOn<H323Facts>(await kit.analyze(ALL_ANALYZERS), 'h323', endpoint, gatekeeper)!
      expect(ours.transport).toBe('udp')
      expect(theirs.map((r) => [Number(r[0]), Number(r[1])])).toEqual([[1, 3], [2, 9]])
      expect(ours.kept.map((m) => m.type)).toEqual(['registrationRequest', 'admissionRequest'])
      theirs.forEach((r, i) => {
        const m = ours.kept[i]!
        const aliases = (type: string) => [...m.sourceAliases, ...m.destinationAliases].filter((a) => a.type === type).map((a) => a.value)
        expect(r[2]!.split('|').filter(Boolean).sort()).toEqual(aliases('h323-ID').sort())
        expect(r[3]!.split('|').filter(Boolean).sort()).toEqual(aliases('dialledDigits').sort())
        expect(r[4]!.split('|').filter(Boolean)).toEqual(aliases('email-ID'))
        // tshark lists the product of terminalType and of endpointVendor: ours is the latter's.
        if (m.endpoint?.productId) expect(r[5]!.split('|')).toContain(m.endpoint.productId)
      })
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('message types, Display, numbers, aliases and devices of each message', async () => {
    const kit = new CaptureKit()
    call(kit, [200, 90])
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-h323-'))
    try {
      const path = join(dir, 'h323.pcap')
      writeFileSync(path, kit.writer.toBuffer())
      const fields = ['frame.number', 'q931.message_type', 'q931.display_information', 'q931.calling_party_number.digits', 'q931.called_party_number.digits', 'h225.h323_ID', 'h225.dialledDigits', 'h225.email_ID', 'h225.url_ID', 'h225.productId', 'h225.versionId']
      const out = execFileSync('tshark', ['-r', path, '-Y', 'q931', '-T', 'fields', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])], {encoding: 'utf8'})
      const theirs = out.trim().split('\n').map((l) => l.split('\t'))
      const ours = factsOn<H323Facts>(await kit.analyze(ALL_ANALYZERS), 'h323', terminal, room)!
      expect(ours.kept.map((m) => m.evidence.frame)).toEqual(theirs.map((r) => Number(r[0])))
      const text = (hex: string) => (hex.includes(':') || /^[0-9a-f]+$/.test(hex) ? Buffer.from(hex.replace(/:/g, ''), 'hex').toString('latin1').replace(/\0+$/, '') : hex)
      theirs.forEach((r, i) => {
        const m = ours.kept[i]!
        expect(Number.parseInt(r[1]!, 16), `frame ${r[0]}`).toBe({SETUP: 5, 'CALL PROCEEDING': 2, CONNECT: 7}[m.type])
        expect(r[2] || null).toBe(m.display)
        expect(r[3] || null).toBe(m.callingNumber)
        expect(r[4] || null).toBe(m.calledNumber)
        const aliases = (type: string) => [...m.sourceAliases, ...m.destinationAliases].filter((a) => a.type === type).map((a) => a.value).join('|')
        expect(r[5]).toBe(aliases('h323-ID'))
        expect(r[6]).toBe(aliases('dialledDigits'))
        expect(r[7]).toBe(aliases('email-ID'))
        expect(r[8]).toBe(aliases('url-ID'))
        expect(r[9] ? text(r[9]) : null).toBe(m.endpoint?.productId ?? null)
        expect(r[10] ? text(r[10]) : null).toBe(m.endpoint?.versionId ?? null)
      })
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe.skipIf(!HAVE_CORPUS)('H.323 on the corpus (h323.pcap: an OpenH323 call generator calling a room system, and two other calls)', () => {
  it('reads what tshark reads: messages per flow, Display names, numbers, aliases and devices', async () => {
    const c = await collectFlows([corpusPath('h323.pcap')], {analyzers: ALL_ANALYZERS})
    const all = [...c.facts.values()].map((f) => f.h323 as H323Facts).filter(Boolean)
    const facts = all.filter((f) => f.transport === 'tcp')
    const row = (m: H323Facts['kept'][number]) => [m.evidence.frame, m.type, m.display, m.callingNumber, m.calledNumber, [...m.sourceAliases].map((a) => `${a.type} ${a.value}`), m.endpoint?.productId ?? null, m.endpoint?.versionId ?? null]
    // tshark -Y q931 -T fields -e frame.number -e q931.message_type -e q931.display_information
    // -e q931.calling_party_number.digits -e q931.called_party_number.digits -e h225.h323_ID
    // -e h225.dialledDigits -e h225.productId -e h225.versionId
    expect(facts.flatMap((f) => f.kept.map(row)).sort((x, y) => (x[0] as number) - (y[0] as number))).toEqual([
      [6, 'SETUP', 'm.jemec', null, null, ['h323-ID m.jemec'], 'Callgen323 pogacsam', '0.9alpha4'],
      [10, 'CALL PROCEEDING', null, null, null, [], '310i', 'R'],
      [14, 'ALERTING', null, null, null, [], '310i', 'R'],
      [18, 'CONNECT', 'M.JEMEC', null, null, [], '310i', 'R'],
      [47, 'SETUP', null, '17', null, ['h323-ID ABILIS CPX 2000'], null, null],
      [50, 'ALERTING', null, null, null, [], null, null],
      [65, 'SETUP', null, '5295672', '9246526', ['dialledDigits 5295672'], null, null],
      [66, 'RELEASE COMPLETE', null, null, null, [], null, null],
    ])
    // RAS: the Tandberg's registrations, and an endpoint's discovery, registration and admission of its call.
    const ras = all.filter((f) => f.transport === 'udp').flatMap((f) => f.kept.map((m) => [m.evidence.frame, m.type, m.sourceAliases.map((a) => `${a.type} ${a.value}`), m.endpoint?.productId ?? null]))
    expect(ras.filter((r) => (r[2] as string[]).length > 0 || r[3] !== null).sort((x, y) => (x[0] as number) - (y[0] as number))).toEqual([
      [59, 'gatekeeperRequest', ['dialledDigits 5295672'], null],
      [63, 'admissionRequest', ['dialledDigits 5295672'], null],
      [71, 'registrationRequest', ['h323-ID 20203@am.sol', 'dialledDigits 2098'], 'Tandberg'],
      [72, 'registrationConfirm', ['h323-ID 20203@am.sol', 'dialledDigits 2098'], null],
      [73, 'registrationRequest', ['h323-ID 20203@am.sol', 'dialledDigits 2098'], 'Tandberg'],
      [74, 'registrationConfirm', ['h323-ID 20203@am.sol', 'dialledDigits 2098'], null],
      [75, 'registrationRequest', ['h323-ID 20203@am.sol', 'dialledDigits 2098'], 'Tandberg'],
    ])
  })
})
