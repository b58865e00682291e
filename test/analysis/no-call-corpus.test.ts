import {existsSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {HAVE_CORPUS, corpusFiles, corpusPath, oraclePath} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'

/** nDPI's labels for calls and the apps that are all about calls (not WhatsApp, Signal,
 * Telegram or Slack: their plain labels are messaging, which holds no call). */
const CALL_LABELS = new Set(['Zoom', 'Teams', 'Skype_Teams', 'SkypeCall', 'Webex', 'GoogleMeet', 'GoogleHangoutDuo', 'Jitsi', 'WhatsAppCall', 'SignalVoip', 'TelegramVoip', 'FaceTime', 'RTCP'])
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}

/** nDPI labels a call in these, and there is none: its guesses on industrial protocols, and its
 * label for DNS lookups of a meeting service's names (a lookup is not a call). */
const NDPI_GUESSES: Record<string, string> = {
  'cip_io.pcap': 'EtherNet/IP CIP I/O on UDP 2222: nDPI guesses SkypeCall from the port range, there is no call',
  'knxip.pcapng': 'KNXnet/IP building automation on UDP 3671: nDPI guesses SkypeCall, there is no call',
  'dns_ambiguous_names.pcap': 'DNS queries only (10 flows to 8.8.8.8): nDPI labels those for teams.skype.com Teams, there is no call',
  'sites.pcapng': 'a browser visiting some 40 sites, Teams and Telegram web among them (4 small TLS flows): nDPI labels those Teams and Telegram, there is no call',
}

function ndpiLabels(name: string): string[] {
  const path = oraclePath(name)
  if (!existsSync(path)) return []
  return Object.keys((JSON.parse(readFileSync(path, 'utf8')) as {ndpi?: {detected_protocols?: Record<string, unknown>}}).ndpi?.detected_protocols ?? {})
}

async function ruleIds(name: string): Promise<string[]> {
  const {report} = await analyzeCaptures({paths: [corpusPath(name)], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
  return report.findings.map((f) => f.ruleId)
}

describe.skipIf(!HAVE_CORPUS)('CA-CALL-001 on the corpus', () => {
  it('stays quiet on every capture nDPI finds a call or a conferencing app in, except its explained guesses', async () => {
    const calls = corpusFiles().filter((n) => ndpiLabels(n).some((l) => CALL_LABELS.has(l)))
    expect(calls.length).toBeGreaterThan(10)
    const wrong: string[] = []
    for (const name of calls) {
      const fired = (await ruleIds(name)).includes('CA-CALL-001')
      if (fired !== name in NDPI_GUESSES) wrong.push(`${name}: CA-CALL-001 ${fired ? 'fired' : 'did not fire'}`)
    }
    expect(wrong).toEqual([])
  }, 120_000)

  it('fires on captures of other protocols only (mail, plain web, FTP, Kerberos, GTP-C), and of DNS lookups of a meeting service alone', async () => {
    // Kerberos and GTPv2-C datagrams fit a TURN ChannelData header: they were read as relay traffic.
    for (const name of ['smtp.pcap', 'http.pcapng', 'ftp.pcap', 'kerberos-login.pcap', 'kerberos-error.pcap', 'gtp_c.pcap', 'dns.pcap', 'dns_ambiguous_names.pcap'].filter((n) => corpusFiles().includes(n))) {
      expect(await ruleIds(name), name).toContain('CA-CALL-001')
    }
  })

  it('fires on captures of a messenger running without a call (chat, login, file transfer)', async () => {
    // nDPI labels these WhatsApp, not WhatsAppCall: the chat connection, no media.
    for (const name of ['whatsapp.pcap', 'whatsapp_login_chat.pcap', 'whatsappfiles.pcap'].filter((n) => corpusFiles().includes(n))) {
      expect(ndpiLabels(name), name).not.toContain('WhatsAppCall')
      expect(await ruleIds(name), name).toContain('CA-CALL-001')
    }
  })

  it('Kerberos to a server abroad is not a TURN relay carrying the call', async () => {
    const {report} = await analyzeCaptures({paths: [corpusPath('kerberos-error.pcap')], geo: EMBEDDED_ONLY, policy: {home: 'DE'}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.flows.map((f) => [f.server.port, f.role])).toEqual([[88, 'other']])
    expect(report.findings.filter((f) => f.severity === 'high').map((f) => f.ruleId)).toEqual(['CA-CALL-001'])
  })
})
