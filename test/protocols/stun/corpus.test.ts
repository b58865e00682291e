import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {flowRecords} from '../../../src/flows/flow-records.js'
import {type AddressFact, type StunFacts, stunAnalyzer} from '../../../src/protocols/stun/analyzer.js'
import {corpusFiles, corpusPath, HAVE_CORPUS, oraclePath} from '../../helpers/paths.js'
import {EXTRA_ADDRESSES, MISSED_ADDRESSES, MISSED_MESSAGE_TYPES} from './oracle-expectations.js'

/**
 * STUN/TURN facts against tshark's decode (oracle `stun[]`) over the whole corpus:
 *  1. address attributes (MAPPED, XOR-MAPPED, XOR-RELAYED, XOR-PEER, RESPONSE-ORIGIN, OTHER-ADDRESS,
 *     the RFC 3489 and [MS-TURN] ones): every distinct (capture, sender → receiver, attribute type,
 *     ip, port) tshark shows must be in our facts — target ≥ 95 %, the bar;
 *  2. message types: every (flow, message type) tshark saw appears in our per-flow type counts;
 *  3. TURN channels: every (flow, channel number) of tshark's ChannelData appears in our facts.
 * Differences in either direction must be listed, with their reason, in oracle-expectations.ts.
 * (Message counts are not compared: tshark dissects TCP retransmissions again, and does not know
 * WhatsApp's methods 0x800-0x802, so its counts are neither a floor nor a ceiling.)
 */

interface OracleAttr {
  type: string
  ip?: string
  port?: number
}
interface OracleMessage {
  transport: 'tcp' | 'udp'
  src: string
  sport: number
  dst: string
  dport: number
  message_type?: string
  message_type_name: string
  channel?: string
  attributes?: OracleAttr[]
}

const pair = (proto: string, a: string, ap: number, b: string, bp: number) => {
  const x = `${a}|${ap}`
  const y = `${b}|${bp}`
  return x < y ? `${proto}|${x}|${y}` : `${proto}|${y}|${x}`
}

interface Comparison {
  addresses: {total: number; matched: number; missed: string[]; extra: string[]}
  messageTypes: {total: number; matched: number; missed: string[]}
  channels: {total: number; matched: number; missed: string[]}
}

async function compare(names: string[]): Promise<Comparison> {
  const out: Comparison = {addresses: {total: 0, matched: 0, missed: [], extra: []}, messageTypes: {total: 0, matched: 0, missed: []}, channels: {total: 0, matched: 0, missed: []}}
  for (const name of names) {
    const oracle = JSON.parse(readFileSync(oraclePath(name), 'utf8')) as {stun?: OracleMessage[]}
    const messages = oracle.stun ?? []
    const collection = await collectFlows([corpusPath(name)], {analyzers: [stunAnalyzer]})
    const ourAddresses = new Set<string>()
    const ourTypes = new Set<string>()
    const ourChannels = new Set<string>()
    for (const f of flowRecords(collection)) {
      const s = f.protocols?.stun as StunFacts | undefined
      if (!s) continue
      const flow = pair(f.proto, f.client.ip, f.client.port, f.server.ip, f.server.port)
      const lists: AddressFact[][] = [s.mappedAddresses, s.relayedAddresses, s.peerAddresses, s.serverAddresses]
      for (const a of lists.flat()) {
        if (a.via) continue // relayed inside DATA / ChannelData: tshark shows those as payload
        const [from, to] = a.sentBy === 'client' ? [f.client, f.server] : [f.server, f.client]
        ourAddresses.add(`${name}|${f.proto}|${from.ip}|${from.port}|${to.ip}|${to.port}|${a.type}|${a.ip}|${a.port}`)
      }
      for (const t of s.messageTypes) ourTypes.add(`${name}|${flow}|${t.type}`)
      for (const c of s.channels) ourChannels.add(`${name}|${flow}|${c.channel}`)
    }
    const theirAddresses = new Set<string>()
    const theirTypes = new Set<string>()
    const theirChannels = new Set<string>()
    for (const m of messages) {
      const flow = pair(m.transport, m.src, m.sport, m.dst, m.dport)
      if (m.message_type) theirTypes.add(`${name}|${flow}|${m.message_type}`)
      if (m.channel) theirChannels.add(`${name}|${flow}|${m.channel}`)
      for (const a of m.attributes ?? []) {
        if (a.ip !== undefined && a.port !== undefined) theirAddresses.add(`${name}|${m.transport}|${m.src}|${m.sport}|${m.dst}|${m.dport}|${a.type}|${a.ip}|${a.port}`)
      }
    }
    for (const k of theirAddresses) {
      out.addresses.total++
      if (ourAddresses.has(k)) out.addresses.matched++
      else out.addresses.missed.push(k)
    }
    for (const k of ourAddresses) if (!theirAddresses.has(k)) out.addresses.extra.push(k)
    for (const k of theirTypes) {
      out.messageTypes.total++
      if (ourTypes.has(k)) out.messageTypes.matched++
      else out.messageTypes.missed.push(k)
    }
    for (const k of theirChannels) {
      out.channels.total++
      if (ourChannels.has(k)) out.channels.matched++
      else out.channels.missed.push(k)
    }
  }
  return out
}

