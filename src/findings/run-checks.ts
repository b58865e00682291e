import {effectiveSeverity, hostSuppressionForNames, type Policy, severityRank, suppressionFor} from '../policy/policy.js'
import type {Finding} from '../report/report-model.js'
import {compareText, englishOrder} from '../report/compare-text.js'
import {clientCertificatesInClear} from './checks/client-certificates.js'
import {noCall} from './checks/coverage.js'
import {badCertificates, repeatedCipherBlocks, weakTls} from './checks/crypto.js'
import {outsidePolicy, registeredAbroad, resolverAbroad, splitJurisdictions} from './checks/jurisdiction.js'
import {
  clearHeaderExtensions, cleartextDnsNamesService, cleartextHttpSecrets, noEncryptedClientHello, organisationNames, plainRtp, publicAddressVisible, sdesItems,
  sdesSoftwareItems, stunPrivateAddresses,
} from './checks/metadata.js'
import {implausibleLocation} from './checks/plausibility.js'
import {throughProxy} from './checks/proxy.js'
import {cleartextSip, srtpKeysInClear} from './checks/sip.js'
import {cleartextH323} from './checks/h323.js'
import {cleartextWebRtcSignalling} from './checks/websocket.js'
import {cleartextXmpp} from './checks/xmpp.js'
import {cleartextKeyPresses, countableKeyPresses} from './checks/dtmf.js'
import {zrtpIdentifiers} from './checks/zrtp.js'
import {lanNameLeaks} from './checks/lan-names.js'
import {ikeAggressiveIdentities} from './checks/ike.js'
import {type Check, type CheckContext, namesOf} from './context.js'

/** Every check, in catalogue order. */
export const CHECKS: readonly Check[] = [
  noCall,
  outsidePolicy,
  registeredAbroad,
  splitJurisdictions,
  resolverAbroad,
  implausibleLocation,
  throughProxy,
  cleartextDnsNamesService,
  organisationNames,
  noEncryptedClientHello,
  stunPrivateAddresses,
  publicAddressVisible,
  plainRtp,
  sdesItems,
  cleartextHttpSecrets,
  clientCertificatesInClear,
  sdesSoftwareItems,
  cleartextSip,
  zrtpIdentifiers,
  lanNameLeaks,
  clearHeaderExtensions,
  ikeAggressiveIdentities,
  cleartextH323,
  cleartextWebRtcSignalling,
  cleartextXmpp,
  cleartextKeyPresses,
  countableKeyPresses,
  weakTls,
  badCertificates,
  repeatedCipherBlocks,
  srtpKeysInClear,
]

/**
 * Run the checks, apply the policy's severity overrides and suppressions (a suppressed finding
 * stays in the report with its reason, but does not count), and sort: most severe first, then
 * rule id, then endpoint, so the order is stable. Rule ids (upper-case ASCII letters, digits,
 * hyphens) sort the same by code unit as by localeCompare, and a test holds the catalogue to
 * that; endpoints keep an English collation (englishOrder), which orders '.' and ':' unlike code units.
 */
export function runChecks(ctx: CheckContext, policy: Policy): Finding[] {
  const findings: Finding[] = []
  for (const check of CHECKS) {
    const found = check(ctx)
    for (let i = 0; i < found.length; i++) findings.push(found[i]!)
  }
  for (const f of findings) {
    f.severity = effectiveSeverity(policy, f.ruleId, f.severity)
    const suppression = suppressionOf(ctx, policy, f)
    if (suppression) f.suppressed = suppression
  }
  return findings.sort(
    (a, b) =>
      Number(a.suppressed !== undefined) - Number(b.suppressed !== undefined) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      compareText(a.ruleId, b.ruleId) ||
      englishOrder.compare(a.endpoint ?? '', b.endpoint ?? '') ||
      (a.flowIds[0] ?? 0) - (b.flowIds[0] ?? 0),
  )
}

/**
 * The suppression of a finding (docs/policy.md, "What a suppression matches"): a finding about
 * one endpoint when the endpoint matches (its address, AS number or any of its names); a
 * finding without one when a host pattern matches every name it is about (namesOf), or else
 * when every remote endpoint of its flows matches.
 */
function suppressionOf(ctx: CheckContext, policy: Policy, f: Finding): Finding['suppressed'] {
  if (!policy.suppressions.length) return undefined
  if (!f.endpoint) {
    const names = namesOf(f)
    const hit = names ? hostSuppressionForNames(policy, names, f.ruleId) : undefined
    if (hit) return {reason: hit.reason, rule: hit.rule}
  }
  const ips = f.endpoint ? [f.endpoint] : [...new Set(f.flowIds.map((id) => ctx.flowById.get(id)?.remote.ip).filter((ip): ip is string => ip !== undefined))]
  if (!ips.length) return undefined
  let first: Finding['suppressed']
  for (const ip of ips) {
    const e = ctx.endpointByIp.get(ip)
    const hit = suppressionFor(policy, {ip, hosts: e?.names ?? [], ...(e?.geo?.asn !== undefined ? {asn: e.geo.asn} : {})}, f.ruleId)
    if (!hit) return undefined
    first ??= {reason: hit.reason, rule: hit.rule}
  }
  return first
}
