import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {certificateIdentity, dtlsCertificateIdentifies} from '../../src/findings/checks/client-certificates.js'
import {type CertificateFacts, certificateFacts} from '../../src/protocols/tls/certificate.js'
import type {Report} from '../../src/report/report-model.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'
import {CLIENT_DEVICE_DER, CLIENT_PERSON_DER, CLIENT_SAN_EMAIL_DER, LEAF_DER, WEBRTC_DER} from '../protocols/tls/test-certificates.js'
import {type Endpoints, pcapOf, reverse, udpFrame} from '../protocols/tls/capture-kit.js'
import {certificateBody, clientHelloBody, dtlsFragments, dtlsRecord, serverHelloBody} from '../protocols/tls/tls-builders.js'
import {stunBindingRequest} from '../support/packet-builder.js'

const AT = Date.UTC(2025, 5, 1)
/** Facts of a certificate as the TLS parser hands them out, with only the subject changed. */
const withSubject = (subject: string[]): CertificateFacts => ({...certificateFacts(CLIENT_DEVICE_DER, 0, AT), subject})

describe('CA-META-009: what a client certificate subject tells', () => {
  it('lists the identifying attributes, most telling first, and finds e-mail addresses', () => {
    const person = certificateIdentity(certificateFacts(CLIENT_PERSON_DER, 0, AT))
    // C=ZZ is left out; the encoded order (C, O, OU, CN, emailAddress) is re-ranked.
    expect(person).toEqual({
      fields: [['CN', 'Jane Doe'], ['emailAddress', 'jane.doe@ministry.example'], ['O', 'Example Ministry'], ['OU', 'Delegation']],
      emails: ['jane.doe@ministry.example'],
      personal: true,
    })
    expect(certificateIdentity(certificateFacts(CLIENT_DEVICE_DER, 0, AT))).toEqual({fields: [['CN', 'laptop-0042'], ['O', 'Example Ministry'], ['OU', 'Laptops']], emails: [], personal: false})
  })

  it('finds an address inside a CN, ignores an emailAddress that is none, and does not count shared mailboxes as personal', () => {
    const vpn = certificateIdentity(withSubject(['O=Simplex Solutions Inc.', 'CN=50d2:jbrum1987@hotmail.com', 'name=478C0D70', 'emailAddress=XXX']))
    expect(vpn.emails).toEqual(['jbrum1987@hotmail.com'])
    expect(vpn.personal).toBe(true)
    expect(vpn.fields.map(([a]) => a)).toEqual(['CN', 'emailAddress', 'name', 'O'])
    expect(certificateIdentity(withSubject(['CN=PRO3-Client', 'emailAddress=PRO3'])).emails).toEqual([])
    const ap = certificateIdentity(withSubject(['O=Cisco Systems', 'CN=AP3G2-b83861f305ac', 'emailAddress=support@cisco.com']))
    expect(ap).toMatchObject({emails: ['support@cisco.com'], personal: false})
  })

  it('reads e-mail addresses from the subjectAltName too (rfc822Name), and only certificates that have one carry sanEmail', () => {
    const facts = certificateFacts(CLIENT_SAN_EMAIL_DER, 0, AT)
    expect(facts.sanEmail).toEqual(['r.kusuma@ministry.example'])
    expect(facts.sanDns).toEqual(['device-7731.ministry.example'])
    expect(certificateIdentity(facts)).toEqual({fields: [['CN', 'device-7731'], ['O', 'Example Ministry']], emails: ['r.kusuma@ministry.example'], personal: true})
    // No e-mail SAN: no key at all (the facts of every other certificate keep their shape).
    expect(Object.hasOwn(certificateFacts(CLIENT_PERSON_DER, 0, AT), 'sanEmail')).toBe(false)
    expect(certificateIdentity({...facts, sanEmail: ['pki@ministry.example']}).personal).toBe(false)
  })

  it('counts a given name or surname as personal', () => {
    expect(certificateIdentity(withSubject(['CN=device-7', 'GN=Jane'])).personal).toBe(true)
    expect(certificateIdentity(withSubject(['CN=device-7', 'SN=Doe'])).personal).toBe(true)
    expect(certificateIdentity(withSubject(['CN=device-7', 'name=PRO3'])).personal).toBe(false)
  })

  it('takes a DTLS certificate as identifying only beyond a lone CN', () => {
    expect(dtlsCertificateIdentifies(certificateIdentity(certificateFacts(WEBRTC_DER, 0, AT)))).toBe(false)
    expect(dtlsCertificateIdentifies(certificateIdentity(withSubject(['CN=3f9c2a7e1b'])))).toBe(false)
    expect(dtlsCertificateIdentifies(certificateIdentity(withSubject(['CN=jane@example.org'])))).toBe(true)
    expect(dtlsCertificateIdentifies(certificateIdentity(certificateFacts(CLIENT_DEVICE_DER, 0, AT)))).toBe(true)
  })
})

