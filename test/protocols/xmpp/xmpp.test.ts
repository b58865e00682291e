import {describe, expect, it} from 'vitest'
import {type XmppFacts, xmppAnalyzer} from '../../../src/protocols/xmpp/xmpp-analyzer.js'
import {ALL_ANALYZERS} from '../../../src/protocols/index.js'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {corpusPath, HAVE_CORPUS} from '../../helpers/paths.js'
import {CaptureKit, type End, factsOn} from '../rtp/capture-kit.js'
import {tcpExchange, type Turn} from '../../support/tcp-exchange.js'

const client: End = {ip: '192.168.1.20', port: 51222}
const server: End = {ip: '198.51.100.9', port: 5222}
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

/** A client signing in with SASL PLAIN without STARTTLS (RFC 6120 §6, RFC 4616), binding a
 * resource, joining a room (XEP-0045) and offering a Jingle call (XEP-0176). */
function session(o: {starttls?: boolean} = {}): Turn[] {
  const t = (toServer: boolean, text: string): Turn => [toServer, Buffer.from(text, 'utf8')]
  const head = "<?xml version='1.0'?><stream:stream to='acme-ministry.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
  const turns: Turn[] = [t(true, head), t(false, "<?xml version='1.0'?><stream:stream from='acme-ministry.example' id='s1' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>")]
  if (o.starttls) return [...turns, t(true, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), t(false, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), [true, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, ...Array(64).fill(0x3c)])]]
  return [
    ...turns,
    t(true, `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${b64('\0jürgen.müller\0Sup3r-Secret')}</auth>`),
    t(false, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
    t(true, "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>laptop</resource></bind></iq>"),
    t(false, "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>j&#xFC;rgen.m&#252;ller@acme-ministry.example/laptop</jid></bind></iq>"),
    t(true, "<presence to='crisis-cell@conference.acme-ministry.example/Jurgen'><x xmlns='http://jabber.org/protocol/muc'/></presence>"),
    t(true, "<iq type='set' id='j1' to='bob@acme-ministry.example/phone'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate'><content name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'><candidate component='1' foundation='1' generation='0' id='c1' ip='10.8.0.6' network='0' port='50102' priority='2122260223' protocol='udp' type='host'/></transport></content></jingle></iq>"),
    t(true, "<message to='bob@acme-ministry.example' type='chat'><body>call me</body></message>"),
  ]
}

async function facts(sizes: number[], o: {starttls?: boolean} = {}): Promise<XmppFacts | undefined> {
  const kit = new CaptureKit()
  tcpExchange(kit, client, server, session(o), sizes)
  return factsOn<XmppFacts>(await kit.analyze([xmppAnalyzer]), 'xmpp', client, server)
}

describe('XMPP in clear (RFC 6120)', () => {
  it('reads the domain, the SASL user (never the password), the bound JID, rooms joined, Jingle candidates and stanzas', async () => {
    const f = (await facts([1460]))!
    expect(f).toMatchObject({
      domain: 'acme-ministry.example',
      starttls: false,
      sasl: {mechanism: 'PLAIN', user: 'jürgen.müller', passwordInClear: true},
      authenticated: true,
      jid: {value: 'jürgen.müller@acme-ministry.example/laptop'},
      stanzas: {message: 1, presence: 1, iq: 3},
      occupants: [{jid: 'crisis-cell@conference.acme-ministry.example/Jurgen'}],
      candidates: [{address: '10.8.0.6', port: 50102, transport: 'udp', type: 'host', sentBy: 'client'}],
    })
    expect(JSON.stringify(f)).not.toContain('Sup3r')
    expect(xmppAnalyzer.describe(f)).toContain(`SASL PLAIN user jürgen.müller, PASSWORD IN CLEAR, accepted (frame ${f.sasl!.evidence.frame})`)
  })

  it('gives the same facts however the segments fall', async () => {
    const strip = (f: XmppFacts | undefined) => JSON.stringify(f, (k, v) => (k === 'evidence' ? undefined : v))
    const whole = strip(await facts([1460]))
    for (const sizes of [[1], [7, 50], [333]]) expect(strip(await facts(sizes)), `segments ${sizes}`).toBe(whole)
  })

  it('goes on at the next tag after bytes the capture missed', async () => {
    const kit = new CaptureKit()
    const stanza = (i: number) => Buffer.from(`<message to='bob@acme-ministry.example' id='m${i}'><body>${'x'.repeat(40)}</body></message>`)
    const head = Buffer.from("<stream:stream to='acme-ministry.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")
    kit.tcp(client, server, {seq: 999, flags: 'S'})
    kit.tcp(server, client, {seq: 4999, ack: 1000, flags: 'SA'})
    let seq = 1000
    kit.tcp(client, server, {seq, ack: 5000, flags: 'PA'}, head)
    seq += head.length
    for (let i = 0; i < 8; i++) {
      const m = stanza(i)
      // The capture missed the third stanza's segment: the five after it are still read.
      if (i !== 2) kit.tcp(client, server, {seq, ack: 5000, flags: 'PA'}, m)
      seq += m.length
    }
    const f = factsOn<XmppFacts>(await kit.analyze([xmppAnalyzer]), 'xmpp', client, server)!
    expect(f.stanzas.message).toBe(7)
  })

  it('stops at STARTTLS: the rest is TLS', async () => {
    expect(await facts([1460], {starttls: true})).toMatchObject({starttls: true, sasl: null, stanzas: {message: 0, presence: 0, iq: 0}})
  })

  it('steps aside from other protocols on its port (WhatsApp also uses 5222), even with < and > in their bytes', async () => {
    const kit = new CaptureKit()
    const noise = Buffer.from('WA\x05\x02<\x12\x80>binary<noise attr>\x00', 'latin1')
    tcpExchange(kit, client, server, Array.from({length: 8}, (_, i): Turn => [i % 2 === 0, noise]), [1460])
    expect(factsOn<XmppFacts>(await kit.analyze([xmppAnalyzer]), 'xmpp', client, server)).toBeUndefined()
  })
})

describe.skipIf(!HAVE_CORPUS)('XMPP on the corpus (jabber.pcap: Pidgin and ejabberd without STARTTLS)', () => {
  it('names the user of the DIGEST-MD5 exchange and the bound JID, and counts the stanzas tshark counts on the connections captured whole', async () => {
    const records = flowRecords(await collectFlows([corpusPath('jabber.pcap')], {analyzers: ALL_ANALYZERS}))
    const whole = records.filter((r) => r.client.port === 57094 || r.client.port === 57122).map((r) => r.protocols!['xmpp'] as XmppFacts)
    // tshark -Y 'tcp.port==57094' -T fields -e xmpp.iq -e xmpp.message -e xmpp.presence: 28, 0, 2.
    expect(whole.map((f) => [f.domain, f.sasl?.mechanism, f.sasl?.user, f.authenticated, f.jid?.value, f.stanzas])).toEqual([
      ['cs-xmpp.lan', 'DIGEST-MD5', 'tom@cs-xmpp.lan', true, 'tom@cs-xmpp.lan/darkstar', {message: 0, presence: 2, iq: 28}],
      ['cs-xmpp.lan', 'DIGEST-MD5', 'tom@cs-xmpp.lan', true, 'tom@cs-xmpp.lan/darkstar', {message: 0, presence: 2, iq: 28}],
    ])
    const refused = records.find((r) => r.client.port === 57147)!.protocols!['xmpp'] as XmppFacts
    expect(refused.authenticated).toBe(false)
  })
})
