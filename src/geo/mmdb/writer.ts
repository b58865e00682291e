/**
 * Writes MaxMind DB (MMDB) files, format spec 2.0: search tree, 16 zero bytes, data section,
 * then `\xAB\xCD\xEFMaxMind.com` and the metadata map. Used for the embedded ASN database, the
 * test fixtures and `callaudit db build`.
 */
import {bytesToBigInt, type Cidr} from '../ip.js'
import {DataEncoder} from './data-encoder.js'
import {type RecordSize, SearchTree} from './search-tree.js'
import {typed, type MmdbMap, type MmdbValue} from './values.js'
import {METADATA_MARKER} from './marker.js'

export {METADATA_MARKER}

export interface MmdbWriterOptions {
  ipVersion: 4 | 6
  databaseType: string
  /** Seconds since the epoch. Required: outputs must not depend on the wall clock. */
  buildEpoch: number
  /** Forced record size; otherwise the smallest that fits. */
  recordSize?: RecordSize
  description?: Record<string, string>
  languages?: string[]
  /** IPv6 trees: make ::ffff:0:0/96 lead to the IPv4 subtree (default true). */
  aliasIpv4Mapped?: boolean
}

export class MmdbWriter {
  private readonly tree: SearchTree
  private readonly data = new DataEncoder()
  private finished = false
  networkCount = 0

  constructor(private readonly options: MmdbWriterOptions) {
    this.tree = new SearchTree(options.ipVersion === 4 ? 32 : 128)
  }

  /** Insert a network (IPv4 networks go to ::/96 in an IPv6 tree). Later inserts win on overlap. */
  insert(cidr: Cidr, value: MmdbValue): void {
    this.insertOffset(cidr, this.data.write(value))
  }

  /** Insert with a data offset from `storeValue()`, to share one record among many networks cheaply. */
  insertOffset(cidr: Cidr, dataOffset: number): void {
    this.assertOpen()
    if (cidr.bytes.length === 4) {
      this.insertIpv4(Number(bytesToBigInt(cidr.bytes)), cidr.prefixLength, dataOffset)
      return
    }
    if (this.options.ipVersion === 4) throw new RangeError('IPv6 network in an IPv4 database')
    this.networkCount++
    this.tree.insert(cidr.bytes, cidr.prefixLength, dataOffset)
  }

  insertIpv4(start: number, prefixLength: number, dataOffset: number): void {
    this.assertOpen()
    this.networkCount++
    this.tree.insertIpv4(start, prefixLength, dataOffset)
  }

  storeValue(value: MmdbValue): number {
    return this.data.write(value)
  }

  toBuffer(): Buffer {
    this.assertOpen()
    this.finished = true
    if (this.options.aliasIpv4Mapped !== false) this.tree.aliasIpv4Mapped()
    const dataSection = this.data.contents()
    const tree = this.tree.serialise(dataSection.length, this.options.recordSize)
    const metadata: MmdbMap = {
      binary_format_major_version: typed('uint16', 2),
      binary_format_minor_version: typed('uint16', 0),
      build_epoch: typed('uint64', BigInt(Math.trunc(this.options.buildEpoch))),
      database_type: this.options.databaseType,
      description: this.options.description ?? {},
      ip_version: typed('uint16', this.options.ipVersion),
      languages: this.options.languages ?? [],
      node_count: typed('uint32', tree.nodeCount),
      record_size: typed('uint16', tree.recordSize),
    }
    const metadataEncoder = new DataEncoder(false)
    metadataEncoder.write(metadata)
    return Buffer.concat([tree.bytes, Buffer.alloc(16), dataSection, METADATA_MARKER, metadataEncoder.contents()])
  }

  private assertOpen(): void {
    if (this.finished) throw new Error('MmdbWriter: database already serialised')
  }
}
