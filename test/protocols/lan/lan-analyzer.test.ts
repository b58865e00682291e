import {describe, expect, it} from 'vitest'
import {dnsAnalyzer} from '../../../src/protocols/dns/dns-analyzer.js'
import {type LanFacts, lanAnalyzer, MAX_LAN_MESSAGES} from '../../../src/protocols/lan/lan-analyzer.js'
import {lanNames} from '../../../src/protocols/lan/lan-names.js'
import {dhcpRequest, dnsMessage, dnsQuery} from '../../support/packet-builder.js'
import {analyze, type Endpoints, factsOf, udpFrame} from '../dns/capture-support.js'

const dhcp: Endpoints = {src: '0.0.0.0', sport: 68, dst: '255.255.255.255', dport: 67}
const nbns: Endpoints = {src: '192.168.1.23', sport: 137, dst: '192.168.1.255', dport: 137}
const ssdp: Endpoints = {src: '192.168.1.23', sport: 55000, dst: '239.255.255.250', dport: 1900}
const mdns: Endpoints = {src: '192.168.1.23', sport: 5353, dst: '224.0.0.251', dport: 5353}

function nbnsRegistration(name: string, address: number[]): Buffer {
  const bytes = [...Buffer.from(name, 'latin1')]
  while (bytes.length < 15) bytes.push(0x20)
  bytes.push(0)
  const label = bytes.flatMap((b) => [0x41 + (b >> 4), 0x41 + (b & 15)])
  return Buffer.from([
    0x12, 0x34, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1,
    32, ...label, 0, 0, 0x20, 0, 1,
    0xc0, 12, 0, 0x20, 0, 1, 0, 3, 0xf4, 0x80, 0, 6, 0, 0, ...address,
  ])
}

const msearch = Buffer.from('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\nUSER-AGENT: ZoomClient/5.17 Windows/10\r\n\r\n', 'latin1')

describe('LAN analyzer', () => {
  it('reads DHCP, NBNS and SSDP, one service per flow, and describes them', async () => {
    const collection = await analyze(
      [
        udpFrame(dhcp, dhcpRequest({xid: 1, mac: 'a4:83:e7:12:34:56', hostname: 'Alices-MacBook-Pro', requestedIp: '192.168.1.23'})),
        udpFrame(nbns, nbnsRegistration('ALICE-PC', [192, 168, 1, 23])),
        udpFrame(ssdp, msearch),
        udpFrame(dhcp, dhcpRequest({xid: 2, mac: 'a4:83:e7:12:34:56', hostname: 'Alices-MacBook-Pro'})),
      ],
      [lanAnalyzer],
    )
    const all = factsOf<LanFacts>(collection, 'lan')
    expect(all.map((f) => [f.service, f.messageCount])).toEqual([
      ['dhcp', 2],
      ['nbns', 1],
      ['ssdp', 1],
    ])
    expect(all[0]!.messages[0]).toMatchObject({evidence: {frame: 1, capture: 0}, fromClient: true, hostname: 'Alices-MacBook-Pro', clientMac: 'a4:83:e7:12:34:56'})
    expect(lanAnalyzer.describe(all[0]!)).toEqual(['DHCP hostname Alices-MacBook-Pro (frame 1)'])
    expect(lanAnalyzer.describe(all[1]!)).toEqual(['NetBIOS registration ALICE-PC<00> (frame 2)', 'NetBIOS ALICE-PC is 192.168.1.23 (frame 2)'])
    expect(lanAnalyzer.describe(all[2]!)).toEqual(['SSDP M-SEARCH ssdp:all USER-AGENT ZoomClient/5.17 Windows/10 (frame 3)'])
  })

  it('gives up on a flow of its ports that never carries its protocol', async () => {
    const frames = Array.from({length: 12}, () => udpFrame(ssdp, Buffer.from([1, 2, 3, 4, 5])))
    expect(factsOf(await analyze(frames, [lanAnalyzer]), 'lan')).toEqual([])
  })

  it('keeps at most MAX_LAN_MESSAGES messages per flow', async () => {
    const frames = Array.from({length: MAX_LAN_MESSAGES + 5}, () => udpFrame(ssdp, msearch))
    const [facts] = factsOf<LanFacts>(await analyze(frames, [lanAnalyzer]), 'lan')
    expect(facts!.messages).toHaveLength(MAX_LAN_MESSAGES)
  })
})

describe('lanNames', () => {
  it('lists names from LAN facts and from mDNS/LLMNR DNS facts, earliest sighting, sorted', async () => {
    const announce = dnsMessage({
      id: 0,
      flags: 0x8400,
      answers: [
        {name: 'Alices-MacBook-Pro.local', type: 'A', ttl: 120, value: '192.168.1.23'},
        {name: '_companion-link._tcp.local', type: 'PTR', ttl: 120, value: "Alice's MacBook Pro._companion-link._tcp.local"},
        {name: '_services._dns-sd._udp.local', type: 'PTR', ttl: 120, value: '_companion-link._tcp.local'},
        {name: "Alice's MacBook Pro._companion-link._tcp.local", type: 'SRV', ttl: 120, value: '0 0 7000 Alices-MacBook-Pro.local'},
      ],
    })
    const collection = await analyze(
      [
        udpFrame(dhcp, dhcpRequest({xid: 1, mac: 'a4:83:e7:12:34:56', hostname: 'Alices-MacBook-Pro'})),
        udpFrame(mdns, announce),
        udpFrame(mdns, dnsQuery({id: 0, name: 'bobs-iphone.local'})),
        udpFrame(mdns, dnsQuery({id: 0, name: '_airplay._tcp.local', type: 'PTR'})),
        udpFrame({...ssdp, sport: 55001, dst: '192.168.1.1'}, msearch),
        udpFrame(nbns, nbnsRegistration('ALICE-PC', [192, 168, 1, 23])),
        udpFrame(dhcp, dhcpRequest({xid: 2, mac: 'a4:83:e7:12:34:56', hostname: 'Alices-MacBook-Pro'})),
        udpFrame({src: '192.168.1.23', sport: 50000, dst: '8.8.8.8', dport: 53}, dnsQuery({id: 1, name: 'unicast.example'})),
      ],
      [dnsAnalyzer, lanAnalyzer],
    )
    expect(lanNames(collection.facts).map((n) => [n.source, n.kind, n.name, n.evidence.frame])).toEqual([
      ['dhcp', 'hostname', 'Alices-MacBook-Pro', 1],
      ['mdns', 'hostname', 'Alices-MacBook-Pro.local', 2],
      ['mdns', 'query', 'bobs-iphone.local', 3],
      ['mdns', 'service-instance', "Alice's MacBook Pro._companion-link._tcp.local", 2],
      ['nbns', 'netbios', 'ALICE-PC<00>', 6],
      ['ssdp', 'product', 'ZoomClient/5.17 Windows/10', 5],
    ])
  })

  it('skips facts of unexpected shape', () => {
    const facts = new Map<number, Record<string, unknown>>([
      [1, {dns: {service: 'mdns', messages: [{evidence: 'x'}, null, {evidence: {frame: 1, capture: 0, time: 't'}, response: true, records: 'no'}]}}],
      [2, {lan: {service: 'dhcp', messages: [{evidence: {frame: 1, capture: 0, time: 't'}, hostname: 42}]}}],
    ])
    expect(lanNames(facts)).toEqual([])
  })
})
