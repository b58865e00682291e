import {describe, expect, it} from 'vitest'
import {readIkeMessage, vendorIdName} from '../../../src/protocols/ipsec/ike-payloads.js'
import {ikeMessage, ikev1, ikev1Message} from '../../support/vpn-builders.js'

const aggressive = (o: {authMethod?: number; encrypted?: boolean} = {}) =>
  ikev1Message(
    [ikev1.sa(o.authMethod ?? 1), ikev1.opaque(4, 256), ikev1.opaque(10, 32), ikev1.id(3, Buffer.from('jurgen.mueller@acme-ministry.example')), ikev1.vendorId('afcad71368a1f1c96b8696fc77570100'), ikev1.vendorId(Buffer.from('FLEXVPN-SUPPORTED').toString('hex'))],
    {encrypted: o.encrypted},
  )

describe('IKE payloads in clear (RFC 2408 §3.2, RFC 2409 §5.4)', () => {
  it('reads an Aggressive Mode message: the identity, the authentication method, the vendor IDs', () => {
    const info = readIkeMessage(aggressive(), 1)
    expect(info).toEqual({
      exchange: 'Aggressive Mode',
      encrypted: false,
      identities: [{type: 'user FQDN', value: 'jurgen.mueller@acme-ministry.example'}],
      vendorIds: ['afcad71368a1f1c96b8696fc77570100', Buffer.from('FLEXVPN-SUPPORTED').toString('hex')],
      authMethods: ['pre-shared key'],
    })
    expect(info.vendorIds.map(vendorIdName)).toEqual(['RFC 3706 DPD', 'FLEXVPN-SUPPORTED'])
  })

  it('reads nothing past the header of an encrypted IKEv1 message, nor inside IKEv2 SK', () => {
    expect(readIkeMessage(aggressive({encrypted: true}), 1)).toMatchObject({encrypted: true, identities: [], authMethods: []})
    // IKEv2 IKE_AUTH: the first payload is SK (46); the identities are inside it.
    const auth = ikeMessage({major: 2, exchange: 35, body: Buffer.concat([Buffer.from([0, 0, 0, 36]), Buffer.alloc(32, 7)])})
    auth[16] = 46
    expect(readIkeMessage(auth, 2)).toMatchObject({exchange: 'IKE_AUTH', encrypted: true, identities: []})
  })

  it('names IPv4 identities and RSA signatures, and stops at a payload length that overruns the message', () => {
    const m = ikev1Message([ikev1.sa(3), ikev1.id(1, Buffer.from([192, 0, 2, 7]))])
    expect(readIkeMessage(m, 1)).toMatchObject({identities: [{type: 'IPv4 address', value: '192.0.2.7'}], authMethods: ['RSA signatures']})
    const broken = Buffer.from(m)
    broken.writeUInt16BE(0xffff, 28 + 2) // the SA payload claims more than the message holds
    expect(readIkeMessage(broken, 1)).toMatchObject({identities: [], authMethods: []})
    // Every cut of the message is read without an exception.
    for (let n = 28; n < m.length; n++) expect(() => readIkeMessage(m.subarray(0, n), 1)).not.toThrow()
  })
})
