/**
 * The facts kept per DNS message, built straight from the parser's `scan` (no intermediate
 * parse objects) and shared wherever equal: a capture repeats the same few questions and records
 * in thousands of messages (every query for a busy name, every response of a cache), so one
 * frozen question list, record and record list serves them all. Frozen because they are shared:
 * nothing may change a fact after `finish`, and a consumer that tried would fail loudly.
 *
 * The caches are bounded (emptied when full, as the intern pool is) and only decide what is
 * shared: the facts' values, and their JSON, are those a fresh object would have.
 */
import type {Evidence} from '../analyzer.js'
import type {DnsMessageFact, DnsQuestionFact, DnsRecordFact} from './dns-analyzer.js'
import {flagsOf, rcodeName, recordData, scan, TYPE, typeName} from './dns-message.js'

import {parseSvcb, svcbText} from './svcb.js'
import {intern, internOrNull} from '../../util/intern.js'

const SECTIONS = ['answer', 'authority', 'additional'] as const

/** Names (questions, records) and first records remembered before a cache starts over. */
const MAX_CACHED = 16_384
/** Variants remembered per name (types and classes asked; records differing in TTL or data). */
const MAX_VARIANTS = 8

/** Shared by every message without questions or records. */
const NO_QUESTIONS: DnsQuestionFact[] = Object.freeze([]) as unknown as DnsQuestionFact[]
const NO_RECORDS: DnsRecordFact[] = Object.freeze([]) as unknown as DnsRecordFact[]

/** Question name → one-question lists, one per type and class asked. */
let questionLists = new Map<string, DnsQuestionFact[][]>()
/** Record owner name → records seen with it. */
let recordsByName = new Map<string, DnsRecordFact[]>()
/**
 * Owner name of a list's first record → the lists starting with a record of that name. Keyed by
 * the (interned) name rather than the record object: a string key's hash is kept in the string,
 * where looking a frozen object up by identity cost more than building the list it saves.
 */
let recordLists = new Map<string, DnsRecordFact[][]>()

/** Remember `value` among `variants`, replacing the oldest when there are enough. */
function remember<T>(variants: T[], value: T): void {
  if (variants.length < MAX_VARIANTS) variants.push(value)
  else {
    variants.copyWithin(0, 1)
    variants[MAX_VARIANTS - 1] = value
  }
}

/** The shared one-question list of (name, type, class). */
function questionList(name: string, type: number, klass: number): DnsQuestionFact[] {
  let lists = questionLists.get(name)
  if (lists !== undefined) {
    for (const list of lists) {
      const q = list[0]!
      if (q.type === type && (q.class ?? 1) === klass) return list
    }
  } else {
    if (questionLists.size >= MAX_CACHED) questionLists = new Map()
    questionLists.set(name, (lists = []))
  }
  name = intern(name)
  const q: DnsQuestionFact = klass !== 1 ? {name, type, typeName: typeName(type), class: klass} : {name, type, typeName: typeName(type)}
  const list = Object.freeze([Object.freeze(q)]) as unknown as DnsQuestionFact[]
  remember(lists, list)
  return list
}

function questionsFact(): DnsQuestionFact[] {
  const s = scan
  const count = s.questionCount
  if (count === 0) return NO_QUESTIONS
  if (count === 1) return questionList(s.questionName[0]!, s.questionType[0]!, s.questionClass[0]!)
  // Several questions (mDNS): a list of its own, of shared questions.
  const list: DnsQuestionFact[] = new Array(count)
  for (let i = 0; i < count; i++) list[i] = questionList(s.questionName[i]!, s.questionType[i]!, s.questionClass[i]!)[0]!
  return list
}

/** The shared record equal to the one described, made if not seen lately. */
function sharedRecord(section: DnsRecordFact['section'], name: string, type: number, klass: number, ttl: number, data: string | null): DnsRecordFact {
  let variants = recordsByName.get(name)
  if (variants !== undefined) {
    for (const r of variants) {
      if (r.ttl === ttl && r.type === type && r.data === data && r.section === section && (r.class ?? 1) === klass) return r
    }
  } else {
    if (recordsByName.size >= MAX_CACHED) recordsByName = new Map()
    recordsByName.set(name, (variants = []))
  }
  name = intern(name)
  const r: DnsRecordFact =
    klass !== 1 ? {section, name, type, typeName: typeName(type), ttl, data, class: klass} : {section, name, type, typeName: typeName(type), ttl, data}
  Object.freeze(r)
  remember(variants, r)
  return r
}

/** The first `kept` records of the scanned message (`msg`: its bytes, for the record data). */
function recordsFact(msg: Uint8Array, kept: number): DnsRecordFact[] {
  if (kept === 0) return NO_RECORDS
  const s = scan
  const list: DnsRecordFact[] = new Array(kept)
  let shared = true
  for (let i = 0; i < kept; i++) {
    const type = s.recordType[i]!
    const klass = s.recordClass[i]!
    const start = s.recordStart[i]!
    const length = s.recordLength[i]!
    const section = SECTIONS[s.recordSection[i]!]!
    const svcb = type === TYPE.SVCB || type === TYPE.HTTPS ? parseSvcb(msg, start, start + length) : null
    if (svcb) {
      // SVCB/HTTPS parameters: a record of its own (rare enough not to share).
      const name = intern(s.recordName[i]!)
      const ttl = s.recordTtl[i]!
      const data = intern(svcbText(svcb))
      list[i] = klass !== 1 ? {section, name, type, typeName: typeName(type), ttl, data, svcb, class: klass} : {section, name, type, typeName: typeName(type), ttl, data, svcb}
      shared = false
    } else {
      list[i] = sharedRecord(section, s.recordName[i]!, type, klass, s.recordTtl[i]!, recordData(msg, type, start, length))
    }
  }
  if (!shared) return list
  // A list of shared records: share the list too (the same answer, response after response).
  const name = list[0]!.name
  let lists = recordLists.get(name)
  if (lists !== undefined) {
    for (const other of lists) if (other.length === kept && sameRecords(other, list)) return other
  } else {
    if (recordLists.size >= MAX_CACHED) recordLists = new Map()
    recordLists.set(name, (lists = []))
  }
  Object.freeze(list)
  remember(lists, list)
  return list
}

function sameRecords(a: DnsRecordFact[], b: DnsRecordFact[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The fact of the message in `scan` (read from `msg`), keeping its first `kept` records. */
export function messageFact(msg: Uint8Array, evidence: Evidence, fromClient: boolean, kept: number): DnsMessageFact {
  const s = scan
  const w = s.flagsWord
  const rcode = w & 0xf
  return {
    evidence,
    fromClient,
    id: s.id,
    response: (w & 0x8000) !== 0,
    opcode: (w >> 11) & 0xf,
    rcode,
    rcodeName: rcodeName(rcode),
    flags: flagsOf(w),
    questions: questionsFact(),
    records: recordsFact(msg, kept),
    dropped: s.dropped + s.recordCount - kept,
    clientSubnet: internOrNull(s.clientSubnet),
    malformed: internOrNull(s.malformed),
  }
}
