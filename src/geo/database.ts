/**
 * One opened MMDB file: validated on open, metadata summarised, schema detected, lookups routed
 * by IP version. All reads go through the `maxmind` package's Reader.
 */
import {closeSync, openSync, readFileSync, readSync, statSync} from 'node:fs'
import {open as openFile} from 'node:fs/promises'
import {basename} from 'node:path'
import {Reader} from 'maxmind'
import {InputError} from '../errors.js'
import {MAX_DATABASE_BYTES, unpackDatabase} from './database-bytes.js'
import type {PartialGeo} from './fields.js'
import {formatCidr, formatIp, type ParsedIp} from './ip.js'
import {METADATA_MARKER} from './mmdb/marker.js'
import {detectSchema, normaliseRecord, type CountryMeaning, type Schema} from './schema.js'
import {firstDataPath, hasIpv4Subtree, SearchTree} from './tree-probe.js'

/** Where a database came from, in lookup order. */
export type DatabaseOrigin = 'geoip-db' | 'geoip-dir' | 'env-dir' | 'system-dir' | 'embedded'

export interface Provenance {
  package: string
  version: string
  license: string
  /** e.g. the upstream's notice that some data is wrong. */
  note?: string
  /** How callaudit derived the file, when it did (the compiled ASN database). */
  compiledFrom?: string
}

export interface DatabaseInfo {
  id: string
  path: string
  origin: DatabaseOrigin
  databaseType: string
  schema: string
  countryMeaning: CountryMeaning
  buildEpoch: string
  ipVersion: 4 | 6
  /** IP versions the tree answers: an IPv6 tree may or may not hold an IPv4 subtree. */
  ipVersions: Array<4 | 6>
  recordSize: number
  nodeCount: number
  /** Bytes of the database itself (unpacked, when the file was compressed or an archive). */
  fileSize: number
  /** The archive member read, when the file was a tar archive holding the database. */
  member?: string
  description: string | undefined
  provenance?: Provenance
}

export interface DatabaseHit {
  fields: PartialGeo
  network: string
}

export interface OpenOptions {
  id: string
  origin: DatabaseOrigin
  provenance?: Provenance
  /** Force the meaning of a flat `country_code` (the embedded iptoasn-country is registration). */
  countryMeaning?: CountryMeaning
}

export class GeoDatabase {
  readonly info: DatabaseInfo
  readonly buildEpoch: Date
  private readonly reader: Reader<Record<string, unknown>>
  private readonly schema: Schema
  private readonly tree: SearchTree
  /** The Reader's decoded record per data pointer seen (see SearchTree). Bounded. */
  private records = new Map<number, unknown>()

  private constructor(reader: Reader<Record<string, unknown>>, info: DatabaseInfo, schema: Schema, tree: SearchTree) {
    this.reader = reader
    this.info = info
    this.schema = schema
    this.tree = tree
    this.buildEpoch = new Date(info.buildEpoch)
  }

  /**
   * Open and validate; every failure is an InputError naming the file. The file may be a pipe
   * (`--geoip-db <(curl …)`), gzip-compressed, or a tar archive holding one .mmdb (as MaxMind
   * and DB-IP ship them): see database-bytes.ts.
   */
  static open(path: string, options: OpenOptions): GeoDatabase {
    let bytes: Buffer
    try {
      bytes = isPipe(path) ? readPipeSync(path) : readFileSync(path)
    } catch (error) {
      throw readError(error, path)
    }
    return GeoDatabase.fromBytes(path, bytes, options)
  }

  /**
   * As open(), the file read on libuv's thread pool: several databases (the embedded ones are
   * ~60 MB together) are read at once, off the main thread, rather than one after another.
   */
  static async openAsync(path: string, options: OpenOptions): Promise<GeoDatabase> {
    let bytes: Buffer
    try {
      // A pipe is read on this thread: the rare case, and its writer sets the pace anyway.
      bytes = isPipe(path) ? readPipeSync(path) : await readWhole(path)
    } catch (error) {
      throw readError(error, path)
    }
    return GeoDatabase.fromBytes(path, bytes, options)
  }