/** capture and attribute type of an address key. */
function classOf(key: string): {capture: string; type: string} {
  const parts = key.split('|')
  return {capture: parts[0]!, type: parts[6]!}
}

describe.skipIf(!HAVE_CORPUS)('STUN/TURN agrees with tshark over the corpus', () => {
  let result: Comparison
  const withStun = corpusFiles().filter((n) => {
    const o = JSON.parse(readFileSync(oraclePath(n), 'utf8')) as {counts?: {stun?: number}}
    return (o.counts?.stun ?? 0) > 0
  })

  it('reads every capture tshark found STUN in', async () => {
    result = await compare(withStun)
    expect(withStun.length).toBeGreaterThan(10)
  })

  it('address attributes: ≥ 95 % of tshark’s, every difference explained', () => {
    const a = result.addresses
    const agreement = a.matched / a.total
    console.log(`STUN addresses: ${a.matched}/${a.total} = ${(agreement * 100).toFixed(1)} % of tshark's; ${a.extra.length} more decoded by us`)
    expect(agreement).toBeGreaterThanOrEqual(0.95)
    const unexplainedMissed = a.missed.filter((k) => !MISSED_ADDRESSES.some((e) => e.capture === classOf(k).capture && e.type === classOf(k).type))
    const unexplainedExtra = a.extra.filter((k) => !EXTRA_ADDRESSES.some((e) => e.capture === classOf(k).capture && e.type === classOf(k).type))
    expect(unexplainedMissed).toEqual([])
    expect(unexplainedExtra).toEqual([])
    for (const e of EXTRA_ADDRESSES) expect(a.extra.some((k) => classOf(k).capture === e.capture && classOf(k).type === e.type), `stale expectation ${e.capture} ${e.type}`).toBe(true)
    for (const e of MISSED_ADDRESSES) expect(a.missed.some((k) => classOf(k).capture === e.capture && classOf(k).type === e.type), `stale expectation ${e.capture} ${e.type}`).toBe(true)
  })

  it('message types per flow: every type tshark saw is in our counts', () => {
    const t = result.messageTypes
    console.log(`STUN message types per flow: ${t.matched}/${t.total}`)
    const unexplained = t.missed.filter((k) => !MISSED_MESSAGE_TYPES.some((e) => k.startsWith(`${e.capture}|`) && k.endsWith(`|${e.type}`)))
    expect(unexplained).toEqual([])
  })

  it('TURN ChannelData: every channel tshark saw is in our facts', () => {
    const c = result.channels
    console.log(`TURN channels per flow: ${c.matched}/${c.total}`)
    expect(c.missed).toEqual([])
    expect(c.total).toBeGreaterThan(0)
  })

  it('TURN ChannelData: none where tshark saw none, over every capture (Kerberos and GTP-C fit its header)', async () => {
    const extra: string[] = []
    let ours = 0
    for (const name of corpusFiles()) {
      const oracle = JSON.parse(readFileSync(oraclePath(name), 'utf8')) as {stun?: OracleMessage[]}
      const theirs = new Set((oracle.stun ?? []).filter((m) => m.channel).map((m) => `${pair(m.transport, m.src, m.sport, m.dst, m.dport)}|${m.channel}`))
      const collection = await collectFlows([corpusPath(name)], {analyzers: [stunAnalyzer]})
      for (const f of flowRecords(collection)) {
        const s = f.protocols?.stun as StunFacts | undefined
        for (const c of s?.channels ?? []) {
          ours++
          const key = `${pair(f.proto, f.client.ip, f.client.port, f.server.ip, f.server.port)}|${c.channel}`
          if (!theirs.has(key)) extra.push(`${name}|${key}`)
        }
      }
    }
    expect(extra).toEqual([])
    expect(ours).toBeGreaterThanOrEqual(5) // adult_content, stun.pcap (2 flows), teams.pcap (2 flows)
  }, 120_000)
})
