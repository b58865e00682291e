import {describe, expect, it} from 'vitest'
import {newPacketRecord} from '../../src/capture/packet-record.js'
import {PacketDecoder, MAX_LAYERS} from '../../src/decode/packet-decoder.js'
import {TUNNEL_NAMES} from '../../src/decode/net-layer.js'
import {ipv4FromUint32, ipv6FromWords} from '../../src/util/ip-text.js'
import {
  AF, ETHERTYPE, IPPROTO, LINKTYPE, PPP, ethernet, ethernetQinQ, fragmentIpv6, gre, gtpu, gtpuPduSessionContainer, ipv4, ipv6, mpls,
  nullLink, pppoeSession, sll, sll2, tcp, udp, vlan8021q, vxlan,
} from '../support/packet-builder.js'

function recordOf(linkType: number, frame: Buffer) {
  const record = newPacketRecord()
  record.linkType = linkType
  record.data = frame
  return record
}

/** Decode raw bytes on a link type and describe every layer the decoder found. */
function decode(linkType: number, frame: Buffer) {
  const decoder = new PacketDecoder()
  const record = newPacketRecord()
  record.linkType = linkType
  record.data = frame
  const n = decoder.decode(record)
  return decoder.layers.slice(0, n).map((l) => ({
    src: l.ipVersion === 4 ? ipv4FromUint32(l.src[0]!) : ipv6FromWords(l.src[0]!, l.src[1]!, l.src[2]!, l.src[3]!),
    dst: l.ipVersion === 4 ? ipv4FromUint32(l.dst[0]!) : ipv6FromWords(l.dst[0]!, l.dst[1]!, l.dst[2]!, l.dst[3]!),
    proto: l.proto,
    sport: l.sport,
    dport: l.dport,
    tunnel: TUNNEL_NAMES[l.tunnel],
    payload: frame.subarray(l.payloadStart, l.payloadEnd).toString('latin1'),
  }))
}

const UDP_PAYLOAD = Buffer.from('hello')
const v4udp = () => ipv4({src: '10.0.0.1', dst: '192.0.2.7', proto: IPPROTO.UDP}, udp({sport: 40000, dport: 53}, UDP_PAYLOAD))
const v6tcp = () => ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.TCP}, tcp({sport: 50000, dport: 443, seq: 1, flags: 'S'}))
const expectedV4 = {src: '10.0.0.1', dst: '192.0.2.7', proto: 17, sport: 40000, dport: 53, tunnel: '', payload: 'hello'}

