/**
 * Direct reads of an MMDB search tree (spec "Search Tree Section"), for what the `maxmind`
 * Reader does not expose: a sample record to detect the schema, and whether an IPv6 tree
 * holds IPv4 data at ::/96.
 */

function recordReader(bytes: Buffer, recordSize: number): (node: number, bit: number) => number {
  const nodeBytes = recordSize / 4
  return (node, bit) => {
    const o = node * nodeBytes
    if (recordSize === 24) return bit ? bytes.readUIntBE(o + 3, 3) : bytes.readUIntBE(o, 3)
    if (recordSize === 32) return bit ? bytes.readUInt32BE(o + 4) : bytes.readUInt32BE(o)
    // 28 bits: middle byte's high nibble extends the left record, low nibble the right one.
    const middle = bytes[o + 3] ?? 0
    return bit ? ((middle & 0x0f) << 24) | bytes.readUIntBE(o + 4, 3) : ((middle & 0xf0) << 20) | bytes.readUIntBE(o, 3)
  }
}

/**
 * The address of the first network (depth-first, left first) that has data, as bytes of the
 * tree's width; undefined for an empty tree, 'corrupt' when a record points outside the file.
 */
export function firstDataPath(bytes: Buffer, nodeCount: number, recordSize: number, depth: 32 | 128): Uint8Array | 'corrupt' | undefined {
  const read = recordReader(bytes, recordSize)
  const dataLimit = bytes.length - (nodeCount * recordSize) / 4 + nodeCount // largest sane record value
  const path = new Uint8Array(depth / 8)
  const visited = new Set<number>()
  let budget = 100_000 // bounded: a hostile file must not make this walk forever
  const walk = (node: number, level: number): Uint8Array | 'corrupt' | undefined => {
    if (budget-- <= 0 || level >= depth || visited.has(node)) return undefined
    visited.add(node)
    for (const bit of [0, 1]) {
      const record = read(node, bit)
      if (bit) path[level >> 3] = (path[level >> 3] ?? 0) | (0x80 >> (level & 7))
      else path[level >> 3] = (path[level >> 3] ?? 0) & ~(0x80 >> (level & 7))
      if (record === nodeCount) continue
      if (record > nodeCount) {
        if (record - nodeCount - 16 < 0 || record >= dataLimit) return 'corrupt'
        for (let l = level + 1; l < depth; l++) path[l >> 3] = (path[l >> 3] ?? 0) & ~(0x80 >> (l & 7))
        return Uint8Array.from(path)
      }
      const found = walk(record, level + 1)
      if (found) return found
    }
    return undefined
  }
  const found = walk(0, 0)
  if (found === undefined || found === 'corrupt') return found
  return found
}

/** True when the ::/96 walk of an IPv6 tree reaches a node or data (not "no data"). */
export function hasIpv4Subtree(bytes: Buffer, nodeCount: number, recordSize: number): boolean {
  const read = recordReader(bytes, recordSize)
  let node = 0
  for (let i = 0; i < 96 && node < nodeCount; i++) node = read(node, 0)
  return node !== nodeCount
}

/**
 * The search tree walked for one address exactly as the `maxmind` package's Reader walks it
 * (mmdb-lib `findAddressInTree`: IPv4 addresses start at the node ::/96 leads to in an IPv6
 * tree; the walk stops at the address's last bit or at the first record that is not a node),
 * from the address's bytes instead of its text. GeoDatabase uses it to find which data record
 * an address leads to and asks the Reader only for records it has not seen yet: tens of
 * thousands of addresses in a large capture share a few thousand cities and networks' owners.
 */
export class SearchTree {
  /** Prefix length the last `walk` ended at. */
  depth = 0
  private readonly read: (node: number, bit: number) => number
  private readonly ipv4Start: number

  constructor(bytes: Buffer, private readonly nodeCount: number, recordSize: number, ipVersion: 4 | 6) {
    this.read = recordReader(bytes, recordSize)
    let start = 0
    if (ipVersion === 6) for (let i = 0; i < 96 && start < nodeCount; i++) start = this.read(start, 0)
    this.ipv4Start = start
  }

  /** The record the address leads to: above nodeCount a data pointer, else no data. */
  walk(address: Uint8Array): number {
    const bits = address.length * 8
    let node = address.length === 4 ? this.ipv4Start : 0
    let depth = 0
    for (; depth < bits && node < this.nodeCount; depth++) node = this.read(node, (address[depth >> 3]! >>> (7 ^ (depth & 7))) & 1)
    this.depth = depth
    return node
  }
}
