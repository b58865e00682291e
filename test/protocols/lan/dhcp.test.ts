import {describe, expect, it} from 'vitest'
import {parseDhcp, parseDhcpv6} from '../../../src/protocols/lan/dhcp.js'
import {dhcpRequest} from '../../support/packet-builder.js'

/** Replace the options of a built DHCP message (after the magic cookie) with `options`. */
function withOptions(base: Buffer, options: number[]): Buffer {
  return Buffer.concat([base.subarray(0, 240), Buffer.from(options)])
}

function opt(code: number, value: number[] | string): number[] {
  const bytes = typeof value === 'string' ? [...Buffer.from(value, 'utf8')] : value
  return [code, bytes.length, ...bytes]
}

describe('parseDhcp', () => {
  it('reads a DHCPREQUEST: type, MAC, host name, requested address, parameter list', () => {
    const m = parseDhcp(dhcpRequest({xid: 0x3903f326, mac: 'a4:83:e7:12:34:56', hostname: 'Alices-MacBook-Pro', requestedIp: '192.168.1.23'}))!
    expect(m).toEqual({
      version: 4,
      messageType: 'REQUEST',
      xid: '3903f326',
      clientMac: 'a4:83:e7:12:34:56',
      hostname: 'Alices-MacBook-Pro',
      vendorClass: null,
      clientFqdn: null,
      requestedIp: '192.168.1.23',
      yourIp: null,
      serverId: null,
      domainName: null,
      parameterRequestList: [1, 3, 6, 15, 119, 252],
    })
  })

  it('reads vendor class, client FQDN in wire and ASCII form, server id and domain', () => {
    const base = dhcpRequest({xid: 1, mac: '02:00:00:00:00:01', hostname: 'x'})
    const wire = parseDhcp(withOptions(base, [...opt(53, [1]), ...opt(60, 'MSFT 5.0'), ...opt(81, [0x05, 0, 0, 7, ...Buffer.from('desktop'), 4, ...Buffer.from('corp'), 0]), 255]))!
    expect(wire).toMatchObject({messageType: 'DISCOVER', vendorClass: 'MSFT 5.0', clientFqdn: 'desktop.corp', hostname: null})
    const ascii = parseDhcp(withOptions(base, [...opt(81, [0x01, 0, 0, ...Buffer.from('laptop.example.')]), ...opt(54, [192, 168, 1, 1]), ...opt(15, 'home.arpa\u0000'), 255]))!
    expect(ascii).toMatchObject({clientFqdn: 'laptop.example.', serverId: '192.168.1.1', domainName: 'home.arpa', messageType: 'BOOTREQUEST'})
  })

  it('reads options moved into the file and sname fields (option 52 overload)', () => {
    const base = Buffer.from(dhcpRequest({xid: 1, mac: '02:00:00:00:00:01', hostname: 'x'}))
    const msg = withOptions(base, [...opt(52, [3]), ...opt(53, [3]), 255])
    Buffer.from([...opt(12, 'in-file'), 255]).copy(msg, 108)
    Buffer.from([...opt(60, 'in-sname'), 255]).copy(msg, 44)
    expect(parseDhcp(msg)).toMatchObject({hostname: 'in-file', vendorClass: 'in-sname'})
  })

  it('stops at a truncated option and rejects what is not DHCP', () => {
    const base = dhcpRequest({xid: 1, mac: '02:00:00:00:00:01', hostname: 'x'})
    expect(parseDhcp(withOptions(base, [...opt(53, [5]), 12, 40, 0x61]))).toMatchObject({messageType: 'ACK', hostname: null})
    expect(parseDhcp(base.subarray(0, 239))).toBeNull()
    const noCookie = Buffer.from(base)
    noCookie[236] = 0
    expect(parseDhcp(noCookie)).toBeNull()
    for (let n = 0; n <= base.length; n++) parseDhcp(base.subarray(0, n))
  })

  it('reads the address a DHCPACK assigns', () => {
    const ack = Buffer.from(dhcpRequest({xid: 1, mac: '02:00:00:00:00:01', hostname: 'x'}))
    ack[0] = 2
    Buffer.from([192, 168, 1, 50]).copy(ack, 16)
    expect(parseDhcp(withOptions(ack, [...opt(53, [5]), 255]))).toMatchObject({messageType: 'ACK', yourIp: '192.168.1.50'})
  })
})

describe('parseDhcpv6', () => {
  it('reads the client FQDN, vendor class and option request list', () => {
    const fqdn = [0, 39, 0, 13, 0x01, 6, ...Buffer.from('laptop'), 3, ...Buffer.from('lan'), 0]
    const vendor = [0, 16, 0, 14, 0, 0, 0x01, 0x37, 0, 8, ...Buffer.from('MSFT 5.0')]
    const oro = [0, 6, 0, 4, 0, 23, 0, 24]
    const m = parseDhcpv6(Uint8Array.from([1, 0xab, 0xcd, 0xef, ...fqdn, ...vendor, ...oro]))!
    expect(m).toMatchObject({version: 6, messageType: 'SOLICIT', xid: 'abcdef', clientFqdn: 'laptop.lan', vendorClass: 'MSFT 5.0', parameterRequestList: [23, 24]})
  })

  it('rejects relay and unknown message types and survives truncation', () => {
    expect(parseDhcpv6(Uint8Array.from([12, 0, 0, 0]))).toBeNull()
    expect(parseDhcpv6(Uint8Array.from([1, 0, 0]))).toBeNull()
    expect(parseDhcpv6(Uint8Array.from([1, 0, 0, 0, 0, 39, 0, 50, 1, 2]))).toMatchObject({clientFqdn: null})
  })
})
