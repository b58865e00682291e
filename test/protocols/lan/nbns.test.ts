import {describe, expect, it} from 'vitest'
import {decodeNetbiosName, parseNbns} from '../../../src/protocols/lan/nbns.js'

/** RFC 1001 §14.1 first-level encoding of a NetBIOS name (space-padded) with its suffix. */
function encodeNetbios(name: string, suffix: number, pad = 0x20): number[] {
  const bytes = [...Buffer.from(name.toUpperCase(), 'latin1')]
  while (bytes.length < 15) bytes.push(pad)
  bytes.push(suffix)
  const label = bytes.flatMap((b) => [0x41 + (b >> 4), 0x41 + (b & 15)])
  return [32, ...label, 0]
}

function header(id: number, flags: number, qd: number, an: number, ar: number): number[] {
  return [id >> 8, id & 255, flags >> 8, flags & 255, 0, qd, 0, an, 0, 0, 0, ar]
}

describe('decodeNetbiosName', () => {
  it('decodes the 32-letter label, its suffix and scope', () => {
    expect(decodeNetbiosName('EGEFCACACACACACACACACACACACACAAA')).toEqual({name: 'FE', suffix: '00', scope: null})
    expect(decodeNetbiosName('FHEPFCELEHFCEPFFFACACACACACACABN.corp.example')).toEqual({name: 'WORKGROUP', suffix: '1d', scope: 'corp.example'})
    expect(decodeNetbiosName('not-netbios')).toBeNull()
    expect(decodeNetbiosName('ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBeNull()
  })
})

describe('parseNbns', () => {
  it('reads a name registration with the address it binds', () => {
    const question = [...encodeNetbios('DESKTOP-AB12', 0x00), 0, 0x20, 0, 1]
    const additional = [0xc0, 12, 0, 0x20, 0, 1, 0, 3, 0xf4, 0x80, 0, 6, 0, 0, 192, 168, 1, 23]
    const m = parseNbns(Uint8Array.from([...header(0x8001, 0x2910, 1, 0, 1), ...question, ...additional]))!
    expect(m).toEqual({id: 0x8001, response: false, opcode: 'registration', rcode: 0, names: [{name: 'DESKTOP-AB12', suffix: '00', scope: null}], addresses: ['192.168.1.23'], mac: null, malformed: null})
  })

  it('reads an NBSTAT response: every name of the node and its MAC address', () => {
    // NODE_STATUS RDATA: NUM_NAMES, per name 16 octets + 2 flag octets, then statistics whose
    // first 6 octets are the unit id (RFC 1002 §4.2.18).
    const table = [2, ...Buffer.from('ALICE-PC       \u0000', 'latin1'), 0x04, 0x00, ...Buffer.from('WORKGROUP      \u0000', 'latin1'), 0x84, 0x00]
    const rdata = [...table, 0xa4, 0x83, 0xe7, 0x12, 0x34, 0x56, ...new Array(40).fill(0)]
    // The owner is the '*' wildcard (NUL-padded), written out: the response has no question.
    const owner = encodeNetbios('*', 0x00, 0)
    const answer = [...owner, 0, 0x21, 0, 1, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 255, ...rdata]
    const m = parseNbns(Uint8Array.from([...header(7, 0x8400, 0, 1, 0), ...answer]))!
    expect(m.names).toEqual([
      {name: 'ALICE-PC', suffix: '00', scope: null},
      {name: 'WORKGROUP', suffix: '00', scope: null},
    ])
    expect(m.mac).toBe('a4:83:e7:12:34:56')
    expect(m.response).toBe(true)
  })

  it('shares the names of repeated messages (frozen) and gives the same values', () => {
    const question = [...encodeNetbios('DESKTOP-AB12', 0x00), 0, 0x20, 0, 1]
    const additional = [0xc0, 12, 0, 0x20, 0, 1, 0, 3, 0xf4, 0x80, 0, 6, 0, 0, 192, 168, 1, 23]
    const bytes = Uint8Array.from([...header(0x8001, 0x2910, 1, 0, 1), ...question, ...additional])
    const a = parseNbns(bytes)!
    const b = parseNbns(bytes)!
    expect(b.names).toBe(a.names)
    expect(b.addresses).toBe(a.addresses)
    expect(Object.isFrozen(a.names[0])).toBe(true)
    expect(JSON.stringify(b)).toBe(
      '{"id":32769,"response":false,"opcode":"registration","rcode":0,"names":[{"name":"DESKTOP-AB12","suffix":"00","scope":null}],"addresses":["192.168.1.23"],"mac":null,"malformed":null}',
    )
  })

  it('never throws on truncated or random messages', () => {
    const msg = Uint8Array.from([...header(1, 0x0110, 1, 0, 0), ...encodeNetbios('HOST', 0x20), 0, 0x20, 0, 1])
    for (let n = 0; n <= msg.length; n++) parseNbns(msg.subarray(0, n))
    expect(parseNbns(msg.subarray(0, 11))).toBeNull()
  })
})
