/**
 * IKEv1 Aggressive Mode (RFC 2409 §5.4): its first two messages carry the identities in clear,
 * where Main Mode (§5) and IKEv2 (RFC 7296 §1.2) encrypt them. The IPsec analyzer's facts
 * (src/protocols/ipsec/ipsec-analyzer.ts) keep them.
 */
import type {Finding, FindingEvidence} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {isPreSharedKey} from '../../protocols/ipsec/ike-payloads.js'
import {type CheckContext, finding, flowsWith, quote} from '../context.js'

/**
 * CA-META-015: a VPN negotiated with IKEv1 Aggressive Mode names its user or device in clear;
 * high with a pre-shared key, whose responder hash in the same exchange lets anyone who
 * recorded it guess the key offline (the weakness `ike-scan --aggressive` and `psk-crack`
 * exploit), after which the tunnel's traffic, the call's included, can be decrypted.
 */
export function ikeAggressiveIdentities(ctx: CheckContext): Finding[] {
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  const names = new Set<string>()
  let preShared = false
  for (const flow of flowsWith(ctx, 'ipsec')) {
    const ipsec = factsOf(flow).ipsec
    if (!ipsec?.identities?.length) continue
    flowIds.push(flow.id)
    if (ipsec.authMethods?.some(isPreSharedKey)) preShared = true
    for (const id of ipsec.identities) {
      names.add(id.value)
      const sender = id.fromClient ? flow.client.ip : flow.server.ip
      evidence.push({description: `IKEv1 identity ${id.type} ${quote(id.value)} sent in clear by ${sender}`, frame: id.evidence.frame, capture: id.evidence.capture, time: id.evidence.time, flowId: flow.id})
    }
  }
  if (!flowIds.length) return []
  const detail =
    `${flowIds.length} IPsec VPN negotiation${flowIds.length > 1 ? 's' : ''} used IKEv1 Aggressive Mode, which sends the identities in clear: ${[...names].slice(0, 4).map(quote).join(', ')}. Anyone on the path reads who connects to which VPN gateway.` +
    (preShared ? ' With a pre-shared key, the same exchange carries a hash of it that can be guessed offline; whoever recovers the key can decrypt the tunnel, and the call inside it.' : '')
  return [finding('CA-META-015', preShared ? 'high' : undefined, detail, evidence, flowIds)]
}