describe('link layers', () => {
  it.each([
    ['Ethernet', LINKTYPE.ETHERNET, () => ethernet({type: ETHERTYPE.IPV4, pad: true}, v4udp())],
    ['802.1Q', LINKTYPE.ETHERNET, () => ethernet({type: ETHERTYPE.VLAN}, vlan8021q({vid: 10, type: ETHERTYPE.IPV4}, v4udp()))],
    ['QinQ', LINKTYPE.ETHERNET, () => ethernetQinQ({outerVid: 100, innerVid: 10, type: ETHERTYPE.IPV4}, v4udp())],
    ['PPPoE', LINKTYPE.ETHERNET, () => ethernet({type: 0x8864}, pppoeSession({sessionId: 7, pppProtocol: PPP.IPV4}, v4udp()))],
    ['MPLS, two labels', LINKTYPE.ETHERNET, () => ethernet({type: 0x8847}, mpls([{label: 16}, {label: 17}], v4udp()))],
    ['Linux SLL', LINKTYPE.LINUX_SLL, () => sll({protocol: ETHERTYPE.IPV4}, v4udp())],
    ['Linux SLL2', LINKTYPE.LINUX_SLL2, () => sll2({protocol: ETHERTYPE.IPV4}, v4udp())],
    ['BSD NULL, little-endian', LINKTYPE.NULL, () => nullLink(AF.INET, v4udp(), 'le')],
    ['BSD NULL, big-endian', LINKTYPE.NULL, () => nullLink(AF.INET, v4udp(), 'be')],
    ['BSD LOOP', LINKTYPE.LOOP, () => nullLink(AF.INET, v4udp(), 'be')],
    ['RAW', LINKTYPE.RAW, () => v4udp()],
    ['IPV4', LINKTYPE.IPV4, () => v4udp()],
    ['PPP with address/control', 9, () => Buffer.concat([Buffer.from([0xff, 0x03, 0x00, 0x21]), v4udp()])],
    ['PPP with Cisco HDLC framing', 9, () => Buffer.concat([Buffer.from([0x0f, 0x00, 0x08, 0x00]), v4udp()])],
    ['Cisco HDLC', 104, () => Buffer.concat([Buffer.from([0x0f, 0x00, 0x08, 0x00]), v4udp()])],
    ['802.3 with LLC/SNAP', LINKTYPE.ETHERNET, () => {
      const snap = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]), v4udp()])
      return ethernet({type: snap.length}, snap)
    }],
  ])('%s reaches the same IPv4/UDP packet', (_name, linkType, build) => {
    expect(decode(linkType, build())).toEqual([expectedV4])
  })

  it('Wi-Fi monitor captures (802.11, radiotap, Prism, AVS) and Apple PKTAP reach the packet; what cannot carry IP does not', () => {
    const snap = (type: number) => Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, type >> 8, type & 0xff])
    const addresses = Buffer.alloc(18, 0x22)
    // IEEE 802.11-2020 §9.3.2.1: frame control, duration, 3 addresses, sequence control.
    const dot11 = (fc: [number, number], extra = Buffer.alloc(0), type = ETHERTYPE.IPV4) => Buffer.concat([Buffer.from([...fc, 0, 0]), addresses, Buffer.from([0, 0]), extra, snap(type), v4udp()])
    const plain = dot11([0x08, 0x01])
    const qos = dot11([0x88, 0x02], Buffer.from([0x05, 0x00]))
    const fourAddress = dot11([0x08, 0x03], Buffer.alloc(6, 0x33))
    const qosHtc = dot11([0x88, 0x81], Buffer.from([0, 0, 0, 0, 0, 0]))
    for (const frame of [plain, qos, fourAddress, qosHtc]) expect(decode(105, frame), frame.subarray(0, 2).toString('hex')).toEqual([expectedV4])
    // Protected (still encrypted), null data, a management frame, and a byte-swapped frame control
    // (only CAPWAP from Cisco controllers swaps it): nothing.
    for (const frame of [dot11([0x08, 0x41]), dot11([0x48, 0x01]), dot11([0x80, 0x00]), dot11([0x01, 0x08])]) expect(decode(105, frame)).toEqual([])
    // The EtherType and the IP version must agree.
    expect(decode(105, dot11([0x08, 0x01], Buffer.alloc(0), ETHERTYPE.IPV6))).toEqual([])

    const radiotap = (length: number, version = 0) => {
      const header = Buffer.alloc(length)
      header[0] = version
      header.writeUInt16LE(length, 2)
      header.writeUInt32LE(length > 8 ? 0x02 : 0, 4)
      return header
    }
    expect(decode(127, Buffer.concat([radiotap(8), plain]))).toEqual([expectedV4])
    expect(decode(127, Buffer.concat([radiotap(14), qos]))).toEqual([expectedV4])
    expect(decode(127, Buffer.concat([radiotap(8, 1), plain]))).toEqual([])
    const tooLong = Buffer.concat([radiotap(8), plain])
    tooLong.writeUInt16LE(tooLong.length + 1, 2)
    expect(decode(127, tooLong)).toEqual([])

    // Prism: message code and length in host order (144 bytes); AVS: big-endian version and length.
    const prism = Buffer.alloc(144)
    prism.writeUInt32LE(0x44, 0)
    prism.writeUInt32LE(144, 4)
    expect(decode(119, Buffer.concat([prism, plain]))).toEqual([expectedV4])
    const avs = Buffer.alloc(64)
    avs.writeUInt32BE(0x80211001, 0)
    avs.writeUInt32BE(64, 4)
    expect(decode(163, Buffer.concat([avs, plain]))).toEqual([expectedV4])
    avs.writeUInt32BE(0x12345678, 0)
    expect(decode(163, Buffer.concat([avs, plain]))).toEqual([])

    // PKTAP (Wireshark packet-pktap.c): little-endian header length, record type, DLT.
    const pktap = (recordType: number, dlt: number, length = 108) => {
      const header = Buffer.alloc(length)
      header.writeUInt32LE(length, 0)
      header.writeUInt32LE(recordType, 4)
      header.writeUInt32LE(dlt, 8)
      return header
    }
    expect(decode(258, Buffer.concat([pktap(1, 1), ethernet({type: ETHERTYPE.IPV4}, v4udp())]))).toEqual([expectedV4])
    expect(decode(258, Buffer.concat([pktap(1, 12, 156), v4udp()]))).toEqual([expectedV4]) // DLT_RAW, a longer header
    expect(decode(258, Buffer.concat([pktap(0, 1), ethernet({type: ETHERTYPE.IPV4}, v4udp())]))).toEqual([]) // no packet follows
    expect(decode(258, Buffer.concat([pktap(1, 258), pktap(1, 1), ethernet({type: ETHERTYPE.IPV4}, v4udp())]))).toEqual([]) // no PKTAP in PKTAP
    expect(decode(258, Buffer.concat([pktap(1, 1, 100), ethernet({type: ETHERTYPE.IPV4}, v4udp())]))).toEqual([]) // header too short
    // Every cut of each frame: never a throw, never a layer past the bytes.
    for (const [linkType, frame] of [[105, qosHtc], [127, Buffer.concat([radiotap(14), qos])], [258, Buffer.concat([pktap(1, 1), ethernet({type: ETHERTYPE.IPV4}, v4udp())])]] as const) {
      for (let cut = 0; cut < frame.length; cut++) expect(() => decode(linkType, frame.subarray(0, cut))).not.toThrow()
    }
  })

  it('IPv6 over NULL with each BSD AF_INET6 value', () => {
    for (const af of [24, 28, 30]) {
      const layers = decode(LINKTYPE.NULL, nullLink(af, v6tcp(), 'le'))
      expect(layers.map((l) => [l.src, l.dst, l.sport, l.dport])).toEqual([['2001:db8::1', '2001:db8::2', 50000, 443]])
    }
  })

  it('finds nothing in ARP or an unknown link type, without throwing', () => {
    expect(decode(LINKTYPE.ETHERNET, ethernet({type: 0x0806}, Buffer.alloc(28)))).toEqual([])
    expect(decode(147, v4udp())).toEqual([])
    expect(decode(LINKTYPE.ETHERNET, Buffer.alloc(5))).toEqual([])
  })
})

