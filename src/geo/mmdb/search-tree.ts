/**
 * In-memory binary trie of networks, serialised as the MaxMind DB search tree
 * (spec "Search Tree Section"): node N is `record_size * 2 / 8` bytes, a left (bit 0) and a
 * right (bit 1) record. A record holds a node number (< node_count), node_count itself for
 * "no data", or a data section offset + node_count + 16 (the 16 being the zero separator
 * between tree and data).
 *
 * Records in memory: 0 = empty, > 0 = child node index, < 0 = data offset encoded as -(offset + 1).
 * The root (index 0) is never anyone's child, so 0 can mean "empty".
 */
export type RecordSize = 24 | 28 | 32

const EMPTY = 0

export class SearchTree {
  private left = new Int32Array(1 << 16)
  private right = new Int32Array(1 << 16)
  private count = 1 // node 0 is the root
  private ipv4RootNode = -1

  /** @param depth 32 for an IPv4 tree, 128 for an IPv6 tree. */
  constructor(readonly depth: 32 | 128) {}

  /** Insert a network given as network-order bytes of the tree's width. Later inserts win. */
  insert(bytes: Uint8Array, prefixLength: number, dataOffset: number): void {
    this.insertFrom(0, prefixLength, dataOffset, (depth) => ((bytes[depth >> 3] ?? 0) >> (7 - (depth & 7))) & 1)
  }

  /**
   * Insert an IPv4 network given as an unsigned 32-bit number. In an IPv6 tree IPv4 lives at
   * ::/96 (spec "IPv4 addresses in an IPv6 tree"), so the walk starts at that node.
   */
  insertIpv4(start: number, prefixLength: number, dataOffset: number): void {
    const root = this.depth === 32 ? 0 : this.ipv4Root()
    this.insertFrom(root, prefixLength, dataOffset, (depth) => (start >>> (31 - depth)) & 1)
  }

  private insertFrom(root: number, prefixLength: number, dataOffset: number, bitAt: (depth: number) => number): void {
    const record = -(dataOffset + 1)
    if (prefixLength === 0) {
      this.left[root] = record
      this.right[root] = record
      return
    }
    let node = root
    for (let depth = 0; depth < prefixLength; depth++) {
      const side = bitAt(depth) ? this.right : this.left
      if (depth === prefixLength - 1) {
        side[node] = record
        return
      }
      const child = side[node] ?? EMPTY
      if (child > 0) {
        node = child
        continue
      }
      // Empty or a shorter network's data: split it so both halves keep the old record.
      const fresh = this.newNode(child, child)
      // `side` may have been reallocated by newNode; index through the current arrays.
      if (bitAt(depth)) this.right[node] = fresh
      else this.left[node] = fresh
      node = fresh
    }
  }

  /** The node at ::/96 (created when missing). */
  private ipv4Root(): number {
    if (this.ipv4RootNode >= 0) return this.ipv4RootNode
    let node = 0
    for (let depth = 0; depth < 96; depth++) {
      const child = this.left[node] ?? EMPTY
      if (child > 0) {
        node = child
        continue
      }
      const fresh = this.newNode(child, child)
      this.left[node] = fresh
      node = fresh
    }
    this.ipv4RootNode = node
    return node
  }

  /**
   * Make ::ffff:0:0/96 (IPv4-mapped) lead to the same subtree as ::/96, as MaxMind's own
   * writer does, so `mmdblookup --ip ::ffff:1.2.3.4` answers like `1.2.3.4`.
   */
  aliasIpv4Mapped(): void {
    if (this.depth !== 128 || this.ipv4RootNode < 0) return
    const mapped = new Uint8Array(16)
    mapped[10] = 0xff
    mapped[11] = 0xff
    let node = 0
    for (let depth = 0; depth < 96; depth++) {
      const bit = ((mapped[depth >> 3] ?? 0) >> (7 - (depth & 7))) & 1
      const side = bit ? this.right : this.left
      if (depth === 95) {
        side[node] = this.ipv4RootNode
        return
      }
      const child = side[node] ?? EMPTY
      if (child > 0) {
        node = child
        continue
      }
      const fresh = this.newNode(child, child)
      if (bit) this.right[node] = fresh
      else this.left[node] = fresh
      node = fresh
    }
  }

  private newNode(left: number, right: number): number {
    if (this.count === this.left.length) {
      const grow = (a: Int32Array) => {
        const next = new Int32Array(a.length * 2)
        next.set(a)
        return next
      }
      this.left = grow(this.left)
      this.right = grow(this.right)
    }
    const index = this.count++
    this.left[index] = left
    this.right[index] = right
    return index
  }

  /**
   * Number the nodes reachable from the root (depth-first, left first: deterministic, and nodes
   * orphaned by an overriding insert are dropped) and serialise them.
   * @param dataSize size of the data section, to pick (or check) the record size.
   */
  serialise(dataSize: number, recordSize?: RecordSize): {bytes: Buffer; nodeCount: number; recordSize: RecordSize} {
    const numberOf = new Int32Array(this.count).fill(-1)
    const order: number[] = []
    const stack = [0]
    while (stack.length > 0) {
      const node = stack.pop() as number
      if (numberOf[node] !== -1) continue
      numberOf[node] = order.length
      order.push(node)
      const r = this.right[node] ?? EMPTY
      const l = this.left[node] ?? EMPTY
      if (r > 0 && numberOf[r] === -1) stack.push(r)
      if (l > 0 && numberOf[l] === -1) stack.push(l)
    }
    const nodeCount = order.length
    const maxValue = nodeCount + 16 + dataSize
    const size = recordSize ?? ([24, 28, 32] as const).find((bits) => maxValue < 2 ** bits)
    if (size === undefined || maxValue >= 2 ** size) throw new RangeError(`database too large for ${recordSize ?? 32}-bit records`)
    const value = (record: number): number => {
      if (record === EMPTY) return nodeCount
      if (record > 0) return numberOf[record] as number
      return nodeCount + 16 + (-record - 1)
    }
    const nodeBytes = size / 4
    const bytes = Buffer.alloc(nodeCount * nodeBytes)
    for (let i = 0; i < nodeCount; i++) {
      const node = order[i] as number
      const l = value(this.left[node] ?? EMPTY)
      const r = value(this.right[node] ?? EMPTY)
      const o = i * nodeBytes
      if (size === 24) {
        bytes.writeUIntBE(l, o, 3)
        bytes.writeUIntBE(r, o + 3, 3)
      } else if (size === 28) {
        // 28-bit records: the middle byte holds the top 4 bits of the left record in its high
        // nibble and the top 4 bits of the right record in its low nibble.
        bytes.writeUIntBE(l & 0xffffff, o, 3)
        bytes[o + 3] = (((l >>> 24) & 0x0f) << 4) | ((r >>> 24) & 0x0f)
        bytes.writeUIntBE(r & 0xffffff, o + 4, 3)
      } else {
        bytes.writeUInt32BE(l, o)
        bytes.writeUInt32BE(r, o + 4)
      }
    }
    return {bytes, nodeCount, recordSize: size}
  }
}
