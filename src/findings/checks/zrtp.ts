/**
 * ZRTP (RFC 6189) on media flows: what its Hellos give away. The analyzer's facts
 * (src/protocols/zrtp/zrtp-analyzer.ts) keep each side's first Hello.
 */
import type {Finding, FindingEvidence} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {type CheckContext, finding, flowsWith, quote} from '../context.js'

/**
 * CA-META-012: the ZID in each Hello (§4.2: kept by the endpoint for good, the index of its
 * key-continuity cache) identifies the device in every call it makes, and the client id names
 * its software. Medium when a side declares itself a trusted MiTM (the M flag, §5.2: a PBX that
 * relays the SAS, §7.3), which then holds the media keys of both legs.
 */
export function zrtpIdentifiers(ctx: CheckContext): Finding[] {
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  const zids = new Set<string>()
  const mitms = new Set<string>()
  let goClear = false
  for (const flow of flowsWith(ctx, 'zrtp')) {
    const zrtp = factsOf(flow).zrtp
    if (!zrtp || zrtp.hellos.length === 0) continue
    flowIds.push(flow.id)
    if (zrtp.goClear) goClear = true
    for (const h of zrtp.hellos) {
      zids.add(h.zid)
      const side = h.fromClient ? flow.client.ip : flow.server.ip
      if (h.mitm) mitms.add(`${quote(h.clientId)} at ${side}`)
      evidence.push({
        description: `ZRTP Hello from ${side} (client id ${quote(h.clientId)}) carries ZID ${h.zid}${h.mitm ? ', and declares a trusted MiTM' : ''}`,
        frame: h.evidence.frame,
        capture: h.evidence.capture,
        time: h.evidence.time,
        flowId: flow.id,
      })
    }
  }
  if (flowIds.length === 0) return []
  const parts = [
    `ZRTP keys the media of ${flowIds.length} flow${flowIds.length > 1 ? 's' : ''} end to end, but its Hello messages travel in clear with ${zids.size} ZID${zids.size > 1 ? 's' : ''}: each is fixed for the installation that sent it, so whoever sees them recognises the same device in every call it makes, from any address; the client id names its software.`,
  ]
  if (mitms.size) parts.push(`A side declares itself a ZRTP trusted MiTM (${[...mitms].join(', ')}): a PBX that holds the media keys of both legs, so the media is decrypted there and is end to end only to it.`)
  if (goClear) parts.push('A side sent GoClear, asking to send the media in clear from then on.')
  return [finding('CA-META-012', mitms.size ? 'medium' : undefined, parts.join(' '), evidence, flowIds)]
}
