import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/errors.js'
import {MAX_PRIVATE, detectVantage, parseVantageFlag} from '../../src/apps/index.js'
import {flow} from './flow-builder.js'

describe('parseVantageFlag', () => {
  it('accepts ISO 3166-1 alpha-2 codes in any case', () => {
    expect(parseVantageFlag('ID')).toEqual({kind: 'country', country: 'ID', name: 'Indonesia'})
    expect(parseVantageFlag(' de ')).toEqual({kind: 'country', country: 'DE', name: 'Germany'})
    expect(parseVantageFlag('XK')).toMatchObject({country: 'XK'})
  })

  it('accepts decimal lat,lon within range', () => {
    expect(parseVantageFlag('-6.2,106.8')).toEqual({kind: 'coordinates', lat: -6.2, lon: 106.8})
    expect(parseVantageFlag('52.52, 13.405')).toEqual({kind: 'coordinates', lat: 52.52, lon: 13.405})
    expect(parseVantageFlag('90,-180')).toEqual({kind: 'coordinates', lat: 90, lon: -180})
    expect(parseVantageFlag('+0,0')).toEqual({kind: 'coordinates', lat: 0, lon: 0})
  })

  it('rejects anything else with the accepted forms', () => {
    const bad: Array<[string, RegExp]> = [
      ['ZZ', /not an assigned country code; expected an ISO 3166-1 alpha-2/],
      ['QQ', /not an assigned country code/],
      ['EU', /not an assigned country code/],
      ['UK', /the ISO code of the United Kingdom is GB/],
      ['IDN', /expected an ISO 3166-1 alpha-2 country code such as ID, or decimal "lat,lon"/],
      ['91,0', /latitude 91 is outside -90\.\.90/],
      ['0,180.5', /longitude 180\.5 is outside -180\.\.180/],
      ['1e1,2', /expected an ISO/],
      ['', /expected an ISO/],
      ['-6.2;106.8', /expected an ISO/],
    ]
    for (const [text, message] of bad) {
      expect(() => parseVantageFlag(text), text).toThrow(InputError)
      expect(() => parseVantageFlag(text), text).toThrow(message)
    }
    expect(() => parseVantageFlag('x'.repeat(500))).toThrow(/"x{64}\.\.\."/)
  })
})

