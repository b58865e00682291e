/** The apps stage: which app, which role, where the client sits (docs/apps.md). */
export {type EvidenceName, type FlowEvidence, baseEvidence, carriesCallProtocols, carriesMedia, isSustainedUdp, SUSTAINED_UDP} from './evidence.js'
export {
  type AppDefinition,
  type Confidence,
  type NameSource,
  type RoleHint,
  type SignatureEntry,
  type SignatureFile,
  type TenantRule,
  Signatures,
  defaultSignatures,
  defaultSignaturesPath,
  entryConfidence,
  isUnverified,
  loadSignatures,
  parseSignatures,
  signatureProblems,
} from './signatures.js'
export {
  type AppEvidence,
  type AppIdentification,
  type AttributionVia,
  type EvidenceKind,
  type FlowAttribution,
  type IdentifiedApp,
  type TenantFinding,
  type UnclaimedApp,
  MAX_FRAMES,
  attributionByFlow,
  findTenants,
  identifyApps,
} from './identify-apps.js'
export {type FlowRole, type Role, type RoleDescription, ROLE_DESCRIPTIONS, assignRoles, roleOfFlow} from './assign-roles.js'
export {type PrivateAddress, type PublicAddress, type StunMapped, type Vantage, type VantageFlow, type VantageLocation, MAX_PRIVATE, detectVantage, parseVantageFlag} from './vantage.js'
