import {EventEmitter} from 'node:events'
import {KeyObject, X509Certificate} from 'node:crypto'

/**
 * A deep copy of a protocol analyzer's state, so that the copy can be finished (which may consume
 * it) while the original goes on reading (ProtocolDispatcher.snapshot).
 *
 * structuredClone does not do: analyzer states are class instances (stream reassemblers, range
 * buffers, samplers) whose methods `finish` calls, and they hold functions (`evidenceOf`). So:
 *  - plain objects, arrays, Maps, Sets and class instances are copied with their prototype, own
 *    properties copied in turn (getters and setters kept as they are);
 *  - typed arrays are copied per underlying ArrayBuffer, so views that share memory in the
 *    original (a stream's buffer and a window onto it) still share it in the copy;
 *  - shared, never copied: functions, and native objects that finishing does not touch or that
 *    cannot be copied (ciphers and other streams, keys, certificates, text codecs, promises,
 *    weak collections, regular expressions);
 *  - an object met twice is copied once (aliases and cycles are kept), also across the states
 *    of one snapshot with `snapshotCopier`.
 */
export function copyState<T>(state: T): T {
  return copyValue(state, new Map()) as T
}

/**
 * A copier for all the states of one snapshot: an object several states reach (the flow's
 * description, the reused packet a state still points at, the read buffer behind it) is copied
 * once for all of them, not once per state.
 */
export function snapshotCopier(): <T>(state: T) => T {
  const seen = new Map<object, unknown>()
  return <T>(state: T) => copyValue(state, seen) as T
}

function isShared(value: object): boolean {
  return (
    value instanceof EventEmitter ||
    value instanceof KeyObject ||
    value instanceof X509Certificate ||
    value instanceof TextDecoder ||
    value instanceof TextEncoder ||
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof RegExp
  )
}

function copyValue(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value // primitives and functions
  const known = seen.get(value)
  if (known !== undefined) return known
  if (ArrayBuffer.isView(value)) return copyView(value, seen)
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    const copy = value.slice(0)
    seen.set(value, copy)
    return copy
  }
  if (isShared(value)) return value
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length)
    seen.set(value, copy)
    for (let i = 0; i < value.length; i++) if (i in value) copy[i] = copyValue(value[i], seen)
    return copy
  }
  if (value instanceof Map) {
    const copy = new Map()
    seen.set(value, copy)
    for (const [k, v] of value) copy.set(copyValue(k, seen), copyValue(v, seen))
    return copy
  }
  if (value instanceof Set) {
    const copy = new Set()
    seen.set(value, copy)
    for (const v of value) copy.add(copyValue(v, seen))
    return copy
  }
  if (value instanceof Date) {
    const copy = new Date(value.getTime())
    seen.set(value, copy)
    return copy
  }
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<PropertyKey, unknown>
  seen.set(value, copy)
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!
    if (!('value' in descriptor)) Object.defineProperty(copy, key, descriptor)
    else if (descriptor.writable && descriptor.enumerable && descriptor.configurable) copy[key] = copyValue(descriptor.value, seen)
    else Object.defineProperty(copy, key, {...descriptor, value: copyValue(descriptor.value, seen)})
  }
  return copy
}

function copyView(view: ArrayBufferView, seen: Map<object, unknown>): unknown {
  const buffer = copyValue(view.buffer, seen) as ArrayBuffer
  let copy: unknown
  if (Buffer.isBuffer(view)) copy = Buffer.from(buffer, view.byteOffset, view.length)
  else if (view instanceof DataView) copy = new DataView(buffer, view.byteOffset, view.byteLength)
  else {
    const Typed = view.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => ArrayBufferView
    copy = new Typed(buffer, view.byteOffset, (view as unknown as {length: number}).length)
  }
  seen.set(view, copy)
  return copy
}
