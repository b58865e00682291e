import type {Finding, FindingEvidence} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {type CheckContext, finding, isCallFlow, quote} from '../context.js'

/** CA-CRYPTO-001/002: obsolete versions and weak suites negotiated with call servers. */
export function weakTls(ctx: CheckContext): Finding[] {
  const obsolete: FindingEvidence[] = []
  const obsoleteFlows: number[] = []
  const weak: FindingEvidence[] = []
  const weakFlows: number[] = []
  for (const flow of ctx.flows) {
    if (!isCallFlow(flow)) continue
    const hello = factsOf(flow).tls?.serverHello
    if (!hello) continue
    const base = {frame: hello.evidence.frame, capture: hello.evidence.capture, time: hello.evidence.time, flowId: flow.id}
    if (hello.obsoleteVersion) {
      obsolete.push({...base, description: `${flow.remote.ip} chose ${hello.version}`})
      obsoleteFlows.push(flow.id)
    }
    if (hello.weakCipher.length) {
      weak.push({...base, description: `${flow.remote.ip} chose ${hello.cipherSuite} (${hello.weakCipher.join(', ')})`})
      weakFlows.push(flow.id)
    }
  }
  const out: Finding[] = []
  if (obsolete.length) out.push(finding('CA-CRYPTO-001', undefined, `${obsolete.length} TLS session${obsolete.length > 1 ? 's' : ''} with call servers use a version below TLS 1.2.`, obsolete, obsoleteFlows))
  if (weak.length) out.push(finding('CA-CRYPTO-002', undefined, `${weak.length} TLS session${weak.length > 1 ? 's' : ''} with call servers negotiated a weak cipher suite.`, weak, weakFlows))
  return out
}

/** CA-CRYPTO-003: TLS server certificates that are self-signed or expired at capture time.
 * DTLS is left out: WebRTC's self-signed DTLS certificates are authenticated by fingerprint in
 * the signalling, which is their design, not a flaw. */
export function badCertificates(ctx: CheckContext): Finding[] {
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  for (const flow of ctx.flows) {
    if (!isCallFlow(flow)) continue
    for (const message of factsOf(flow).tls?.certificates ?? []) {
      const leaf = message.chain[0]
      if (message.sentBy !== 'server' || !leaf || !(leaf.selfSigned || leaf.expired)) continue
      const why = [leaf.selfSigned ? 'self-signed' : '', leaf.expired ? `expired ${leaf.validTo ?? ''}`.trim() : ''].filter(Boolean).join(' and ')
      evidence.push({description: `${flow.remote.ip} presented ${quote(leaf.subjectCN ?? leaf.fingerprint256)}: ${why}`, frame: message.evidence.frame, capture: message.evidence.capture, time: message.evidence.time, flowId: flow.id})
      flowIds.push(flow.id)
    }
  }
  if (!evidence.length) return []
  return [finding('CA-CRYPTO-003', undefined, `${evidence.length} call server certificate${evidence.length > 1 ? 's were' : ' was'} self-signed or expired at the time of the call.`, evidence.slice(0, 20), flowIds)]
}

/** CA-CRYPTO-004: media that looks encrypted yet repeats 16-byte blocks (AES-ECB, Zoom 2020). */
export function repeatedCipherBlocks(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of ctx.flows) {
    const streams = factsOf(flow).rtp?.streams ?? []
    const suspects = streams.filter((s) => s.content.ecbSuspect)
    if (!suspects.length) continue
    const evidence = suspects.slice(0, 10).map((s) => ({
      description: `SSRC ${s.ssrc}: ${s.content.reason}`,
      frame: s.first.frame,
      capture: s.first.capture,
      time: s.first.time,
      flowId: flow.id,
    }))
    out.push(finding('CA-CRYPTO-004', undefined, `Media between ${flow.client.ip} and ${flow.server.ip} repeats whole 16-byte blocks inside payloads that otherwise look encrypted. Output of AES in a proper mode never repeats; in ECB mode identical plaintext (silence, a still picture) gives identical ciphertext, which leaks the content's patterns.`, evidence, [flow.id], flow.remote.ip))
  }
  return out
}
