/**
 * H.225.0 RAS (registration, admission and status) between an H.323 endpoint and its gatekeeper,
 * one aligned-PER RasMessage per UDP datagram (port 1719; 1718 for gatekeeper discovery). What it
 * gives away: the aliases an endpoint registers (RRQ terminalAlias, GRQ endpointAlias: its H.323
 * ID, number, e-mail), the device (endpointVendor, the endpointType's vendor), and for each call
 * the gatekeeper admits (ARQ) who calls (srcInfo) whom (destinationInfo), even when the call
 * signalling itself is not in the capture.
 */
import {PerReader} from './per-reader.js'
import {type H225Message, NotH225, readAliases, readEndpoint, readProtocolIdentifier, readVendor, skipCallServices, skipNonStandardParameter, skipRestOfEndpoint, skipTransportAddress, Unfollowed} from './h225-uuie.js'

/** RasMessage's root alternatives (H.225.0 Annex H), in order. */
export const RAS_MESSAGES = [
  'gatekeeperRequest',
  'gatekeeperConfirm',
  'gatekeeperReject',
  'registrationRequest',
  'registrationConfirm',
  'registrationReject',
  'unregistrationRequest',
  'unregistrationConfirm',
  'unregistrationReject',
  'admissionRequest',
  'admissionConfirm',
  'admissionReject',
  'bandwidthRequest',
  'bandwidthConfirm',
  'bandwidthReject',
  'disengageRequest',
  'disengageConfirm',
  'disengageReject',
  'locationRequest',
  'locationConfirm',
  'locationReject',
  'infoRequest',
  'infoRequestResponse',
  'nonStandardMessage',
  'unknownMessageResponse',
]

/** The RasMessage at b[start, end): its name, and the aliases and device of the messages that
 * carry them; undefined when a message that names its protocol names another than H.225.0. */
export function readRas(b: Uint8Array, start: number, end: number): H225Message | undefined {
  const r = new PerReader(b, start, end)
  const index = r.choice(RAS_MESSAGES.length, true)
  if (!r.ok) return undefined
  const message: H225Message = {body: index >= 0 ? RAS_MESSAGES[index]! : `extension-${-1 - index}`, sourceAliases: [], destinationAliases: [], endpoint: null}
  try {
    if (index === 0) readGatekeeperRequest(r, message)
    else if (index === 3) readRegistrationRequest(r, message)
    else if (index === 4) readRegistrationConfirm(r, message)
    else if (index === 9) readAdmissionRequest(r, message)
  } catch (error) {
    if (error instanceof NotH225) return undefined
    if (!(error instanceof Unfollowed)) throw error
  }
  return message
}

/** BMPString (SIZE (1..128)): a gatekeeper or endpoint identifier, skipped. */
function skipIdentifier(r: PerReader): void {
  const n = r.constrained(1, 128)
  r.skipOctets(n * 2)
}

/** An endpointIdentifier, which the gatekeeper assigned (text, maybe NUL-padded): an AdmissionRequest
 * names no protocol, and this is what tells it from other bytes sent to the RAS port. */
function checkEndpointIdentifier(r: PerReader): void {
  const n = r.constrained(1, 128)
  const at = r.octets(n * 2)
  if (!at) throw new Unfollowed()
  // NULs are padding (an OpenH323 gatekeeper pads its identifiers with them to 100 characters).
  for (let i = at.start; i < at.end; i += 2) if (r.bytes[i] === 0 && r.bytes[i + 1]! > 0 && r.bytes[i + 1]! < 0x20) throw new NotH225()
}

/** GatekeeperRequest: requestSeqNum, protocolIdentifier, nonStandardData, rasAddress, endpointType,
 * gatekeeperIdentifier, callServices, endpointAlias. */
function readGatekeeperRequest(r: PerReader, m: H225Message): void {
  r.bool()
  const [nonStandard, gatekeeper, services, alias] = [r.bool(), r.bool(), r.bool(), r.bool()]
  r.constrained(1, 65535)
  readProtocolIdentifier(r)
  if (nonStandard) skipNonStandardParameter(r)
  skipTransportAddress(r)
  const endpoint = readEndpoint(r)
  m.endpoint = endpoint.endpoint
  skipRestOfEndpoint(r, endpoint)
  if (gatekeeper) skipIdentifier(r)
  if (services) skipCallServices(r)
  if (alias) m.sourceAliases = readAliases(r)
}

/** RegistrationRequest: requestSeqNum, protocolIdentifier, nonStandardData, discoveryComplete,
 * callSignalAddress, rasAddress, terminalType, terminalAlias, gatekeeperIdentifier, endpointVendor. */
function readRegistrationRequest(r: PerReader, m: H225Message): void {
  r.bool()
  const [nonStandard, alias, gatekeeper] = [r.bool(), r.bool(), r.bool()]
  r.constrained(1, 65535)
  readProtocolIdentifier(r)
  if (nonStandard) skipNonStandardParameter(r)
  r.bool()
  for (let lists = 0; lists < 2; lists++) {
    const n = r.length()
    for (let i = 0; i < n && r.ok; i++) skipTransportAddress(r)
  }
  const terminal = readEndpoint(r)
  m.endpoint = terminal.endpoint
  skipRestOfEndpoint(r, terminal)
  if (alias) m.sourceAliases = readAliases(r)
  if (gatekeeper) skipIdentifier(r)
  // endpointVendor names the device better than terminalType's vendor when both are there.
  const vendor = readVendor(r)
  if (vendor) m.endpoint = {...vendor, kinds: m.endpoint.kinds}
}

/** RegistrationConfirm: requestSeqNum, protocolIdentifier, nonStandardData, callSignalAddress,
 * terminalAlias (the aliases the gatekeeper registered). */
function readRegistrationConfirm(r: PerReader, m: H225Message): void {
  r.bool()
  const [nonStandard, alias] = [r.bool(), r.bool()]
  r.bool() // gatekeeperIdentifier
  r.constrained(1, 65535)
  readProtocolIdentifier(r)
  if (nonStandard) skipNonStandardParameter(r)
  const n = r.length()
  for (let i = 0; i < n && r.ok; i++) skipTransportAddress(r)
  if (alias) m.sourceAliases = readAliases(r)
}

/** AdmissionRequest: requestSeqNum, callType, callModel, endpointIdentifier, destinationInfo,
 * destCallSignalAddress, destExtraCallInfo, srcInfo: who asks to call whom. */
function readAdmissionRequest(r: PerReader, m: H225Message): void {
  r.bool()
  const [callModel, destination, destAddress, destExtra] = [r.bool(), r.bool(), r.bool(), r.bool()]
  r.bits(3) // srcCallSignalAddress, nonStandardData, callServices
  r.constrained(1, 65535)
  if (r.choice(4, true) < 0) r.skipOpenType() // callType
  if (callModel && r.choice(2, true) < 0) r.skipOpenType()
  checkEndpointIdentifier(r)
  if (destination) m.destinationAliases = readAliases(r)
  if (destAddress) skipTransportAddress(r)
  if (destExtra) m.destinationAliases = [...m.destinationAliases, ...readAliases(r)]
  m.sourceAliases = readAliases(r)
}