describe('network and transport', () => {
  it('skips IPv4 options and ignores Ethernet padding past Total Length', () => {
    const packet = ipv4({src: '10.0.0.1', dst: '192.0.2.7', proto: IPPROTO.UDP, options: Buffer.from([0x94, 0x04, 0, 0])}, udp({sport: 40000, dport: 53}, UDP_PAYLOAD))
    const frame = Buffer.concat([packet, Buffer.alloc(20, 0xee)])
    expect(decode(LINKTYPE.RAW, frame)).toEqual([expectedV4])
  })

  it('walks IPv6 extension headers to the transport header', () => {
    const packet = ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.UDP, extHeaders: [{type: 0}, {type: 43}, {type: 60}]}, udp({sport: 1234, dport: 5678}, UDP_PAYLOAD))
    expect(decode(LINKTYPE.RAW, packet)).toEqual([{src: '2001:db8::1', dst: '2001:db8::2', proto: 17, sport: 1234, dport: 5678, tunnel: '', payload: 'hello'}])
  })

  it('finds no transport when an IPv6 extension header is cut short (by the snapshot length) or the chain is too long', () => {
    const packet = ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.UDP, extHeaders: [{type: 0}, {type: 60}]}, udp({sport: 1234, dport: 5678}, UDP_PAYLOAD))
    // 40 bytes of IPv6 header, then 6 of the 8-byte Hop-by-Hop header; then 4 of Destination Options.
    for (const cut of [46, 52]) {
      const layers = new PacketDecoder()
      const n = layers.decode(recordOf(LINKTYPE.RAW, packet.subarray(0, cut)))
      expect(n, `cut at ${cut}`).toBe(1)
      expect(layers.layers[0]!.hasTransport, `cut at ${cut}`).toBe(false)
    }
    const long = ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.UDP, extHeaders: Array.from({length: 40}, () => ({type: 60}))}, udp({sport: 1234, dport: 5678}, UDP_PAYLOAD))
    const decoder = new PacketDecoder()
    expect(decoder.decode(recordOf(LINKTYPE.RAW, long))).toBe(1)
    expect(decoder.layers[0]!.hasTransport).toBe(false)
  })

  it('does not read the data of a later IPv6 fragment as headers or ports', () => {
    const whole = ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.UDP, extHeaders: [{type: 60}]}, udp({sport: 1234, dport: 5678}, Buffer.alloc(400, 0x3c)))
    const [first, second] = fragmentIpv6(whole, 200, 77)
    expect(decode(LINKTYPE.RAW, first!)[0]).toMatchObject({sport: 1234, dport: 5678, proto: 17})
    const later = decode(LINKTYPE.RAW, second!)[0]!
    expect([later.sport, later.dport]).toEqual([0, 0])
  })

  it('rejects a truncated IPv4 header and a bad version', () => {
    expect(decode(LINKTYPE.RAW, v4udp().subarray(0, 19))).toEqual([])
    const bad = Buffer.from(v4udp())
    bad[0] = 0x55
    expect(decode(LINKTYPE.RAW, bad)).toEqual([])
  })
})

