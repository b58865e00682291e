import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {CUT_MARK, capText, decodeWireText} from '../../src/util/wire-text.js'
import {BLOCK, PcapngWriter, pcapngBlock} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'

const bytes = (...b: Array<number | string>): Uint8Array => Uint8Array.from(b.flatMap((x) => (typeof x === 'string' ? [...Buffer.from(x, 'utf8')] : [x])))

describe('decodeWireText', () => {
  it('keeps well-formed UTF-8 as it is, a real U+FFFD included', () => {
    for (const text of ['zoom.us', 'é会議😀', 'a\ufffdb', '']) expect(decodeWireText(Buffer.from(text, 'utf8'), 255)).toBe(text)
  })

  it('shows each byte outside a well-formed sequence as \\xHH (RFC 3629 §4), keeping the rest', () => {
    // A lone continuation, a bad lead, a cut sequence, an overlong "(", a surrogate, past U+10FFFF.
    expect(decodeWireText(bytes('bad', 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 'mid'), 255)).toBe('bad\\xff\\xfe\\xc3(\\xe2\\x82mid')
    expect(decodeWireText(bytes(0xc0, 0xa8, 'x'), 255)).toBe('\\xc0\\xa8x')
    expect(decodeWireText(bytes(0xed, 0xa0, 0x80, 'end'), 255)).toBe('\\xed\\xa0\\x80end')
    expect(decodeWireText(bytes(0xf4, 0x90, 0x80, 0x80), 255)).toBe('\\xf4\\x90\\x80\\x80')
    expect(decodeWireText(bytes(0xe0, 0x9f, 0x80), 255)).toBe('\\xe0\\x9f\\x80')
    // Valid neighbours of the invalid bytes survive whole.
    expect(decodeWireText(bytes('é', 0x80, '😀', 0xf0, 0x9f), 255)).toBe('é\\x80😀\\xf0\\x9f')
  })

  it('cuts long text on a character boundary and marks the cut', () => {
    expect(decodeWireText(Buffer.from('a'.repeat(300)), 255)).toBe(`${'a'.repeat(255)}${CUT_MARK}`)
    // 254 a's and an emoji: the pair is not split.
    const cut = decodeWireText(Buffer.from(`${'a'.repeat(254)}😀.zoom.us`), 255)
    expect(cut).toBe(`${'a'.repeat(254)}${CUT_MARK}`)
    expect(cut.isWellFormed()).toBe(true)
    // Exactly the maximum: no mark.
    expect(decodeWireText(Buffer.from('b'.repeat(255)), 255)).toBe('b'.repeat(255))
    expect(capText('xyz', 2)).toBe(`xy${CUT_MARK}`)
  })
})

describe('pcapng name resolution names', () => {
  it('are bounded per address and in length, with invalid bytes visible', async () => {
    const dir = tempDir('callaudit-nrb-')
    const w = new PcapngWriter()
    w.sectionStart({byteOrder: 'le'})
    w.iface({linkType: LINKTYPE.ETHERNET})
    // One IPv4 record (pcapng §4.5) for 149.137.41.57: 40 names of 1 KB (a record's length is 16 bits).
    const names = Array.from({length: 40}, (_, i) => Buffer.from(`${String(i).padStart(2, '0')}${'n'.repeat(1000)}`))
    const value = Buffer.concat([Buffer.from([149, 137, 41, 57]), ...names.flatMap((n) => [n, Buffer.from([0])])])
    const record = Buffer.alloc(4)
    record.writeUInt16LE(1, 0)
    record.writeUInt16LE(value.length, 2)
    const padded = Buffer.concat([value, Buffer.alloc((4 - (value.length % 4)) % 4)])
    w.raw(pcapngBlock('le', BLOCK.NRB, Buffer.concat([record, padded, Buffer.alloc(4)])))
    // A second record for another address: a name with invalid UTF-8 only.
    const second = Buffer.concat([Buffer.from([10, 0, 0, 1]), Buffer.from([0x62, 0xff, 0x2e, 0x75, 0x73, 0])])
    const header = Buffer.alloc(4)
    header.writeUInt16LE(1, 0)
    header.writeUInt16LE(second.length, 2)
    w.raw(pcapngBlock('le', BLOCK.NRB, Buffer.concat([header, second, Buffer.alloc((4 - (second.length % 4)) % 4), Buffer.alloc(4)])))
    w.packet({sec: 1_763_600_000, nsec: 0}, ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.168.0.5', dst: '149.137.41.57', proto: IPPROTO.UDP}, udp({sport: 4000, dport: 8801}, Buffer.from('x')))))
    const path = join(dir, 'nrb.pcapng')
    writeFileSync(path, w.toBuffer())

    const {captures} = await collectFlows([path])
    const kept = captures[0]!.names.get('149.137.41.57')!
    expect(kept).toHaveLength(16)
    expect(kept[0]).toBe(`00${'n'.repeat(253)}${CUT_MARK}`)
    expect(Math.max(...kept.map((n) => n.length))).toBe(256)
    expect(captures[0]!.names.get('10.0.0.1')).toEqual(['b\\xff.us'])
  })
})
