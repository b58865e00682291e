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
    expect(v.notes).toEqual(['1 STUN mapped address ignored: in responses sent to peers, not received by the client'])
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

  it(`lists at most ${MAX_PRIVATE} private addresses and says how many more`, () => {
    const many = Array.from({length: 15}, (_, i) => flow(i + 1, {client: {ip: `10.0.0.${i + 1}`}}))
    const v = detectVantage(many)
    expect(v.privateAddresses).toHaveLength(MAX_PRIVATE)
    expect(v.privateAddresses[0]!.ip).toBe('10.0.0.1')
    expect(v.notes[0]).toBe('5 more client-side private addresses not listed (merged captures or several clients)')
  })
})
