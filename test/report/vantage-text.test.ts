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
  it('a capture at a NAT gateway: eight public addresses named, the rest counted', () => {
    const publicAddresses = Array.from({length: 1000}, (_, i) => ({ip: `93.0.${i >> 8}.${i & 255}`, frames: [2 * i + 2], attributes: ['XOR-MAPPED-ADDRESS'], inferred: false}))
    const privateAddresses = Array.from({length: 20}, (_, i) => `10.0.0.${i + 1}`)
    expect(text({privateAddresses, publicAddresses})).toBe(
      '<10.0.0.1> (or <10.0.0.2>, <10.0.0.3>, <10.0.0.4>, <10.0.0.5>, <10.0.0.6>, <10.0.0.7>, <10.0.0.8>, <10.0.0.9> and 11 more (all in the JSON report): 20 candidates)' +
        ' behind <93.0.0.0>, <93.0.0.1>, <93.0.0.2>, <93.0.0.3>, <93.0.0.4>, <93.0.0.5>, <93.0.0.6>, <93.0.0.7> and 992 more (all in the JSON report)',
    )
  })
  it('nothing known', () => {
    expect(text({})).toBe('unknown')
  })
})
