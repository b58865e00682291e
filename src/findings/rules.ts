/**
 * The rule catalogue: stable ids, titles, default severities, rationale and remediation, as
 * data. docs/rules.md is generated from it (`npm run docs:rules`) and a test keeps the two equal.
 * The checks themselves live in src/findings/checks/*, one per rule id.
 */

import type {Severity} from '../policy/policy.js'

export type {Severity} from '../policy/policy.js'

export type RuleCategory = 'coverage' | 'jurisdiction' | 'metadata' | 'crypto' | 'plausibility'

export interface RuleDefinition {
  id: string
  title: string
  category: RuleCategory
  /** Default severity; some rules raise it by role or for denied countries (see `severityNote`). */
  severity: Severity
  severityNote?: string
  rationale: string
  remediation: string
}

export const RULES: readonly RuleDefinition[] = [
  {
    id: 'CA-CALL-001',
    title: 'No call found in the capture',
    category: 'coverage',
    severity: 'high',
    rationale:
      'Every other rule judges the call\'s traffic. A capture made before the call started, on another interface than the one the call used, or of a call inside a VPN tunnel holds none of it, and would pass them all: "no findings" would only mean that nothing was looked at. A CI job gating an app on this report must not pass on an empty capture. Call traffic is a media, relay or meeting-control flow, or any other flow of an identified conferencing app except DNS lookups and LAN discovery: looking up a meeting service\'s name is not a call, so a capture of lookups alone has none. An app that runs without making a call (signing in, syncing, a messenger\'s chat connection) has call flows but no call: the rule also fires when no flow carries media or a relay, none sets a call up with STUN, and no control flow of an app is busy enough both ways (500 packets) to carry the media itself over TCP.',
    remediation:
      'Capture during the call, on the interface it uses (for a call through a VPN, the tunnel\'s own interface), and check that the app\'s traffic is in the capture. If the capture is not meant to hold a call, lower the rule in the policy file: CA-CALL-001: info under severity-overrides.',
  },
  {
    id: 'CA-GEO-001',
    title: 'Call traffic to a country outside policy',
    category: 'jurisdiction',
    severity: 'high',
    severityNote: 'critical for a denied country; high for media, relay, vpn and control; medium for a conferencing app\'s telemetry and web traffic; low for its other traffic; the policy file\'s roles.<role>.severity sets a role\'s own',
    rationale:
      'Where a server is located decides whose law can compel its operator and who can intercept the traffic on its way. Control connections (meeting control, key distribution) matter as much as media: in 2020 meeting keys for calls elsewhere were served from abroad. The rule judges the call\'s traffic: media, relay and meeting-control flows, every other flow of an identified conferencing app (its web, telemetry and other connections), and VPN tunnels the call may travel in. Other traffic in the capture (a browser or the system in the background, no conferencing app identified on it) is not the call\'s: its countries are listed in the report\'s endpoints and countries, not judged here.',
    remediation: 'Pin the app to in-country data centres (tenant data-residency settings), block the out-of-policy ranges at the firewall, or choose a service that can be hosted in the permitted jurisdictions.',
  },
  {
    id: 'CA-GEO-002',
    title: 'Server located in policy but registered to, or operated from, another country',
    category: 'jurisdiction',
    severity: 'medium',
    rationale:
      'A block registered abroad, or an operator (AS holder) from another jurisdiction, can be compelled by that jurisdiction even when the machine stands at home (e.g. a US cloud region in Frankfurt).',
    remediation: 'Check the operator\'s contractual and legal exposure; prefer providers registered in the permitted jurisdictions for sensitive calls.',
  },
  {
    id: 'CA-GEO-003',
    title: 'Call traffic split across several jurisdictions',
    category: 'jurisdiction',
    severity: 'low',
    rationale: 'Each additional jurisdiction that carries call traffic is one more legal regime and network path able to observe it.',
    remediation: 'Review the app\'s region settings; a call between parties in one country should not need servers in several.',
  },
  {
    id: 'CA-GEO-004',
    title: 'DNS resolver outside policy',
    category: 'jurisdiction',
    severity: 'medium',
    severityNote: 'critical for a denied country; the policy file\'s roles.dns.severity sets it for a resolver outside the policy',
    rationale: 'Every name the device looks up — including meeting and tenant names — goes to the resolver, and a resolver abroad also steers the app to servers near it. Encryption (DNS over TLS, QUIC or HTTPS, recognised by port 853 or the public resolvers\' DoH names and addresses) hides the names from the path, not from the resolver: encrypted DNS to a resolver abroad counts the same.',
    remediation: 'Use the organisation\'s own resolver (or an in-country one) and block outbound DNS to others, including the browsers\' built-in DNS over HTTPS.',
  },
  {
    id: 'CA-GEO-005',
    title: 'Geolocation not plausible: the round trip is faster than light in fibre allows',
    category: 'plausibility',
    severity: 'info',
    rationale:
      'Light in fibre covers about 100 km per millisecond of round-trip time. A server that answers faster than its database location allows is closer than the database says (anycast, a mislabelled range): the country column for it should not be trusted. When several servers fail together and could all be near one place, while most servers measured do, one wrong vantage (a VPN or proxy exit, a wrong --vantage) explains them better: one finding then names the vantage instead of one per server.',
    remediation: 'Confirm the server\'s location by traceroute or the operator\'s documentation before quoting its country; when the finding names the vantage, give --vantage where the capture was made.',
  },
  {
    id: 'CA-GEO-006',
    title: 'Call traffic through a proxy: where it went next is not in the capture',
    category: 'jurisdiction',
    severity: 'medium',
    rationale:
      'Behind an explicit proxy (HTTP CONNECT, SOCKS), as in many organisations\' networks, the capture shows only the hop to the proxy. The proxy connects to the call\'s servers from its own network, so their addresses, and so their countries, never appear in a capture taken at the client; a report that judged only the proxy would look clean whatever the servers\' countries. The names the client asked for are listed so they can be checked where the proxy is.',
    remediation: 'Check where the listed names were reached in the proxy\'s logs, or capture on the proxy\'s outside interface and audit that capture too.',
  },
  {
    id: 'CA-META-001',
    title: 'Cleartext DNS names the meeting service',
    category: 'metadata',
    severity: 'low',
    rationale: 'Unencrypted DNS shows every on-path observer which conferencing service the device is about to use, and when.',
    remediation: 'Use encrypted DNS (DoH/DoT) to a trusted resolver.',
  },
  {
    id: 'CA-META-002',
    title: 'Names reveal the organisation (tenant or vanity names)',
    category: 'metadata',
    severity: 'medium',
    rationale: 'Vanity and tenant names such as <org>.zoom.us or <org>.webex.com, sent in clear in DNS or the TLS/QUIC SNI, tell an observer which organisation is meeting.',
    remediation: 'Avoid organisation-specific meeting domains for sensitive calls, or make sure the path to the service is not observable (VPN to a trusted egress).',
  },
  {
    id: 'CA-META-003',
    title: 'TLS or QUIC without Encrypted Client Hello to call servers',
    category: 'metadata',
    severity: 'info',
    rationale: 'Without ECH the server name travels in clear in every handshake. An Encrypted Client Hello extension does not prove otherwise: browsers and Electron apps send a GREASE one to every server they have no ECH config for, with the real name in the SNI; only an SNI that is an ECH config\'s public name (from an HTTPS record in the capture, or a known deployment such as cloudflare-ech.com) shows the real name was hidden.',
    remediation: 'Prefer clients and services that support ECH; meanwhile assume server names are visible.',
  },
  {
    id: 'CA-META-004',
    title: 'STUN exposes private addresses to external servers',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'low when the private addresses the caller sent are only its peers\', not its own',
    rationale:
      'STUN/TURN attributes travel in clear. When the caller\'s side sends one of its own LAN addresses (an address it uses in the capture) to a server outside the network — as the peer address of a TURN CreatePermission, ChannelBind or Send, or in an ICE check relayed through the server — that server and anyone on the path learn how the caller\'s network is addressed. Private addresses of its peers (their ICE host candidates) that the caller passes on describe the peers\' networks, and count at low. Only what the caller sends counts: the addresses a server sends — its relayed address, OTHER-ADDRESS, RESPONSE-ORIGIN, ALTERNATE-SERVER, the mapped address it saw, a peer\'s address in a Data indication — are not the caller\'s leak, nor is an address the server named first; loopback and unspecified addresses reveal no network.',
    remediation: 'Enable mDNS candidates / disable host candidates for external calls, or force relay-only policies.',
  },
  {
    id: 'CA-META-005',
    title: 'The caller\'s public address is visible to call servers and peers',
    category: 'metadata',
    severity: 'info',
    rationale: 'STUN mapped addresses reveal the public address of the network the call was made from, and so its operator and rough location.',
    remediation: 'Use relay-only (TURN) connectivity or a VPN egress when the calling site must not be revealed.',
  },
  {
    id: 'CA-META-006',
    title: 'Unencrypted RTP media',
    category: 'metadata',
    severity: 'high',
    rationale: 'Plain RTP carries the voice and video themselves in clear: anyone on the path can listen.',
    remediation: 'Require SRTP (DTLS-SRTP or SDES-SRTP) for all media.',
  },
  {
    id: 'CA-META-007',
    title: 'RTCP SDES items reveal personal data',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'high when NAME, EMAIL or PHONE items, or NOTE or PRIV text holding an e-mail address or an international phone number, are present',
    rationale:
      'RTCP source descriptions travel unencrypted unless SRTCP is used. RFC 3550 §6.5: NAME, EMAIL and PHONE name or reach the participant, LOC says where they are, and a CNAME "user@host" carries their login name; a NOTE or PRIV item holding an e-mail address or a phone number counts as they do. A CNAME whose user part is a random id, TOOL (the software) and other NOTE text name no one and are not reported here (see CA-META-010).',
    remediation: 'Use SRTCP and clients that send random CNAMEs and no personal SDES items.',
  },
  {
    id: 'CA-META-008',
    title: 'Cleartext HTTP carries meeting identifiers, passcodes, cookies or credentials',
    category: 'metadata',
    severity: 'high',
    severityNote: 'high for a meeting link wherever it travels, and for cookies, credentials or secret URL parameters on the call\'s flows; low for cookies or credentials sent to servers of no conferencing app',
    rationale:
      'A meeting link (its id, and any passcode in it) sent over plain HTTP lets anyone on the path join the meeting, wherever it goes: to the meeting service, in a Referer to another site, or in a redirect\'s Location. Session cookies, Authorization headers and secret URL parameters (token, sid...) on the call\'s flows — those of an identified conferencing app, or media, relay and control — let an observer take over the app\'s session. The same sent to servers of no conferencing app belong to another service (a browser or the operating system in the background): they are still readable on the path, but reveal nothing of the meeting, and are reported at low, worded so. Values are never shown: secrets are redacted and meeting ids masked.',
    remediation: 'Use HTTPS only (HSTS); never embed passcodes in links sent in clear.',
  },
  {
    id: 'CA-META-009',
    title: 'Client certificate sent in clear identifies the user or device',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'high when the certificate carries a personal e-mail address, a given name or a surname',
    rationale:
      'TLS 1.3 encrypts the client\'s Certificate message; TLS 1.2 and earlier, DTLS 1.2 and the TLS handshake inside OpenVPN\'s control channel (without tls-crypt) send it in clear. Anyone on the path reads its subject — a person\'s name or e-mail address, a user or device id, the organisation — and recognises the same certificate every time it is used: a VPN or a certificate login that carries the call names the caller. In a WebRTC call both ends send a DTLS certificate, and which end is the DTLS client follows the SDP offer and answer, not who the caller is: the certificate judged is the one the capture\'s own side sent (the remote\'s names the remote, a media server or the other party), also when the handshake is relayed inside TURN. (WebRTC\'s throwaway DTLS certificates, a lone CN such as "WebRTC", name no one and are not reported.)',
    remediation:
      'Use TLS 1.3 (DTLS 1.3), which encrypts the client certificate; for OpenVPN wrap the control channel with tls-crypt or tls-crypt-v2 (tls-auth does not encrypt it); where TLS 1.2 must stay, ask for the client certificate only in a renegotiation inside the encrypted session; issue client certificates whose subject is a random identifier, not a name or e-mail address.',
  },
  {
    id: 'CA-META-010',
    title: 'RTCP SDES items in clear name the software or carry notes',
    category: 'metadata',
    severity: 'info',
    rationale:
      'RFC 3550 §6.5.6 and §6.5.7: TOOL names the application that sends the stream (often with its version), NOTE and PRIV carry free text, such as a PBX\'s banner. Unencrypted, they tell an observer which client or server software took part in the call; they name no one (a NOTE or PRIV item holding an e-mail address or a phone number is reported as personal data, CA-META-007).',
    remediation: 'Use SRTCP; configure clients and media servers not to send TOOL or NOTE items.',
  },
  {
    id: 'CA-META-011',
    title: 'SIP signalling in clear names the parties of the call',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'high when an INVITE sets up a call (who calls whom)',
    rationale:
      'SIP over UDP or TCP (RFC 3261), or over a WebSocket opened with ws:// (RFC 7118, how browser softphones such as JsSIP and SIP.js reach a PBX), is plain text: its From and To headers name the caller and the called party (user names, phone numbers, display names), Contact and the SDP body give their addresses and where the media goes (a WebRTC offer lists every interface address of the device as an ICE candidate), User-Agent and Server the software. Anyone on the path reads who calls whom, when, from where and with what, call after call; a registration alone tells who is reachable where. SIP over TLS (sips:, port 5061) or a secure WebSocket (wss://) hides all of it.',
    remediation: 'Use SIP over TLS (sips:, TCP 5061) between phones, PBX and trunks, and wss:// for browser softphones (a PBX WebSocket listener without TLS is for testing only); where the carrier cannot, keep plain SIP on a network of its own (a VPN to the trunk).',
  },
  {
    id: 'CA-META-012',
    title: 'ZRTP Hellos identify the device across calls (ZID in clear)',
    category: 'metadata',
    severity: 'low',
    severityNote: 'medium when a side declares itself a trusted MiTM (a PBX holding the media keys)',
    rationale:
      'ZRTP (RFC 6189) agrees SRTP keys on the media path, but its Hello messages are not encrypted: each carries the sender\'s ZID (§4.2), a 96-bit identifier the endpoint keeps for good to index its cache of shared secrets, and a client id naming its software. Anyone on the path recognises the same device in every call, from any network. A Hello with the MiTM flag (§5.2) comes from a trusted man in the middle, a PBX that relays the SAS (§7.3): it holds the keys of both legs, so the media is decrypted there.',
    remediation: 'Accept the ZID as a device identifier in the threat model, or route calls through a VPN on untrusted networks; where a PBX is a trusted MiTM, treat its location and operator as the media\'s (callaudit judges its address like any other media server).',
  },
  {
    id: 'CA-META-013',
    title: 'The caller\'s device names itself to the local network',
    category: 'metadata',
    severity: 'low',
    rationale:
      'Before and during the call the device broadcasts who and what it is to every machine on its network segment: its host name in DHCP (option 12, often the owner\'s name: "jurgen-mueller-laptop"), its client FQDN and vendor class (the OS), mDNS and LLMNR host and service names, NetBIOS names, and SSDP product strings with OS and app versions. On a hotel or conference Wi-Fi that is everyone in the building, whatever the conferencing app encrypts. Names other devices announced are left out: only what the caller\'s addresses sent, and DHCP messages of the MAC address the caller\'s address was leased to.',
    remediation: 'Give the device a neutral host name, stop it sending one in DHCP (Windows: the DHCP client\'s host-name option; macOS: a randomised local hostname), turn off mDNS/LLMNR/NetBIOS and UPnP on untrusted networks, or join them only through a VPN.',
  },
  {
    id: 'CA-META-014',
    title: 'Encrypted media leaves its RTP header extensions in clear (no cryptex)',
    category: 'metadata',
    severity: 'info',
    rationale:
      'SRTP (RFC 3711) encrypts the media payload but not the RTP header or its extensions (RFC 8285). WebRTC clients put per-packet metadata there: the audio level of every audio packet (RFC 6464; its §5 warns that it reveals who is speaking and when, and speech has been inferred from such levels), send times and the media id. RFC 9335 (cryptex) encrypts the extensions too; streams that use it are not reported. The meaning of each element id is negotiated in the SDP, which the capture does not hold, so the finding lists the ids.',
    remediation: 'Prefer clients and servers that negotiate cryptex (RFC 9335, a=cryptex), or that leave the audio level extension out where speaking activity is sensitive.',
  },
  {
    id: 'CA-META-015',
    title: 'IKEv1 Aggressive Mode names the VPN user in clear',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'high with a pre-shared key (its hash can be guessed offline)',
    rationale:
      'IKEv1 Aggressive Mode (RFC 2409 §5.4) saves a round trip by sending the identities (a user\'s e-mail address, a group name, a host name) before any encryption is set up, where Main Mode and IKEv2 encrypt them. Anyone on the path learns who connects to which VPN gateway. With pre-shared key authentication the responder\'s hash in the same exchange lets an eavesdropper guess the key offline (what ike-scan and psk-crack do); with the key, the tunnel and the call inside it can be decrypted.',
    remediation: 'Use IKEv2 (or IKEv1 Main Mode) with certificates or EAP; where Aggressive Mode cannot be avoided, use a long random pre-shared key per user and XAUTH/MFA on top.',
  },
  {
    id: 'CA-META-016',
    title: 'H.323 call signalling in clear names the parties and their devices',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'high when a SETUP starts a call, or a gatekeeper is asked to admit one (who calls whom)',
    rationale:
      'H.323 (ITU-T H.225.0: Q.931 messages over TCP 1720, and RAS with a gatekeeper over UDP 1719) is how video conferencing room systems, MCUs and gateways (Cisco/Tandberg, Polycom, Lifesize, the interop gateways of cloud meeting services) register and set up calls, and it is sent in clear unless H.235 security or TLS is configured: the Display name, calling and called numbers and the H.323 aliases (an H.323 ID, an e-mail address, a dial string) name who is reachable and who calls whom, and each device announces its product and software version, which tells an attacker what to exploit. Anyone on the path reads it, call after call. The call\'s H.245 media control, on a connection of its own, is in clear with it: its openLogicalChannelAck messages say at which address and port each side receives the media, and its userInput messages carry the keys the caller presses (CA-META-019).',
    remediation: 'Turn on H.235 or TLS for call signalling (and SRTP for media) on the endpoints, MCU and gatekeeper; where the equipment cannot, keep H.323 on a network of its own (a VPN between sites), or move the rooms to SIP over TLS.',
  },
  {
    id: 'CA-META-017',
    title: 'WebRTC signalling in clear over an unencrypted WebSocket',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'high when a secret (a room PIN, an API secret, a token) or SRTP keys went in clear',
    rationale:
      'Self-hosted WebRTC conferencing (the Janus gateway, SFUs and their web clients) sets calls up over a WebSocket; opened with ws:// instead of wss://, every message is plain text: the SDP offers and answers and the trickled ICE candidates list the addresses of every network interface of each device (LAN, VPN, IPv6), the room a client joins and its PIN or the server\'s API secret travel in JSON members, and an SDP with a=crypto lines carries the media keys. Anyone on the path learns who joins which room from where, and can join it.',
    remediation: 'Serve the signalling over wss:// (TLS) only and close the ws:// port; rotate the room PINs and API secrets that went in clear.',
  },
  {
    id: 'CA-META-018',
    title: 'XMPP (Jabber) in clear names the user and what they do',
    category: 'metadata',
    severity: 'medium',
    severityNote: 'high when the password went in clear (SASL PLAIN) or can be guessed offline from the exchange (DIGEST-MD5, CRAM-MD5, SCRAM)',
    rationale:
      'XMPP (RFC 6120) carries chat, presence and call signalling (Jingle; the signalling of Jitsi conferences and Cisco Jabber calls). A client that does not turn the stream to TLS with STARTTLS before signing in sends everything in clear: the SASL exchange names the user and, with PLAIN, the password itself; with a challenge-response mechanism the password can be guessed offline from the recorded exchange; then the bound address, the contact list, presence, messages, the rooms joined and the ICE candidates of calls.',
    remediation: 'Require TLS on the server (c2s_require_encryption, or Direct TLS on 5223) and SCRAM-SHA-256 or stronger over it; change the passwords that went in clear or can be guessed.',
  },
  {
    id: 'CA-META-019',
    title: 'Keys the caller pressed (DTMF) readable in clear',
    category: 'metadata',
    severity: 'high',
    rationale:
      'Phones, softphones, gateways and conference bridges send the keys a caller presses as RTP telephone-events (RFC 4733, formerly RFC 2833) rather than as tones in the audio: one small packet per key, its event code naming the key; or, where the media cannot carry them, the signalling relays them: in SIP INFO requests (application/dtmf-relay, application/dtmf), or in an H.323 call\'s H.245 userInput indications. Callers type conference PINs and passcodes this way, and account or card numbers into voice menus. In plain RTP or SIP each key is readable by anyone on the path, even where the audio itself is not what they are after. The events are recognised by their shape (RFC 4733 §2.5: every packet of one key has the same timestamp and a growing duration, and the last has the end bit set), so no SDP is needed; the report counts the presses and never shows the keys.',
    remediation: 'Require SRTP for all media (which encrypts telephone-events with the audio) and SIP over TLS or H.235-secured H.245 (which encrypt the signalling that relays keys); where the network must carry them in clear, keep them on a network of its own (a VPN between sites), and change any PIN or passcode that was typed over it.',
  },
  {
    id: 'CA-META-020',
    title: 'Key presses (DTMF) countable in encrypted media',
    category: 'metadata',
    severity: 'low',
    rationale:
      'When the media is encrypted (SRTP), the keys a caller presses are too, but the RTP header of each key\'s packets is not (RFC 3711 §3.1): a key press is a short burst of small packets on their own payload type, all with one timestamp, the first marked (RFC 4733 §2.5). Anyone on the path counts the keys and times them: the length of a PIN or passcode typed into a dial-in bridge or a voice menu, and the rhythm of typing it. Seen in WebRTC calls (RTCDTMFSender: Chromium sends each key as three such packets) and SRTP phones.',
    remediation: 'Join by link or in-app sign-in rather than a typed PIN where the PIN\'s length matters; where keys must be typed, prefer PINs of one fixed length so that their count tells nothing.',
  },
  {
    id: 'CA-CRYPTO-001',
    title: 'Obsolete TLS version on a call server',
    category: 'crypto',
    severity: 'medium',
    rationale: 'TLS 1.0 and 1.1 (and SSL) are deprecated (RFC 8996) and lack modern protections.',
    remediation: 'Require TLS 1.2 or later on clients and servers.',
  },
  {
    id: 'CA-CRYPTO-002',
    title: 'Weak cipher suite negotiated',
    category: 'crypto',
    severity: 'medium',
    rationale: 'NULL, export, RC4, DES/3DES and anonymous suites give no or weak confidentiality or authentication.',
    remediation: 'Disable weak suites on both ends.',
  },
  {
    id: 'CA-CRYPTO-003',
    title: 'Self-signed or expired certificate on a call server',
    category: 'crypto',
    severity: 'medium',
    rationale: 'A certificate that is self-signed or expired at the time of the call cannot authenticate the server: a man in the middle would look the same. (Self-signed DTLS certificates in WebRTC are normal and are authenticated through the signalling channel instead; they are not reported.)',
    remediation: 'Find out why the client accepted it; make sure certificate validation is enforced.',
  },
  {
    id: 'CA-CRYPTO-004',
    title: 'Encrypted media repeats 16-byte blocks far beyond chance (ECB mode?)',
    category: 'crypto',
    severity: 'high',
    rationale: 'Good encryption output does not repeat. Repeated identical 16-byte ciphertext blocks within media payloads are the mark of AES in ECB mode, the weakness found in Zoom\'s media encryption in 2020: patterns of the plaintext survive encryption. Only packets that advance their stream\'s sequence numbers are sampled, so a packet captured twice (a mirror port, `tcpdump -i any`) is not taken for a repeat.',
    remediation: 'Report it to the vendor; do not rely on the media encryption of this app version.',
  },
  {
    id: 'CA-CRYPTO-005',
    title: 'SRTP keys sent in clear (SDES in unencrypted SIP)',
    category: 'crypto',
    severity: 'high',
    rationale:
      'With SDES keying (RFC 4568) the SRTP master key travels inline in the SDP\'s a=crypto lines. RFC 4568 §8.3 allows it only over signalling that is itself encrypted: sent in plain SIP, the key is readable by anyone on the path, who can then decrypt the media as if it were plain RTP. The keys are never shown in the report.',
    remediation: 'Carry SDES only over SIP over TLS, or key SRTP with DTLS-SRTP (RFC 5764), which puts no key in the signalling.',
  },
  {
    id: 'CA-CRYPTO-006',
    title: 'No forward secrecy: a call server chose a static key exchange',
    category: 'crypto',
    severity: 'medium',
    rationale:
      'With RSA key transport or static (EC)DH the session keys follow from the server\'s long-term private key: whoever records the traffic can decrypt it later, every recorded session at once, if that key is ever obtained (stolen, or handed over under the law of the country the server is in). RFC 9325 §4.1 (BCP 195): implementations should not negotiate static RSA and should prefer suites with forward secrecy (DHE, ECDHE). TLS 1.3 and QUIC always have it.',
    remediation: 'Configure the call servers to prefer ECDHE suites or TLS 1.3, and disable the TLS_RSA_* suites on the clients that reach them.',
  },
]

export function ruleById(id: string): RuleDefinition | undefined {
  return RULES.find((r) => r.id === id)
}
