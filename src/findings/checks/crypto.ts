import type {Finding, FindingEvidence} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {type CheckContext, finding, flowsWith, MAX_FINDING_EVIDENCE, quote} from '../context.js'
import {type StaticKeyExchange, staticKeyExchange} from '../../protocols/tls/tls-registry.js'
import type {ServerHelloFacts} from '../../protocols/tls/hello-facts.js'

/** Certificates described in a CA-CRYPTO-003 finding. */
const MAX_ITEMS = 20

/** CA-CRYPTO-001/002/006: obsolete versions, weak suites and suites without forward secrecy
 * negotiated with call servers (TLS; for 006 the DTLS of media keying too). */
export function weakTls(ctx: CheckContext): Finding[] {
  // Evidence is described only for the sessions a finding keeps; the flows count them all.
  const obsolete: FindingEvidence[] = []
  const obsoleteFlows: number[] = []
  const weak: FindingEvidence[] = []
  const weakFlows: number[] = []
  const noSecrecy: FindingEvidence[] = []
  const noSecrecyFlows: number[] = []
  for (const flow of ctx.callFlows) {
    const facts = factsOf(flow)
    const hello = facts.tls?.serverHello
    const fixed = withoutForwardSecrecy(hello, 'TLS') ?? withoutForwardSecrecy(facts.dtls?.serverHello, 'DTLS')
    if (fixed) {
      const e = fixed.hello.evidence
      if (noSecrecy.length < MAX_FINDING_EVIDENCE) noSecrecy.push({frame: e.frame, capture: e.capture, time: e.time, flowId: flow.id, description: `${flow.remote.ip} chose ${fixed.hello.cipherSuite} in ${fixed.protocol}: ${fixed.kind}, no forward secrecy`})
      noSecrecyFlows.push(flow.id)
    }
    if (!hello) continue
    const base = {frame: hello.evidence.frame, capture: hello.evidence.capture, time: hello.evidence.time, flowId: flow.id}
    if (hello.obsoleteVersion) {
      if (obsolete.length < MAX_FINDING_EVIDENCE) obsolete.push({...base, description: `${flow.remote.ip} chose ${hello.version}`})
      obsoleteFlows.push(flow.id)
    }
    if (hello.weakCipher.length) {
      if (weak.length < MAX_FINDING_EVIDENCE) weak.push({...base, description: `${flow.remote.ip} chose ${hello.cipherSuite} (${hello.weakCipher.join(', ')})`})
      weakFlows.push(flow.id)
    }
  }
  const out: Finding[] = []
  const obsoleteCount = obsoleteFlows.length
  const weakCount = weakFlows.length
  const noSecrecyCount = noSecrecyFlows.length
  if (obsoleteCount) out.push(finding('CA-CRYPTO-001', undefined, `${obsoleteCount} TLS session${obsoleteCount > 1 ? 's with call servers use' : ' with call servers uses'} a version below TLS 1.2.`, obsolete, obsoleteFlows))
  if (weakCount) out.push(finding('CA-CRYPTO-002', undefined, `${weakCount} TLS session${weakCount > 1 ? 's' : ''} with call servers negotiated a weak cipher suite.`, weak, weakFlows))
  if (noSecrecyCount) {
    out.push(finding('CA-CRYPTO-006', undefined, `${noSecrecyCount} session${noSecrecyCount > 1 ? 's' : ''} with call servers negotiated a key exchange without forward secrecy: whoever records ${noSecrecyCount > 1 ? 'them' : 'it'} can decrypt ${noSecrecyCount > 1 ? 'them' : 'it'} later with the server's private key.`, noSecrecy, noSecrecyFlows))
  }
  return out
}

/** A ServerHello whose suite agrees keys without forward secrecy, with how (CA-CRYPTO-006). */
function withoutForwardSecrecy(hello: ServerHelloFacts | undefined, protocol: 'TLS' | 'DTLS'): {hello: ServerHelloFacts; protocol: 'TLS' | 'DTLS'; kind: StaticKeyExchange} | undefined {
  if (!hello) return undefined
  const kind = staticKeyExchange(hello.cipherSuiteId)
  return kind ? {hello, protocol, kind} : undefined
}

/** CA-CRYPTO-003: TLS server certificates that are self-signed or expired at capture time.
 * DTLS is left out: WebRTC's self-signed DTLS certificates are authenticated by fingerprint in
 * the signalling, which is their design, not a flaw. */
export function badCertificates(ctx: CheckContext): Finding[] {
  // Every bad certificate is counted; only the first MAX_ITEMS are described.
  const evidence: FindingEvidence[] = []
  const flowIds: number[] = []
  for (const flow of ctx.callFlows) {
    for (const message of factsOf(flow).tls?.certificates ?? []) {
      const leaf = message.chain[0]
      if (message.sentBy !== 'server' || !leaf || !(leaf.selfSigned || leaf.expired)) continue
      flowIds.push(flow.id)
      if (evidence.length >= MAX_ITEMS) continue
      const why = [leaf.selfSigned ? 'self-signed' : '', leaf.expired ? `expired ${leaf.validTo ?? ''}`.trim() : ''].filter(Boolean).join(' and ')
      evidence.push({description: `${flow.remote.ip} presented ${quote(leaf.subjectCN ?? leaf.fingerprint256)}: ${why}`, frame: message.evidence.frame, capture: message.evidence.capture, time: message.evidence.time, flowId: flow.id})
    }
  }
  const count = flowIds.length
  if (!count) return []
  return [finding('CA-CRYPTO-003', undefined, `${count} call server certificate${count > 1 ? 's were' : ' was'} self-signed or expired at the time of the call.`, evidence, flowIds)]
}

/** CA-CRYPTO-004: media that looks encrypted yet repeats 16-byte blocks (AES-ECB, Zoom 2020). */
export function repeatedCipherBlocks(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'rtp')) {
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
