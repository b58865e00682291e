/**
 * A call-shaped benchmark capture: the bundled demo call (fixtures/demo-jakarta-call.pcapng, a
 * Zoom call with DNS, TLS control connections, STUN and relayed media) repeated back to back,
 * each repetition shifted in time by the call's length, until the file holds the target size.
 * Repetitions keep their addresses and ports, so the result is what a long real call looks
 * like to a reader: a few dozen flows, most packets in a handful of media flows. The synthetic
 * corpus mix (synth.ts) is the opposite extreme: 100 k short flows dense with protocol work.
 */
import {writeSync, openSync, closeSync} from 'node:fs'
import {readCapture} from '../../src/capture/read-capture.js'
import type {SynthResult} from './synth.js'

export const CALL_SOURCE = 'fixtures/demo-jakarta-call.pcapng'

interface Frame {
  sec: number
  usec: number
  data: Buffer
  origLen: number
}

/** Write the repeated call to `path` (classic pcap, microseconds). */
export async function synthesizeCall(sourcePath: string, path: string, targetBytes: number): Promise<SynthResult> {
  const started = process.hrtime.bigint()
  const frames: Frame[] = []
  let linkType = 1
  await readCapture(sourcePath, (r) => {
    linkType = r.linkType
    frames.push({sec: r.tsSec, usec: Math.floor(r.tsNsec / 1000), data: Buffer.from(r.data), origLen: r.origLen})
  })
  if (frames.length === 0) throw new Error(`${sourcePath}: no packets`)
  const span = frames[frames.length - 1]!.sec - frames[0]!.sec + 1
  const fd = openSync(path, 'w')
  let bytes = 0
  let packets = 0
  let passes = 0
  try {
    const header = Buffer.alloc(24)
    header.writeUInt32LE(0xa1b2c3d4, 0)
    header.writeUInt16LE(2, 4)
    header.writeUInt16LE(4, 6)
    header.writeUInt32LE(262144, 16)
    header.writeUInt32LE(linkType, 20)
    writeSync(fd, header)
    bytes = 24
    while (bytes < targetBytes) {
      const parts: Buffer[] = []
      for (const f of frames) {
        const record = Buffer.alloc(16)
        record.writeUInt32LE(f.sec + passes * span, 0)
        record.writeUInt32LE(f.usec, 4)
        record.writeUInt32LE(f.data.length, 8)
        record.writeUInt32LE(f.origLen, 12)
        parts.push(record, f.data)
        bytes += 16 + f.data.length
        packets++
      }
      writeSync(fd, Buffer.concat(parts))
      passes++
    }
  } finally {
    closeSync(fd)
  }
  const first = frames[0]!.sec
  return {
    bytes,
    packets,
    passes,
    groups: 1,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    firstTime: new Date(first * 1000).toISOString(),
    lastTime: new Date((first + passes * span) * 1000).toISOString(),
  }
}
