import {execFileSync, spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {tempDir} from '../../helpers/temp-dir.js'
import {type SipFacts, sipAnalyzer} from '../../../src/protocols/sip/sip-analyzer.js'
import {info, invite, ok} from '../../support/sip-builders.js'
import {CaptureKit, factsOn} from '../rtp/capture-kit.js'

const phone = {ip: '192.168.1.20', port: 5060}
const proxy = {ip: '198.51.100.5', port: 5060}
const b = (s: string) => Buffer.from(s, 'latin1')

/** A call whose caller types a PIN the gateway relays in INFO requests, with INFOs that carry
 * no key around them. Returns the frame of the first key. */
function pinByInfo(kit: CaptureKit): number {
  kit.udp(phone, proxy, b(invite()))
  kit.udp(proxy, phone, b(ok()))
  // Not keys: another INFO package (RFC 6086), a relay body without a key, a key that is not one.
  kit.udp(phone, proxy, b(info(2, 'application/media_control+xml', '<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>')))
  kit.udp(phone, proxy, b(info(3, 'application/dtmf-relay', 'Duration=160\r\n')))
  kit.udp(phone, proxy, b(info(4, 'application/dtmf-relay', 'Signal=hello\r\nDuration=160\r\n')))
  const first = kit.udp(phone, proxy, b(info(5, 'application/dtmf-relay', 'Signal=4\r\nDuration=160\r\n')))
  kit.udp(phone, proxy, b(info(6, 'Application/DTMF-Relay; charset=us-ascii', 'signal= 7\r\nduration=250\r\n')))
  kit.udp(phone, proxy, b(info(7, 'application/dtmf-relay', 'Signal=#\r\nDuration=160\r\n')))
  kit.udp(phone, proxy, b(info(8, 'application/dtmf', '1\r\n')))
  // The 200 OK to an INFO is no key.
  kit.udp(proxy, phone, b(ok().replace('CSeq: 314159 INVITE', 'CSeq: 8 INFO')))
  return first
}

describe('DTMF keys in SIP INFO requests', () => {
  it('counts the INFO requests that carry a key, in either body type, and keeps no key', async () => {
    const kit = new CaptureKit()
    const first = pinByInfo(kit)
    const facts = factsOn<SipFacts>(await kit.analyze([sipAnalyzer]), 'sip', phone, proxy)!
    expect(facts.dtmf).toEqual({keyPresses: 4, contentTypes: ['application/dtmf-relay', 'application/dtmf'], first: expect.objectContaining({frame: first}), presses: [first, first + 1, first + 2, first + 3].map((frame) => expect.objectContaining({frame}))})
    expect(sipAnalyzer.describe(facts)).toContain(`SIP INFO: 4 DTMF key presses readable in clear (application/dtmf-relay, application/dtmf, from frame ${first})`)
    expect(JSON.stringify(facts.dtmf)).not.toMatch(/Signal|#/)
  })

  it('a call without key presses has no dtmf member', async () => {
    const kit = new CaptureKit()
    kit.udp(phone, proxy, b(invite()))
    kit.udp(proxy, phone, b(ok()))
    expect(factsOn<SipFacts>(await kit.analyze([sipAnalyzer]), 'sip', phone, proxy)!.dtmf).toBeUndefined()
  })
})

const haveTshark = spawnSync('tshark', ['-v'], {encoding: 'utf8'}).status === 0

describe.skipIf(!haveTshark)('DTMF keys in SIP INFO agree with tshark (second opinion)', () => {
  it('the INFO requests tshark frames with a DTMF body type and a key in their body lines', async () => {
    const kit = new CaptureKit()
    pinByInfo(kit)
    const path = join(tempDir(), 'info.pcap')
    writeFileSync(path, kit.writer.toBuffer())
    // tshark has no dissector for these bodies: it frames the message (start line, headers,
    // Content-Length) and gives the body's lines as text items, which are read here.
    const out = execFileSync('tshark', ['-r', path, '-Y', 'sip.Method == "INFO"', '-T', 'fields', '-e', 'frame.number', '-e', 'sip.Content-Type', '-e', 'text'], {encoding: 'utf8'})
    const keyed = out.trim().split('\n').map((l) => l.split('\t')).filter(([, type, text]) => {
      const lines = (text ?? '').split(',').map((t) => t.replace(/\\r\\n$/, '').trim())
      const media = type!.split(';')[0]!.trim().toLowerCase()
      const key = media === 'application/dtmf' ? lines[1] : media === 'application/dtmf-relay' ? lines.find((l) => /^signal\s*=/i.test(l))?.replace(/^signal\s*=\s*/i, '') : undefined
      return key !== undefined && /^(?:[0-9*#A-Da-d]|16)$/.test(key)
    })
    const facts = factsOn<SipFacts>(await kit.analyze([sipAnalyzer]), 'sip', phone, proxy)!
    expect(keyed.length).toBe(4)
    expect(facts.dtmf!.keyPresses).toBe(keyed.length)
    expect(facts.dtmf!.first.frame).toBe(Number(keyed[0]![0]))
  })
})
