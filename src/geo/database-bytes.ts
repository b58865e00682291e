/**
 * A database file's bytes as the vendors ship them, unpacked to the MMDB inside: MaxMind's
 * downloads are tar.gz archives (GeoLite2-City_20261124/GeoLite2-City.mmdb with its licence
 * files), DB-IP's are gzip-compressed MMDB files (dbip-city-lite-2026-11.mmdb.gz), and either may
 * have been half unpacked (a .tar). The MMDB is then read as if it had been given itself.
 */
import {gunzipSync} from 'node:zlib'
import {InputError} from '../errors.js'

/** Most bytes a database may unpack to (GeoIP2 Enterprise, the largest MaxMind ships, is
 * ~1 GB less than this): a gzip bomb or an endless pipe stops here. */
export const MAX_DATABASE_BYTES = 1.5 * 1024 * 1024 * 1024

export interface DatabaseBytes {
  bytes: Buffer
  /** The archive member read, when the file was a tar archive (`dir/GeoLite2-City.mmdb`). */
  member?: string
}

/** Unpack gzip and tar around an MMDB; bytes that are neither are returned as they are. */
export function unpackDatabase(bytes: Buffer, path: string): DatabaseBytes {
  let data = bytes
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data, {maxOutputLength: MAX_DATABASE_BYTES})
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new InputError(code === 'ERR_BUFFER_TOO_LARGE' ? `gzip-compressed file unpacks to more than ${MAX_DATABASE_BYTES / 2 ** 30} GiB: not a database` : `corrupt gzip-compressed file (${(error as Error).message})`, path)
    }
  }
  return isTar(data) ? mmdbMember(data, path) : {bytes: data}
}

/** POSIX ustar and GNU tar headers carry "ustar" at offset 257 (POSIX.1-1988 §10.1.1). */
function isTar(b: Buffer): boolean {
  return b.length >= 512 && b.toString('latin1', 257, 262) === 'ustar'
}

/**
 * The one `.mmdb` member of a tar archive. Headers are 512-byte blocks (name at 0, size in octal
 * at 124, type flag at 156, ustar name prefix at 345), each file's data padded to 512 bytes; GNU
 * long names ('L') and pax extended headers ('x', `path=`) name the member that follows.
 */
function mmdbMember(b: Buffer, path: string): DatabaseBytes {
  const found: Array<{name: string; start: number; size: number}> = []
  // The first few member names, for the error; an archive may hold millions of files.
  const names: string[] = []
  let files = 0
  let databases = 0
  let longName: string | undefined
  for (let at = 0; at + 512 <= b.length; ) {
    if (b.subarray(at, at + 512).every((x) => x === 0)) break // end of archive: two zero blocks
    const size = octal(b, at + 124, 12)
    if (size === undefined) throw new InputError(`damaged tar archive: the header at byte ${at} has no valid size`, path)
    const start = at + 512
    if (start + size > b.length) throw new InputError(`tar archive cut short: its member at byte ${at} needs ${size} bytes, ${b.length - start} remain`, path)
    const type = String.fromCharCode(b[at + 156]!)
    if (type === 'L') longName = cString(b, start, size)
    else if (type === 'x') longName = paxPath(b.toString('utf8', start, start + size)) ?? longName
    else {
      // POSIX ustar ("ustar\0") keeps a name prefix at 345; old GNU tar ("ustar  ") has other fields there.
      const prefix = b[at + 262] === 0 ? cString(b, at + 345, 155) : ''
      const name = longName ?? (prefix ? `${prefix}/${cString(b, at, 100)}` : cString(b, at, 100))
      longName = undefined
      if (type === '0' || type === '\0' || type === '7') {
        if (files++ < 8) names.push(name)
        if (/\.mmdb$/i.test(name) && databases++ < 8) found.push({name, start, size})
      }
    }
    at = start + Math.ceil(size / 512) * 512
  }
  if (databases === 1) return {bytes: b.subarray(found[0]!.start, found[0]!.start + found[0]!.size), member: found[0]!.name}
  const listed = names.join(', ') + (files > names.length ? `, … (${files} files)` : '')
  if (databases === 0) throw new InputError(`tar archive holds no .mmdb database${names.length ? ` (it holds ${listed})` : ''}`, path)
  throw new InputError(`tar archive holds ${databases} .mmdb databases (${found.map((f) => f.name).join(', ')}${databases > found.length ? ', …' : ''}): extract the one to use and give it with --geoip-db`, path)
}

/** A NUL-ended (or field-filling) octal number, as tar writes sizes; undefined if it is not one. */
function octal(b: Buffer, at: number, length: number): number | undefined {
  const text = b.toString('latin1', at, at + length).replace(/\0.*$/s, '').trim()
  return /^[0-7]{1,12}$/.test(text) ? parseInt(text, 8) : undefined
}

function cString(b: Buffer, at: number, length: number): string {
  const end = b.indexOf(0, at)
  return b.toString('utf8', at, end < 0 || end > at + length ? at + length : end)
}

/** The `path` record of a pax extended header ("<length> path=<name>\n" records, POSIX.1-2001). */
function paxPath(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\d+ path=(.*)$/s.exec(line)
    if (m) return m[1]
  }
  return undefined
}
