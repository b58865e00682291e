import {describe, expect, it} from 'vitest'
import type {ReportVantage} from '../../src/report/report-model.js'
import {vantageAddressesText} from '../../src/report/vantage-text.js'

const vantage = (o: Partial<ReportVantage>): ReportVantage => ({privateAddresses: [], publicAddresses: [], hostPublicAddress: null, country: null, location: null, source: 'none', geo: null, notes: [], ...o})
const text = (o: Partial<ReportVantage>) => vantageAddressesText(vantage(o), (ip) => `<${ip}>`, 'unknown')

describe('the vantage as one phrase', () => {
  it('private addresses behind the public ones STUN revealed', () => {
    expect(text({privateAddresses: ['192.168.0.105'], publicAddresses: [{ip: '36.84.217.46', frames: [76], attributes: ['XOR-MAPPED-ADDRESS'], inferred: false}]})).toBe('<192.168.0.105> behind <36.84.217.46>')
  })
  it('a dual-stack host: private IPv4, then its own public IPv6', () => {
    expect(text({privateAddresses: ['192.168.1.128'], hostPublicAddress: '2001:db8::7'})).toBe('<192.168.1.128>; <2001:db8::7> (own public address, no NAT)')
  })
  it('a host on its own public address is not "behind" the same address STUN mapped', () => {
    expect(text({hostPublicAddress: '2001:db8::7', publicAddresses: [{ip: '2001:db8::7', frames: [5], attributes: ['XOR-MAPPED-ADDRESS'], inferred: false}]})).toBe('<2001:db8::7> (own public address, no NAT)')
    expect(text({hostPublicAddress: '2001:db8::7', publicAddresses: [{ip: '203.0.113.9', frames: [5], attributes: ['XOR-MAPPED-ADDRESS'], inferred: false}]})).toBe('<2001:db8::7> (own public address, no NAT) behind <203.0.113.9>')
  })
  it('a public address read from an attribute whose meaning is inferred says so', () => {
    expect(text({privateAddresses: ['192.168.1.117'], publicAddresses: [{ip: '80.180.220.239', frames: [60], attributes: ['ZOOM-MAPPED-ADDRESS (0x0103, inferred)'], inferred: true}]})).toBe('<192.168.1.117> behind <80.180.220.239> (inferred)')
  })
  it('several candidate private addresses: the first, then the others as alternatives', () => {
    expect(text({privateAddresses: ['192.168.1.117', '10.140.117.35'], publicAddresses: [{ip: '80.180.220.239', frames: [60], attributes: ['MAPPED-ADDRESS'], inferred: false}]})).toBe('<192.168.1.117> (or <10.140.117.35>: 2 candidates) behind <80.180.220.239>')
  })
  it('nothing known', () => {
    expect(text({})).toBe('unknown')
  })
})
