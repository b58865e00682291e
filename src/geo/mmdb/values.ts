/**
 * Values the MMDB writer can store. Plain JS values map to the obvious MaxMind DB type
 * (string → utf8_string, boolean → boolean, non-negative safe integer ≤ 2^32-1 → uint32,
 * negative 32-bit integer → int32, other numbers → double, bigint → uint64/uint128,
 * Uint8Array → bytes, arrays and objects → array and map). `typed()` forces a specific type,
 * e.g. uint16 for metadata fields the spec defines as uint16.
 */
export type MmdbScalarType = 'uint16' | 'uint32' | 'int32' | 'uint64' | 'uint128' | 'double' | 'float'

export interface MmdbTyped {
  readonly mmdbType: MmdbScalarType
  readonly value: number | bigint
}

export type MmdbValue = string | number | bigint | boolean | Uint8Array | MmdbTyped | MmdbValue[] | MmdbMap

export interface MmdbMap {
  [key: string]: MmdbValue
}

export function typed(mmdbType: MmdbScalarType, value: number | bigint): MmdbTyped {
  return {mmdbType, value}
}

export function isTyped(value: unknown): value is MmdbTyped {
  return typeof value === 'object' && value !== null && 'mmdbType' in value && 'value' in value && Object.keys(value).length === 2
}
