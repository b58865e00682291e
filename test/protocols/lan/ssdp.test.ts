import {describe, expect, it} from 'vitest'
import {parseSsdp} from '../../../src/protocols/lan/ssdp.js'

const b = (s: string) => Buffer.from(s, 'latin1')

describe('parseSsdp', () => {
  it('reads an M-SEARCH with its USER-AGENT', () => {
    const m = parseSsdp(b('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: urn:dial-multiscreen-org:service:dial:1\r\nUSER-AGENT: Google Chrome/120.0 Mac OS X\r\n\r\n'))
    expect(m).toEqual({
      kind: 'M-SEARCH',
      method: 'M-SEARCH',
      target: '*',
      status: null,
      host: '239.255.255.250:1900',
      searchTarget: 'urn:dial-multiscreen-org:service:dial:1',
      notificationSubtype: null,
      usn: null,
      location: null,
      server: null,
      userAgent: 'Google Chrome/120.0 Mac OS X',
    })
  })

  it('reads a NOTIFY and a search response', () => {
    const notify = parseSsdp(b('NOTIFY * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nLocation: http://192.168.1.1:49152/rootDesc.xml\r\nServer: Linux/4.14 UPnP/1.0 MiniUPnPd/2.2\r\nUSN: uuid:1234::upnp:rootdevice\r\n\r\n'))
    expect(notify).toMatchObject({kind: 'NOTIFY', searchTarget: 'upnp:rootdevice', notificationSubtype: 'ssdp:alive', location: 'http://192.168.1.1:49152/rootDesc.xml', server: 'Linux/4.14 UPnP/1.0 MiniUPnPd/2.2', usn: 'uuid:1234::upnp:rootdevice'})
    const response = parseSsdp(b('HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nSERVER: Roku/12.0 UPnP/1.0\r\n\r\n'))
    expect(response).toMatchObject({kind: 'response', status: 200, method: null, server: 'Roku/12.0 UPnP/1.0'})
  })

  it('accepts a datagram without the final empty line, rejects other payloads', () => {
    expect(parseSsdp(b('M-SEARCH * HTTP/1.1\r\nST: ssdp:all'))).toMatchObject({kind: 'M-SEARCH', searchTarget: 'ssdp:all'})
    expect(parseSsdp(b('\x00\x01\x02\x03binary'))).toBeNull()
    expect(parseSsdp(new Uint8Array(0))).toBeNull()
  })
})