  /** Validate a database file's bytes; every failure is an InputError naming the file. */
  private static fromBytes(path: string, packed: Buffer, options: OpenOptions): GeoDatabase {
    const {bytes, member} = unpackDatabase(packed, path)
    // Spec: the metadata marker is the last occurrence of \xAB\xCD\xEFMaxMind.com, within the last 128 KiB.
    const markerAt = bytes.lastIndexOf(METADATA_MARKER)
    if (markerAt < 0 || bytes.length - markerAt > 128 * 1024) throw new InputError('not a MaxMind DB (MMDB) file: no metadata marker', path)
    let reader: Reader<Record<string, unknown>>
    try {
      reader = new Reader(bytes, {cache: new DecodeCache(20_000)})
    } catch (error) {
      throw new InputError(`corrupt or truncated MMDB file (${(error as Error).message})`, path)
    }
    const m = reader.metadata
    const problem = validateLayout(m, markerAt, bytes)
    if (problem) throw new InputError(`corrupt MMDB file: ${problem}`, path)
    const probe = firstDataPath(bytes, m.nodeCount, m.recordSize, m.ipVersion === 6 ? 128 : 32)
    if (probe === 'corrupt') throw new InputError('corrupt MMDB search tree (record points past the data section)', path)
    let sample: unknown
    try {
      sample = probe === undefined ? undefined : reader.get(formatIp(probe))
    } catch (error) {
      throw new InputError(`corrupt MMDB data section (${(error as Error).message})`, path)
    }
    const detected = detectSchema(String(m.databaseType ?? ''), sample, basename(member ?? path).replace(/\.gz$/i, ''))
    if (!detected) {
      throw new InputError(`database type "${String(m.databaseType)}" holds no location or ASN data callaudit can use`, path)
    }
    const schema = options.countryMeaning ? {...detected, countryMeaning: options.countryMeaning} : detected
    const v4 = m.ipVersion === 4 || hasIpv4Subtree(bytes, m.nodeCount, m.recordSize)
    const description = m.description as unknown as Record<string, string> | undefined
    const info: DatabaseInfo = {
      id: options.id,
      path,
      origin: options.origin,
      databaseType: String(m.databaseType),
      schema: schema.name,
      countryMeaning: schema.countryMeaning,
      buildEpoch: m.buildEpoch.toISOString(),
      ipVersion: m.ipVersion as 4 | 6,
      ipVersions: m.ipVersion === 4 ? [4] : v4 ? [4, 6] : [6],
      recordSize: m.recordSize,
      nodeCount: m.nodeCount,
      fileSize: bytes.length,
      ...(member === undefined ? {} : {member}),
      description: description?.['en'] ?? Object.values(description ?? {})[0],
      ...(options.provenance ? {provenance: options.provenance} : {}),
    }
    return new GeoDatabase(reader, info, schema, new SearchTree(bytes, m.nodeCount, m.recordSize, m.ipVersion as 4 | 6))
  }

  /** Normalised fields for an address, or undefined when the database has no record for it. */
  lookup(ip: ParsedIp, text: string = formatIp(ip.bytes)): DatabaseHit | undefined {
    // An IPv4-only tree must not see IPv6 addresses: mmdb-lib would walk the first 32 bits of
    // the IPv6 address through the IPv4 tree and answer for an unrelated IPv4 network.
    if (ip.version === 6 && this.info.ipVersion === 4) return undefined
    if (ip.version === 4 && !this.info.ipVersions.includes(4)) return undefined
    let raw: unknown
    let prefixLength: number
    try {
      const record = this.tree.walk(ip.bytes)
      prefixLength = this.tree.depth
      if (record <= this.info.nodeCount) {
        raw = null
      } else {
        raw = this.records.get(record)
        if (raw === undefined && !this.records.has(record)) {
          // A record not seen yet: the Reader reads it (and checks the walk: on any
          // disagreement its answer stands and nothing is remembered).
          const [value, readerPrefix] = this.reader.getWithPrefixLength(text)
          raw = value
          if (readerPrefix !== prefixLength) prefixLength = readerPrefix
          else {
            if (this.records.size >= RECORD_MEMO) this.records = new Map()
            this.records.set(record, value)
          }
        }
      }
    } catch (error) {
      throw new InputError(`corrupt MMDB data section (${(error as Error).message})`, this.info.path)
    }
    if (raw === null || raw === undefined) return undefined
    const fields = this.normalised(raw)
    if (fields === undefined) return undefined
    return {fields, network: networkText(ip.bytes, prefixLength)}
  }

  /** A record's normalised fields (undefined when it has none). The reader hands out one decoded
   * object per record (DecodeCache), and a city's or an AS's record serves many addresses: each is
   * normalised once. Read-only, shared. */
  private normalised(raw: unknown): PartialGeo | undefined {
    if (typeof raw !== 'object' || raw === null) {
      const fields = normaliseRecord(raw, this.schema)
      return Object.keys(fields).length === 0 ? undefined : fields
    }
    if (this.normalisedRecords.has(raw)) return this.normalisedRecords.get(raw)
    const fields = normaliseRecord(raw, this.schema)
    const kept = Object.keys(fields).length === 0 ? undefined : fields
    this.normalisedRecords.set(raw, kept)
    return kept
  }

  private readonly normalisedRecords = new WeakMap<object, PartialGeo | undefined>()
}

/** Whether the path is a named pipe (or `<(…)`); anything else but a regular file is refused. */
function isPipe(path: string): boolean {
  const stat = statSync(path)
  if (stat.isFile()) return false
  if (stat.isFIFO()) return true
  throw new InputError(stat.isDirectory() ? 'a directory, not a database file (use --geoip-dir for a directory)' : 'not a regular file or a pipe', path)
}