describe('tunnels', () => {
  const inner = () => ipv4({src: '10.45.0.7', dst: '142.250.74.110', proto: IPPROTO.UDP}, udp({sport: 40123, dport: 443}, UDP_PAYLOAD))
  const outerUdp = (dport: number, payload: Buffer) => ipv4({src: '10.100.0.1', dst: '10.100.0.2', proto: IPPROTO.UDP}, udp({sport: dport, dport}, payload))
  const innerLayer = {src: '10.45.0.7', dst: '142.250.74.110', proto: 17, sport: 40123, dport: 443, payload: 'hello'}

  it('GTP-U with an extension header', () => {
    const layers = decode(LINKTYPE.RAW, outerUdp(2152, gtpu({teid: 1, seq: 5, extHeaders: [gtpuPduSessionContainer({pduType: 0, qfi: 9})]}, inner())))
    expect(layers).toHaveLength(2)
    expect(layers[1]).toEqual({...innerLayer, tunnel: 'gtp-u'})
  })

  it('VXLAN carrying Ethernet', () => {
    const layers = decode(LINKTYPE.RAW, outerUdp(4789, vxlan({vni: 42}, ethernet({type: ETHERTYPE.IPV4}, inner()))))
    expect(layers[1]).toEqual({...innerLayer, tunnel: 'vxlan'})
  })

  it('GRE with a key, and transparent Ethernet bridging', () => {
    const withKey = ipv4({src: '10.1.1.1', dst: '10.1.1.2', proto: IPPROTO.GRE}, gre({protocol: ETHERTYPE.IPV4, key: 99}, inner()))
    expect(decode(LINKTYPE.RAW, withKey)[1]).toEqual({...innerLayer, tunnel: 'gre'})
    const teb = ipv4({src: '10.1.1.1', dst: '10.1.1.2', proto: IPPROTO.GRE}, gre({protocol: 0x6558, checksum: true, seq: 3}, ethernet({type: ETHERTYPE.IPV4}, inner())))
    expect(decode(LINKTYPE.RAW, teb)[1]).toEqual({...innerLayer, tunnel: 'gre'})
  })

  it('ERSPAN mirror sessions: type I (no header), type II (8-byte header) and type III (12 bytes, platform subheader, Ethernet or IP)', () => {
    const outer = (greBytes: Buffer) => ipv4({src: '10.1.1.1', dst: '10.1.1.2', proto: IPPROTO.GRE}, greBytes)
    const mirrored = ethernet({type: ETHERTYPE.IPV4}, inner())
    // Type I: GRE 0x88be without a sequence number, the mirrored frame right after.
    expect(decode(LINKTYPE.RAW, outer(gre({protocol: 0x88be}, mirrored)))[1]).toEqual({...innerLayer, tunnel: 'gre'})
    // Type II: the sequence number, then version 1, VLAN, session id...: 8 bytes.
    const typeII = Buffer.from([0x10, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00])
    expect(decode(LINKTYPE.RAW, outer(gre({protocol: 0x88be, seq: 7}, Buffer.concat([typeII, mirrored]))))[1]).toEqual({...innerLayer, tunnel: 'gre'})
    // Type III: version 2; byte 10 holds the frame type (bits 1-5), byte 11's last bit the O flag.
    const typeIII = (frameType: number, optional: boolean) => {
      const h = Buffer.alloc(12)
      h[0] = 0x20
      h[10] = frameType << 2
      h[11] = optional ? 1 : 0
      return optional ? Buffer.concat([h, Buffer.alloc(8, 0xee)]) : h
    }
    expect(decode(LINKTYPE.RAW, outer(gre({protocol: 0x22eb, seq: 1}, Buffer.concat([typeIII(0, false), mirrored]))))[1]).toEqual({...innerLayer, tunnel: 'gre'})
    expect(decode(LINKTYPE.RAW, outer(gre({protocol: 0x22eb, seq: 1}, Buffer.concat([typeIII(0, true), mirrored]))))[1]).toEqual({...innerLayer, tunnel: 'gre'})
    expect(decode(LINKTYPE.RAW, outer(gre({protocol: 0x22eb}, Buffer.concat([typeIII(2, true), inner()]))))[1]).toEqual({...innerLayer, tunnel: 'gre'})
    // A header cut short, or a frame type that is neither, decodes no inner packet.
    expect(decode(LINKTYPE.RAW, outer(gre({protocol: 0x22eb}, Buffer.alloc(8))))).toHaveLength(1)
    expect(decode(LINKTYPE.RAW, outer(gre({protocol: 0x22eb}, Buffer.concat([typeIII(1, false), mirrored]))))).toHaveLength(1)
  })

  it('IPv4-in-IPv4 and 6in4', () => {
    expect(decode(LINKTYPE.RAW, ipv4({src: '10.1.1.1', dst: '10.1.1.2', proto: 4}, inner()))[1]).toEqual({...innerLayer, tunnel: 'ipip'})
    const six = decode(LINKTYPE.RAW, ipv4({src: '10.1.1.1', dst: '10.1.1.2', proto: 41}, v6tcp()))
    expect(six[1]).toMatchObject({src: '2001:db8::1', sport: 50000, dport: 443, tunnel: '6in4'})
  })

  it('Geneve with options, carrying Ethernet and IPv4', () => {
    // RFC 8926 §3.4: Ver 0, Opt Len in 4-byte words, O/C flags, Protocol Type, VNI; then options.
    const geneve = (protocol: number, optionWords: number, payload: Buffer) =>
      Buffer.concat([Buffer.from([optionWords, 0, protocol >> 8, protocol & 0xff, 0, 0, 42, 0]), Buffer.alloc(optionWords * 4, 0x5a), payload])
    expect(decode(LINKTYPE.RAW, outerUdp(6081, geneve(0x6558, 2, ethernet({type: ETHERTYPE.IPV4}, inner()))))[1]).toEqual({...innerLayer, tunnel: 'geneve'})
    expect(decode(LINKTYPE.RAW, outerUdp(6081, geneve(0x0800, 0, inner())))[1]).toEqual({...innerLayer, tunnel: 'geneve'})
    // Version 1 is not Geneve as RFC 8926 defines it: left alone.
    expect(decode(LINKTYPE.RAW, outerUdp(6081, Buffer.concat([Buffer.from([0x40, 0, 0x08, 0x00, 0, 0, 42, 0]), inner()])))).toHaveLength(1)
  })

  it('Teredo', () => {
    const layers = decode(LINKTYPE.RAW, outerUdp(3544, v6tcp()))
    expect(layers[1]).toMatchObject({src: '2001:db8::1', dport: 443, tunnel: 'teredo'})
  })

  it('TZSP (a MikroTik sniffer stream) carrying Ethernet or IEEE 802.11, after its tagged fields', () => {
    // Version 1, type 0 (received), encapsulation; tags: padding, RSSI (type 10, 1 byte), end.
    const tzsp = (encapsulation: number, frame: Buffer, type = 0) => Buffer.concat([Buffer.from([1, type, encapsulation >> 8, encapsulation & 0xff, 0, 10, 1, 0xc4, 1]), frame])
    const eth = ethernet({type: ETHERTYPE.IPV4}, inner())
    expect(decode(LINKTYPE.RAW, outerUdp(37008, tzsp(1, eth)))[1]).toEqual({...innerLayer, tunnel: 'tzsp'})
    expect(decode(LINKTYPE.RAW, outerUdp(37008, tzsp(1, eth, 1)))[1]).toEqual({...innerLayer, tunnel: 'tzsp'})
    const dot11 = Buffer.concat([Buffer.from([0x08, 0x01, 0, 0]), Buffer.alloc(18, 0x11), Buffer.from([0, 0]), Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]), inner()])
    expect(decode(LINKTYPE.RAW, outerUdp(37008, tzsp(18, dot11)))[1]).toEqual({...innerLayer, tunnel: 'tzsp'})
    // Not a packet (type 4: keep-alive), another version, tags that never end: the datagram stays as it is.
    expect(decode(LINKTYPE.RAW, outerUdp(37008, tzsp(1, eth, 4)))).toHaveLength(1)
    expect(decode(LINKTYPE.RAW, outerUdp(37008, Buffer.concat([Buffer.from([2, 0, 0, 1, 1]), eth])))).toHaveLength(1)
    expect(decode(LINKTYPE.RAW, outerUdp(37008, Buffer.from([1, 0, 0, 1, 0, 0, 10, 200])))).toHaveLength(1)
  })

  it('L2TPv2 data messages carrying PPP, with and without the optional fields; control messages and what is not IP left alone', () => {
    // RFC 2661 §3.1. Flags 0x0002: no optional field; tunnel 1, session 2; PPP address/control, IPv4.
    const ppp = (protocol: number[], packet: Buffer) => Buffer.concat([Buffer.from([0xff, 0x03, ...protocol]), packet])
    const plain = Buffer.concat([Buffer.from([0x00, 0x02, 0, 1, 0, 2]), ppp([0x00, 0x21], inner())])
    expect(decode(LINKTYPE.RAW, outerUdp(1701, plain))[1]).toEqual({...innerLayer, tunnel: 'l2tp'})
    // L, S and O set: length, Ns/Nr, a 2-byte offset pad; PPP with its protocol field compressed
    // and without address/control; 3 bytes of padding after the message that the length leaves out.
    const body = Buffer.concat([Buffer.from([0x21]), inner()])
    const head = Buffer.alloc(16)
    head.writeUInt16BE(0x4a02, 0)
    head.writeUInt16BE(head.length + body.length, 2) // length
    head.writeUInt16BE(7, 4) // tunnel
    head.writeUInt16BE(9, 6) // session
    head.writeUInt16BE(3, 8) // Ns
    head.writeUInt16BE(4, 10) // Nr
    head.writeUInt16BE(2, 12) // offset size, then 2 bytes of pad
    const withOffset = Buffer.concat([head, body, Buffer.alloc(3)])
    expect(decode(LINKTYPE.RAW, outerUdp(1701, withOffset))[1]).toEqual({...innerLayer, tunnel: 'l2tp'})
    // IPv6 over PPP (0x0057); a NAT that changed the LAC's source port still leaves 1701 at one end.
    const v6 = Buffer.concat([Buffer.from([0x00, 0x02, 0, 1, 0, 2]), ppp([0x00, 0x57], v6tcp())])
    const natted = ipv4({src: '10.100.0.1', dst: '10.100.0.2', proto: IPPROTO.UDP}, udp({sport: 61000, dport: 1701}, v6))
    expect(decode(LINKTYPE.RAW, natted)[1]).toMatchObject({src: '2001:db8::1', dport: 443, tunnel: 'l2tp'})
    // A control message (T set), LCP (0xc021), version 3, a reserved bit, a length past the datagram.
    const notIp = [
      Buffer.concat([Buffer.from([0xc8, 0x02, 0, 12, 0, 1, 0, 2, 0, 0, 0, 0])]),
      Buffer.concat([Buffer.from([0x00, 0x02, 0, 1, 0, 2]), ppp([0xc0, 0x21], inner())]),
      Buffer.concat([Buffer.from([0x00, 0x03, 0, 1, 0, 2]), ppp([0x00, 0x21], inner())]),
      Buffer.concat([Buffer.from([0x10, 0x02, 0, 1, 0, 2]), ppp([0x00, 0x21], inner())]),
      Buffer.concat([Buffer.from([0x40, 0x02, 0x0f, 0xff, 0, 1, 0, 2]), ppp([0x00, 0x21], inner())]),
    ]
    for (const payload of notIp) expect(decode(LINKTYPE.RAW, outerUdp(1701, payload))).toHaveLength(1)
  })

  it('PPTP: enhanced GRE (version 1) carrying PPP, with sequence and acknowledgement numbers', () => {
    // RFC 2637 §4.1: flags K, S, A and version 1; protocol 0x880b; key = payload length + call id.
    const pptp = (pppFrame: Buffer) => {
      const head = Buffer.alloc(16)
      head.writeUInt16BE(0x3081, 0)
      head.writeUInt16BE(0x880b, 2)
      head.writeUInt16BE(pppFrame.length, 4)
      head.writeUInt16BE(0x1234, 6) // call id
      head.writeUInt32BE(5, 8) // sequence
      head.writeUInt32BE(4, 12) // acknowledgement
      return ipv4({src: '10.1.1.1', dst: '10.1.1.2', proto: IPPROTO.GRE}, Buffer.concat([head, pppFrame]))
    }
    expect(decode(LINKTYPE.RAW, pptp(Buffer.concat([Buffer.from([0xff, 0x03, 0x00, 0x21]), inner()])))[1]).toEqual({...innerLayer, tunnel: 'gre'})
    expect(decode(LINKTYPE.RAW, pptp(Buffer.concat([Buffer.from([0x21]), inner()])))[1]).toEqual({...innerLayer, tunnel: 'gre'})
    expect(decode(LINKTYPE.RAW, pptp(Buffer.concat([Buffer.from([0xc0, 0x21]), inner()])))).toHaveLength(1)
  })

  it('CAPWAP data carrying IEEE 802.11 (plain and byte-swapped frame control, QoS) and 802.3', () => {
    // RFC 5415 §4.3: preamble 0; HLEN 4 words, WBID 1, T and W set; fragment fields; a 4-byte
    // wireless information element and padding to HLEN.
    const capwap = (native: boolean, frame: Buffer) => {
      const word = (4 << 19) | (1 << 9) | ((native ? 1 : 0) << 8) | (1 << 5)
      const head = Buffer.from([0, (word >> 16) & 0xff, (word >> 8) & 0xff, word & 0xff, 0, 0, 0, 0, 4, 0xbf, 0x23, 0, 0, 0, 0, 0])
      return Buffer.concat([head, frame])
    }
    const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00])
    const addresses = Buffer.alloc(18, 0x11)
    const dot11 = (fc: [number, number], extra: Buffer = Buffer.alloc(0)) => Buffer.concat([Buffer.from([...fc, 0, 0]), addresses, Buffer.from([0, 0]), extra, snap, inner()])
    const plain = dot11([0x08, 0x01]) // data, To DS
    const swapped = dot11([0x01, 0x08]) // the same, frame control byte-swapped (Cisco)
    const qos = dot11([0x88, 0x01], Buffer.from([0, 0])) // QoS data: 2 bytes of QoS control
    for (const frame of [plain, swapped, qos]) expect(decode(LINKTYPE.RAW, outerUdp(5247, capwap(true, frame)))[1], frame.subarray(0, 2).toString('hex')).toEqual({...innerLayer, tunnel: 'capwap'})
    expect(decode(LINKTYPE.RAW, outerUdp(5247, capwap(false, ethernet({type: ETHERTYPE.IPV4}, inner()))))[1]).toEqual({...innerLayer, tunnel: 'capwap'})
    // Protected (encrypted) and null-data frames carry nothing readable.
    expect(decode(LINKTYPE.RAW, outerUdp(5247, capwap(true, dot11([0x08, 0x41]))))).toHaveLength(1)
    expect(decode(LINKTYPE.RAW, outerUdp(5247, capwap(true, dot11([0x48, 0x01]))))).toHaveLength(1)
  })

  it('leaves ordinary traffic on a tunnel port alone', () => {
    expect(decode(LINKTYPE.RAW, outerUdp(2152, Buffer.from('not a GTP header at all')))).toHaveLength(1)
    expect(decode(LINKTYPE.RAW, outerUdp(4789, Buffer.alloc(30)))).toHaveLength(1)
    expect(decode(LINKTYPE.RAW, outerUdp(5247, Buffer.from('not a CAPWAP header, just text')))).toHaveLength(1)
  })

  it(`stops after ${MAX_LAYERS} layers of tunnels inside tunnels`, () => {
    let packet = inner()
    for (let i = 0; i < 10; i++) packet = ipv4({src: '10.1.1.1', dst: '10.1.1.2', proto: IPPROTO.GRE}, gre({protocol: ETHERTYPE.IPV4}, packet))
    expect(decode(LINKTYPE.RAW, packet)).toHaveLength(MAX_LAYERS)
  })
})