describe('CA-META-009 on WebRTC: the certificate of the capture\'s own side, whichever end is the DTLS client', () => {
  it('reports the certificate the caller sent as DTLS server, and not the one the remote DTLS client sent', async () => {
    // The remote answered the caller's offer as the active side (RFC 8842 §5): its ClientHello
    // comes first; both send certificates carrying an organisation.
    const caller: Endpoints = {src: '192.168.1.20', sport: 51000, dst: '198.51.100.30', dport: 3478}
    const back = reverse(caller)
    const frames = [
      udpFrame(caller, stunBindingRequest({txid: Buffer.alloc(12, 1)})),
      udpFrame(back, dtlsRecord(22, Buffer.concat(dtlsFragments(1, 0, clientHelloBody({dtls: true}))))),
      udpFrame(caller, dtlsRecord(22, Buffer.concat([...dtlsFragments(2, 0, serverHelloBody({legacyVersion: 0xfefd, cipherSuite: 0xc02b})), ...dtlsFragments(11, 1, certificateBody([CLIENT_DEVICE_DER]))]))),
      udpFrame(back, dtlsRecord(22, Buffer.concat(dtlsFragments(11, 1, certificateBody([LEAF_DER]))), {seq: 1})),
    ]
    const path = join(tempDir('callaudit-dtls-cert-'), 'call.pcap')
    writeFileSync(path, pcapOf(frames, Math.floor(AT / 1000)))
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    const found = meta009(report)
    expect(found.map((f) => f.evidence.map((e) => [e.description, e.frame]))).toEqual([[['DTLS server certificate CN "laptop-0042" issued by "laptop-0042" sent in clear to 198.51.100.30:3478', 3]]])
    expect(found[0]!.detail).toMatch(/^The DTLS server sent its certificate in clear to 198\.51\.100\.30 \(1 connection\): CN "laptop-0042"/)
  })
})

async function analyze(name: string): Promise<Report> {
  const {report} = await analyzeCaptures({
    paths: [corpusPath(name)],
    geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true},
    policy: {},
    cwd: tempDir('callaudit-cwd-'),
    toolVersion: 'test',
  })
  return report
}

const meta009 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-META-009')

describe.skipIf(!HAVE_CORPUS)('CA-META-009 on the corpus (../shared/captures)', () => {
  it('names the OpenVPN user of openvpn.pcap, high, and every other client certificate there', async () => {
    const found = meta009(await analyze('openvpn.pcap'))
    const jbrum = found.find((f) => f.detail.includes('jbrum1987@hotmail.com'))
    expect(jbrum).toMatchObject({severity: 'high', endpoint: '85.134.13.165'})
    expect(jbrum!.detail).toContain('It carries the e-mail address "jbrum1987@hotmail.com"')
    expect(jbrum!.evidence[0]).toMatchObject({description: 'OpenVPN client certificate CN "50d2:jbrum1987@hotmail.com" issued by "server.vpnunlimitedapp.com" sent in clear to 85.134.13.165:1194', frame: 578})
    // One finding per certificate: greta's was sent on two connections.
    expect(found.map((f) => [f.severity, f.evidence.length, f.evidence[0]!.description.match(/CN "([^"]*)"/)![1]]).sort()).toEqual([
      ['high', 1, '50d2:jbrum1987@hotmail.com'],
      ['medium', 1, 'PRO3-Client'],
      ['medium', 1, 'esotica'],
      ['medium', 2, 'greta'],
    ])
    // The servers' certificates are not about the user.
    for (const server of ['CN "OpenVPN Server"', 'CN "openvpn2.vpnunlimitedapp.com"', 'CN "PRO3",']) expect(found.some((f) => f.detail.includes(server))).toBe(false)
  })

  it('reports on every OpenVPN capture only client certificates of the OpenVPN client, and nothing under tls-crypt', async () => {
    const files = corpusFiles().filter((n) => /openvpn/i.test(n))
    expect(files).toEqual(expect.arrayContaining(['openvpn.pcap', 'openvpn-tlscrypt.pcap', 'openvpn_nohmac.pcapng', 'openvpn_nohmac_tcp.pcapng']))
    for (const name of files) {
      const found = meta009(await analyze(name))
      for (const f of found) expect(f.detail, name).toMatch(/^The OpenVPN client sent its certificate in clear/)
      if (name === 'openvpn-tlscrypt.pcap') expect(found, name).toEqual([])
      if (name.startsWith('openvpn_nohmac')) expect(found, name).toHaveLength(1)
    }
  })

  it('reports the CAPWAP access point, the DTLS client of a flow seen the other way round, not its controller', async () => {
    const found = meta009(await analyze('capwap.pcap'))
    // The access point (192.168.10.10:12380, the flow's server) sends it to the controller.
    expect(found.map((f) => [f.severity, f.evidence[0]?.description])).toEqual([['medium', 'DTLS client certificate CN "AP3G2-b83861f305ac" issued by "Cisco Manufacturing CA" sent in clear to 192.168.10.9:5246']])
    expect(found[0]!.detail).toMatch(/^The DTLS client sent its certificate in clear to 192\.168\.10\.9 \(1 connection\)/)
  })

  it('stays quiet on a relayed WebRTC stream whose DTLS client is the remote media server (adult_content.pcap: "Mouflon WebRTC Server", O "StripChat")', async () => {
    const report = await analyze('adult_content.pcap')
    // The handshake, inside TURN, is read (the flow is WebRTC), and the certificate the remote
    // sent names the service, not the caller.
    expect(report.apps.map((a) => a.app)).toEqual(['webrtc'])
    expect(meta009(report)).toEqual([])
  })

  it('stays quiet on WebRTC calls (Google Meet: CN "WebRTC")', async () => {
    expect(meta009(await analyze('stun_google_meet.pcapng'))).toEqual([])
  })
})
