import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv6, stunBindingRequest, udp} from '../support/packet-builder.js'

/**
 * The same capture gives the same bytes whatever the machine's locale. localeCompare without a
 * locale follows LANG: under da_DK an IPv6 group "aa" sorts after "b" (as "å"), which reordered
 * the findings of these servers (all in Frankfurt, each judged outside a US home).
 */
const SERVERS = ['2a00:1450:4001:aa1::1', '2a00:1450:4001:b1::1', '2a00:1450:4001:a1::1', '2a00:1450:4001:c01::1']

function capture(): string {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  SERVERS.forEach((server, i) => {
    for (let k = 0; k < 3; k++) {
      // The same bytes to each server: equal severity and bytes, so only the address orders them.
      // STUN Binding requests to a STUN port: call traffic, which CA-GEO-001 judges.
      w.add({sec: 1_763_600_000 + i, nsec: k * 1000}, ethernet({type: ETHERTYPE.IPV6}, ipv6({src: '2001:4860::5', dst: server, next: IPPROTO.UDP}, udp({sport: 40000 + i, dport: 3478}, stunBindingRequest({txid: Buffer.alloc(12, k)})))))
    }
  })
  const path = join(tempDir('callaudit-locale-'), 'call.pcap')
  writeFileSync(path, w.toBuffer())
  return path
}

describe('outputs do not depend on the machine\'s locale', () => {
  it('gives byte-identical JSON under en_US, da_DK and cs_CZ', async () => {
    const path = capture()
    const outputs: string[] = []
    for (const locale of ['en_US.UTF-8', 'da_DK.UTF-8', 'cs_CZ.UTF-8']) {
      const run = await runCli(['analyze', path, '--home', 'US', '--json'], {env: {LANG: locale, LC_ALL: locale}})
      expect(run.code).toBe(1)
      outputs.push(run.stdout)
    }
    const endpoints = (JSON.parse(outputs[0]!) as {findings: Array<{ruleId: string; endpoint?: string}>}).findings.filter((f) => f.ruleId === 'CA-GEO-001').map((f) => f.endpoint)
    // The order English gives, which reports have always had.
    expect(endpoints).toEqual(['2a00:1450:4001:a1::1', '2a00:1450:4001:aa1::1', '2a00:1450:4001:b1::1', '2a00:1450:4001:c01::1'])
    expect(outputs[1]).toBe(outputs[0])
    expect(outputs[2]).toBe(outputs[0])
  })
})
