import {u32le} from '../capture/bytes.js'
import type {ProcessInfo} from '../capture/packet-record.js'

/**
 * The process fields of Apple's PKTAP header (struct pktap_header, xnu bsd/net/pktap.h; Wireshark's
 * packet-pktap.c), in the capturing host's byte order, little-endian on every Apple platform:
 * pth_pid at 52 and pth_comm (17 bytes, NUL-terminated) at 56, then after pth_svc, pth_iftype
 * and pth_ifunit, pth_epid at 84 and pth_ecomm at 88 (the "effective" process, when a daemon
 * sends for an app). pid -1 with no name means the kernel did not know the socket's owner.
 */
const PTH_PID = 52
const PTH_COMM = 56
const PTH_EPID = 84
const PTH_ECOMM = 88
const COMM_BYTES = 17
/** Fixed part of the header, up to the end of pth_ecomm (Wireshark's MIN_PKTAP_HDR_LEN). */
const MIN_HEADER = 108

/** The process a PKTAP record names, or undefined when it names none. `o` is the header start. */
export function pktapProcess(b: Uint8Array, o: number, end: number): ProcessInfo | undefined {
  if (end - o < MIN_HEADER || i32le(b, o) < MIN_HEADER || i32le(b, o + 4) !== 1) return undefined
  const pid = i32le(b, o + PTH_PID)
  const name = commText(b, o + PTH_COMM)
  const epid = i32le(b, o + PTH_EPID)
  const ename = commText(b, o + PTH_ECOMM)
  const own = pid >= 0 && (pid > 0 || name !== '') ? {pid, name} : undefined
  const effective = epid >= 0 && (epid > 0 || ename !== '') ? {pid: epid, name: ename} : undefined
  if (!own) return effective
  if (!effective || (effective.pid === own.pid && effective.name === own.name)) return own
  return {...own, effectivePid: effective.pid, effectiveName: effective.name}
}

/** pid_t fields are signed (-1: no process). */
function i32le(b: Uint8Array, o: number): number {
  return u32le(b, o) | 0
}

/** A command name: bytes up to the first NUL, as Latin-1 (the kernel copies them as bytes). */
function commText(b: Uint8Array, o: number): string {
  let text = ''
  for (let i = 0; i < COMM_BYTES; i++) {
    const c = b[o + i]!
    if (c === 0) break
    text += String.fromCharCode(c)
  }
  return text
}