describe('detectVantage', () => {
  const flows = [
    flow(1, {client: {ip: '192.168.1.6'}}),
    flow(2, {client: {ip: '192.168.1.6'}}),
    flow(3, {client: {ip: '192.168.1.6'}, packets: {toServer: 100, toClient: 100}}),
    flow(4, {client: {ip: '10.0.0.5'}}),
    flow(5, {client: {ip: '93.71.110.205'}, server: {ip: '192.168.1.6', port: 50016}}),
  ]

  it('ranks the client-side private addresses by flows', () => {
    const v = detectVantage(flows)
    expect(v.privateAddresses.map((p) => [p.ip, p.flows])).toEqual([
      ['192.168.1.6', 3],
      ['10.0.0.5', 1],
    ])
    expect(v.primaryPrivate).toBe('192.168.1.6')
    expect(v.publicAddresses).toEqual([])
    expect(v.locationSource).toBe('none')
    expect(v.notes).toContain('no public address seen (no STUN mapped address): give --vantage CC or --vantage lat,lon to place the client')
  })

  it('takes the public address from STUN responses the client received, not those it sent to peers', () => {
    const v = detectVantage(flows, [
      {ip: '80.181.206.72', port: 57543, frame: 1418, receivedBy: '192.168.1.6'},
      {ip: '80.181.206.72', port: 61310, frame: 1516, receivedBy: '192.168.1.6'},
      {ip: '93.71.110.205', port: 16332, frame: 1500, receivedBy: '93.71.110.205'},
      {ip: '192.168.1.6', port: 50016, frame: 1501, receivedBy: '192.168.0.4'},
      {ip: '2001:db8::1', port: 1, frame: 1502},
    ])
    expect(v.publicAddresses).toEqual([{ip: '80.181.206.72', ports: [57543, 61310], frames: [1418, 1516], count: 2, attributes: ['XOR-MAPPED-ADDRESS']}])
    expect(v.primaryPublic).toBe('80.181.206.72')
    expect(v.locationSource).toBe('public-address')
    // (The fixture's two private clients also make a note of candidates, tested below.)
    expect(v.notes).toContain('1 STUN mapped address ignored: in responses sent to peers, not received by the client')
  })

  it('ranks addresses a specified attribute carried before those only an inferred one did', () => {
    const zoom = "Zoom's STUN-like attribute 0x0103"
    const inferredOnly = detectVantage(flows, [
      {ip: '80.180.220.239', port: 65397, frame: 60, receivedBy: '192.168.1.6', attribute: 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)', inferred: zoom},
      {ip: '80.180.220.239', port: 65397, frame: 65, receivedBy: '192.168.1.6', attribute: 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)', inferred: zoom},
    ])
    expect(inferredOnly.publicAddresses).toEqual([{ip: '80.180.220.239', ports: [65397], frames: [60, 65], count: 2, attributes: ['ZOOM-MAPPED-ADDRESS (0x0103, inferred)'], inferred: zoom}])
    expect(inferredOnly.primaryPublic).toBe('80.180.220.239')
    expect(inferredOnly.notes).toContain(`the public address 80.180.220.239 is read from ${zoom} alone: that it holds the client's mapped address is inferred from captures (MAPPED-ADDRESS's layout, a NAT'd client's public address), not documented`)
    // A specified attribute wins even when seen fewer times, and the note goes.
    const both = detectVantage(flows, [
      {ip: '80.180.220.239', port: 65397, frame: 60, receivedBy: '192.168.1.6', attribute: 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)', inferred: zoom},
      {ip: '80.180.220.239', port: 65397, frame: 65, receivedBy: '192.168.1.6', attribute: 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)', inferred: zoom},
      {ip: '93.47.225.70', port: 12165, frame: 163, receivedBy: '192.168.1.6', attribute: 'MAPPED-ADDRESS'},
    ])
    expect(both.publicAddresses.map((p) => [p.ip, p.attributes, p.inferred])).toEqual([
      ['93.47.225.70', ['MAPPED-ADDRESS'], undefined],
      ['80.180.220.239', ['ZOOM-MAPPED-ADDRESS (0x0103, inferred)'], zoom],
    ])
    expect(both.notes.join('\n')).not.toContain('inferred from captures')
    // An address also carried by a specified attribute is not inferred.
    const mixed = detectVantage(flows, [
      {ip: '80.180.220.239', port: 65397, frame: 60, receivedBy: '192.168.1.6', attribute: 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)', inferred: zoom},
      {ip: '80.180.220.239', port: 65397, frame: 70, receivedBy: '192.168.1.6', attribute: 'XOR-MAPPED-ADDRESS'},
    ])
    expect(mixed.publicAddresses[0]).toMatchObject({attributes: ['XOR-MAPPED-ADDRESS', 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)']})
    expect(mixed.publicAddresses[0]!.inferred).toBeUndefined()
  })

  it('uses the busiest client address as ours when there is no NAT', () => {
    const v = detectVantage([flow(1, {client: {ip: '80.1.1.1'}}), flow(2, {client: {ip: '80.1.1.1'}})], [{ip: '80.1.1.1', port: 5000, frame: 9, receivedBy: '80.1.1.1'}])
    expect(v.privateAddresses).toEqual([])
    expect(v.primaryPublic).toBe('80.1.1.1')
  })

  it("takes the capturing host's own public address (no NAT, as on IPv6) when it is the client of most flows", () => {
    const host = '2a01:cb01:2049:8b07::29'
    const v = detectVantage([flow(1, {client: {ip: host}}), flow(2, {client: {ip: host}}), flow(3, {client: {ip: host}}), flow(4, {client: {ip: '2001:db8:1::9'}, server: {ip: host, port: 443}})])
    expect(v.hostPublic).toEqual({ip: host, flows: 3, of: 4})
    expect(v.locationSource).toBe('host-address')
    expect(v.primaryPublic).toBeNull() // a STUN address would still come first
    expect(v.notes).toEqual([])
    // Dual stack: IPv4 behind NAT, IPv6 on the host's own global address.
    const dual = detectVantage([flow(1, {client: {ip: host}}), flow(2, {client: {ip: host}}), flow(5, {client: {ip: host}}), flow(3, {client: {ip: '192.168.1.6'}}), flow(4, {client: {ip: '192.168.1.6'}})])
    expect(dual.hostPublic).toEqual({ip: host, flows: 3, of: 3})
    expect(dual.primaryPrivate).toBe('192.168.1.6')
    // Not in a family with a private client address (NAT, or ULA for IPv6), nor when no client
    // has most of the family's flows (a capture of several hosts, as on a router), nor when the
    // busiest client is not public.
    expect(detectVantage([flow(1, {client: {ip: host}}), flow(2, {client: {ip: host}}), flow(3, {client: {ip: 'fd00::5'}})]).hostPublic).toBeNull()
    expect(detectVantage([flow(1, {client: {ip: '80.1.1.1'}}), flow(2, {client: {ip: '80.1.1.1'}}), flow(3, {client: {ip: '10.0.0.3'}})]).hostPublic).toBeNull()
    expect(detectVantage([flow(1, {client: {ip: host}}), flow(2, {client: {ip: '2001:db8:1::9'}})]).hostPublic).toBeNull()
    expect(detectVantage([flow(1, {client: {ip: '::1'}}), flow(2, {client: {ip: '::1'}}), flow(3, {client: {ip: '::1'}})]).locationSource).toBe('none')
    // Nor on one or two flows: a capture made on a server shows its remote clients so.
    expect(detectVantage([flow(1, {client: {ip: '80.1.1.1'}}), flow(2, {client: {ip: '80.1.1.1'}})]).hostPublic).toBeNull()
  })

  it('lets --vantage override the location', () => {
    const v = detectVantage(flows, [{ip: '80.181.206.72', port: 1, frame: 1}], 'id')
    expect(v.location).toEqual({kind: 'country', country: 'ID', name: 'Indonesia'})
    expect(v.locationSource).toBe('flag')
    expect(v.primaryPublic).toBe('80.181.206.72')
    expect(detectVantage(flows, [], {kind: 'coordinates', lat: 1, lon: 2}).location).toEqual({kind: 'coordinates', lat: 1, lon: 2})
    expect(() => detectVantage(flows, [], 'Narnia')).toThrow(InputError)
  })

  it('leaves out the router, the resolver and hosts heard only in broadcasts (wa_voice.pcap, teams.pcap)', () => {
    const host = '192.168.2.12'
    const v = detectVantage(
      [
        flow(1, {client: {ip: host}, server: {ip: '157.240.20.52', port: 443}, proto: 'tcp'}),
        flow(2, {client: {ip: host}, server: {ip: '31.13.86.48', port: 3478}}),
        flow(3, {client: {ip: host}, server: {ip: '192.168.2.1', port: 53}}),
        flow(4, {client: {ip: host}, server: {ip: '239.255.255.250', port: 1900}, packets: {toClient: 0}}),
        // The router: Dropbox and Spotify LAN discovery to the subnet's broadcast, SSDP.
        flow(5, {client: {ip: '192.168.2.1', port: 17500}, server: {ip: '192.168.2.255', port: 17500}, packets: {toClient: 0}}),
        flow(6, {client: {ip: '192.168.2.1'}, server: {ip: '192.168.2.255', port: 57621}, packets: {toClient: 0}}),
        flow(7, {client: {ip: '192.168.2.1'}, server: {ip: '239.255.255.250', port: 1900}, packets: {toClient: 0}}),
        // ...and forwards the names it is asked upstream: it talks to a public server, yet it
        // is the resolver, not the caller.
        flow(11, {client: {ip: '192.168.2.1', port: 40001}, server: {ip: '8.8.8.8', port: 53}}),
        // A switch asking for an address, a Spotify host, link-local mDNS.
        flow(8, {client: {ip: '192.168.0.1', port: 68}, server: {ip: '255.255.255.255', port: 67}, packets: {toClient: 0}}),
        flow(9, {client: {ip: '192.168.1.112'}, server: {ip: '192.168.1.255', port: 57621}, packets: {toClient: 0}}),
        flow(10, {client: {ip: 'fe80::414:409d:8afd:9f05'}, server: {ip: 'ff02::fb', port: 5353}, packets: {toClient: 0}}),
      ],
      [
        {ip: '80.180.162.48', port: 1, frame: 20, receivedBy: host},
        // A response to another LAN device is not ours any more than the device is.
        {ip: '93.47.225.70', port: 2, frame: 30, receivedBy: '192.168.1.112'},
      ],
    )
    expect(v.privateAddresses).toEqual([{ip: host, flows: 3, packets: 12, bytes: 1200, publicFlows: 2, callFlows: 0}])
    expect(v.publicAddresses.map((p) => p.ip)).toEqual(['80.180.162.48'])
    expect(v.notes).toEqual([
      'not the vantage: 192.168.0.1 (seen only in LAN broadcasts and multicasts), 192.168.1.112 (seen only in LAN broadcasts and multicasts), 192.168.2.1 (the DNS resolver 192.168.2.12 queries), fe80::414:409d:8afd:9f05 (seen only in LAN broadcasts and multicasts)',
      '1 STUN mapped address ignored: in responses sent to peers, not received by the client',
    ])
  })

  it("puts the call's clients first and says when several candidates remain", () => {
    const v = detectVantage([
      // Another host on the network, busier but with no call.
      ...[1, 2, 3, 4].map((i) => ({...flow(i, {client: {ip: '192.168.1.50'}, server: {ip: '142.250.180.14', port: 443}, proto: 'tcp'}), role: 'web', app: null})),
      {...flow(5, {client: {ip: '192.168.1.117'}, server: {ip: '109.94.160.99', port: 8801}}), role: 'media', app: 'zoom'},
      {...flow(6, {client: {ip: '192.168.1.117'}, server: {ip: '109.94.160.99', port: 443}, proto: 'tcp'}), role: 'control', app: 'zoom'},
      // A client only in a tunnel the capture saw, and a host that talks only to the LAN.
      {...flow(7, {client: {ip: '10.140.117.35'}, server: {ip: '193.122.35.237', port: 8801}}), tunnel: {type: 'gtp-u', parentId: 8}},
      flow(8, {client: {ip: '10.134.25.67'}, server: {ip: '10.132.15.176', port: 2152}}),
    ])
    expect(v.privateAddresses.map((p) => [p.ip, p.callFlows, p.publicFlows])).toEqual([
      ['192.168.1.117', 2, 2],
      ['192.168.1.50', 0, 4],
      ['10.140.117.35', 0, 1],
    ])
    expect(v.notes).toEqual([
      '3 private addresses talk to public servers (several hosts on a shared network or in merged captures, or one host with several addresses): 192.168.1.117 is taken first, the client of 2 of the call\'s flows',
      'not the vantage: 10.134.25.67 (talks to no public server)',
      'no public address seen (no STUN mapped address): give --vantage CC or --vantage lat,lon to place the client',
    ])
  })

  it('in a capture of LAN traffic only, takes the clients of unicast flows to other private hosts', () => {
    const v = detectVantage([
      flow(1, {client: {ip: '10.0.0.5'}, server: {ip: '10.0.0.9', port: 5060}}),
      flow(2, {client: {ip: '10.0.0.5'}, server: {ip: '10.0.0.1', port: 53}}),
      flow(3, {client: {ip: '10.0.0.7'}, server: {ip: '10.0.0.1', port: 53}}),
      flow(4, {client: {ip: '10.0.0.1'}, server: {ip: '224.0.0.18', port: 0}, packets: {toClient: 0}}),
      // A DHCP renewal (RFC 2131 §4.4.5): the server is infrastructure, whatever else it sends.
      flow(5, {client: {ip: '10.0.0.7', port: 68}, server: {ip: '10.0.0.254', port: 67}}),
      flow(6, {client: {ip: '10.0.0.254'}, server: {ip: '10.0.0.9', port: 514}, packets: {toClient: 0}}),
    ])
    expect(v.privateAddresses.map((p) => p.ip)).toEqual(['10.0.0.5', '10.0.0.7'])
    expect(v.notes[0]).toBe('no private address talks to a public server; 2 talk to other private hosts (several hosts on a shared network or in merged captures, or one host with several addresses): 10.0.0.5 is taken first, the client of 2 flows to other hosts')
    expect(v.notes[1]).toBe('not the vantage: 10.0.0.1 (the DNS resolver 10.0.0.5 queries), 10.0.0.254 (the DHCP server of 10.0.0.7)')
  })

  it(`lists at most ${MAX_PRIVATE} private addresses and says how many more`, () => {
    const many = Array.from({length: 15}, (_, i) => flow(i + 1, {client: {ip: `10.0.0.${i + 1}`}}))
    const v = detectVantage(many)
    expect(v.privateAddresses).toHaveLength(MAX_PRIVATE)
    expect(v.privateAddresses[0]!.ip).toBe('10.0.0.1')
    expect(v.notes[0]).toBe('5 more client-side private addresses not listed (merged captures or several clients)')
  })

  it('says what a PCAPdroid capture (Android, VPN mode) cannot show', () => {
    const v = detectVantage([
      flow(1, {client: {ip: '10.215.173.1'}}),
      flow(2, {client: {ip: '10.215.173.1'}, server: {ip: '10.215.173.2', port: 53}}),
      flow(3, {client: {ip: '10.215.173.1', port: 40001}, server: {ip: '10.215.173.2', port: 53}}),
    ])
    expect(v.primaryPrivate).toBe('10.215.173.1')
    expect(v.notes).toContain("10.215.173.1 is the address of PCAPdroid's virtual interface: probably an Android capture made by PCAPdroid in VPN mode, where every connection has this source address; the device's own network addresses are not in the capture")
    expect(v.notes).toContain("the 2 DNS flows to 10.215.173.2 went to PCAPdroid's virtual resolver, which forwards each query to the device's DNS server: that server's address, and so whether the resolver is abroad (CA-GEO-004), is not in the capture")
    // Without DNS to the virtual resolver, only the interface note; another 10/8 vantage, none.
    expect(detectVantage([flow(1, {client: {ip: '10.215.173.1'}})]).notes.filter((n) => n.includes('PCAPdroid'))).toHaveLength(1)
    expect(detectVantage([flow(1, {client: {ip: '10.215.174.1'}}), flow(2, {client: {ip: '10.215.174.1'}, server: {ip: '10.215.173.2', port: 53}})]).notes.join('\n')).not.toContain('PCAPdroid')
  })
})
