/** Small FlowEvidence builder for the apps tests: a quiet UDP flow unless told otherwise. */
import type {FlowEvidence} from '../../src/apps/index.js'

type Overrides = Partial<Omit<FlowEvidence, 'client' | 'server' | 'packets' | 'bytes'>> & {
  client?: Partial<FlowEvidence['client']>
  server?: Partial<FlowEvidence['server']>
  packets?: Partial<FlowEvidence['packets']>
  bytes?: Partial<FlowEvidence['bytes']>
}

export function flow(id: number, o: Overrides = {}): FlowEvidence {
  const {client, server, packets, bytes, ...rest} = o
  return {
    flowId: id,
    proto: 'udp',
    durationSeconds: 0.1,
    firstFrame: id * 10,
    names: [],
    stunPresent: false,
    dtls: false,
    tls: false,
    quic: false,
    rtpStreams: 0,
    isDns: false,
    isLanDiscovery: false,
    ...rest,
    client: {ip: '192.168.1.23', port: 50000 + id, ...client},
    server: {ip: '198.51.100.7', port: 40000, ...server},
    packets: {toServer: 2, toClient: 2, ...packets},
    bytes: {toServer: 200, toClient: 200, ...bytes},
  }
}

/** A TLS flow to `ip:443` whose ClientHello named `sni`. */
export function tlsFlow(id: number, sni: string, ip = '198.51.100.7'): FlowEvidence {
  return flow(id, {proto: 'tcp', tls: true, server: {ip, port: 443}, names: [{name: sni, source: 'sni', frame: id * 10 + 3}]})
}

/** Sustained bidirectional UDP: 300 packets each way over 60 s. */
export const SUSTAINED = {packets: {toServer: 300, toClient: 300}, durationSeconds: 60} as const