function tooLarge(path: string): InputError {
  return new InputError(`more than ${MAX_DATABASE_BYTES / 2 ** 30} GiB from a pipe: not a database`, path)
}

/** A pipe's bytes to its end, at most MAX_DATABASE_BYTES of them. */
function readPipeSync(path: string): Buffer {
  const fd = openSync(path, 'r')
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(1 << 20)
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      total += n
      if (total > MAX_DATABASE_BYTES) throw tooLarge(path)
      chunks.push(chunk.subarray(0, n))
    }
    return Buffer.concat(chunks, total)
  } finally {
    closeSync(fd)
  }
}

function readError(error: unknown, path: string): InputError {
  if (error instanceof InputError) return error
  const code = (error as NodeJS.ErrnoException).code
  return new InputError(code === 'ENOENT' ? 'database file not found' : `cannot read database (${code ?? String(error)})`, path)
}

/**
 * The whole file in one buffer of its size, in as few reads as the kernel allows (one, for a
 * regular file): fs.readFile would make a thread-pool round trip per 512 KiB.
 */
async function readWhole(path: string): Promise<Buffer> {
  const handle = await openFile(path, 'r')
  try {
    const size = (await handle.stat()).size
    const buffer = Buffer.allocUnsafe(size)
    let filled = 0
    while (filled < size) {
      const {bytesRead} = await handle.read(buffer, filled, size - filled, filled)
      if (bytesRead === 0) break // shrank since the stat: keep what is there, as readFileSync would
      filled += bytesRead
    }
    return filled === size ? buffer : buffer.subarray(0, filled)
  } finally {
    await handle.close()
  }
}

/** Distinct data records a database remembers (a capture's addresses lead to far fewer). */
const RECORD_MEMO = 1 << 17

/**
 * Cache of decoded data-section values by offset, for the Reader's decoder (as maxmind.open
 * does with an LRU). Many networks share one record (same city, same AS), so decoding each
 * once matters on large captures. Bounded: the oldest half is dropped when full.
 */
class DecodeCache {
  private readonly entries = new Map<number, unknown>()
  constructor(private readonly max: number) {}
  get(key: number): unknown {
    return this.entries.get(key)
  }
  set(key: number, value: unknown): void {
    if (this.entries.size >= this.max) {
      let drop = this.max / 2
      for (const k of this.entries.keys()) {
        if (drop-- <= 0) break
        this.entries.delete(k)
      }
    }
    this.entries.set(key, value)
  }
}

/**
 * The network an address lies in, as CIDR text. For IPv4 remembered by network and prefix
 * length (bounded): the addresses of a capture crowd into a few networks (a service's /24, a
 * provider's /16), and each of them looked up in each database made its own copy of the text.
 */
function networkText(bytes: Uint8Array, prefixLength: number): string {
  if (bytes.length !== 4 || !(prefixLength >= 0 && prefixLength <= 32)) return formatCidr({bytes: networkOf(bytes, prefixLength), prefixLength})
  const value = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0
  const key = prefixLength * 0x100000000 + ((value & mask) >>> 0)
  let text = networkTexts.get(key)
  if (text === undefined) {
    text = formatCidr({bytes: networkOf(bytes, prefixLength), prefixLength})
    if (networkTexts.size >= 1 << 16) networkTexts.clear()
    networkTexts.set(key, text)
  }
  return text
}
const networkTexts = new Map<number, string>()

function networkOf(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = new Uint8Array(bytes)
  // Whole bytes past the prefix are cleared at once, the byte it ends in by a mask.
  const full = prefixLength >> 3
  if (full < out.length) {
    out[full] = out[full]! & ((0xff00 >> (prefixLength & 7)) & 0xff)
    out.fill(0, full + 1)
  }
  return out
}

function validateLayout(m: Reader<Record<string, unknown>>['metadata'], markerAt: number, bytes: Buffer): string | undefined {
  if (m.binaryFormatMajorVersion !== 2) return `unsupported binary format major version ${String(m.binaryFormatMajorVersion)}`
  if (m.ipVersion !== 4 && m.ipVersion !== 6) return `ip_version ${String(m.ipVersion)} is not 4 or 6`
  if (!Number.isInteger(m.nodeCount) || m.nodeCount <= 0) return 'node_count missing or zero'
  if (typeof m.databaseType !== 'string') return 'database_type missing'
  if (Number.isNaN(m.buildEpoch.getTime())) return 'build_epoch missing'
  if (m.searchTreeSize + 16 > markerAt) return `search tree (${m.searchTreeSize} bytes) larger than the file allows`
  // Spec: 16 zero bytes separate the search tree from the data section.
  for (let i = 0; i < 16; i++) if (bytes[m.searchTreeSize + i] !== 0) return 'data section separator is not 16 zero bytes'
  return undefined
}
