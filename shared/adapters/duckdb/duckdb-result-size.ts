import {
  DuckDBArrayVector,
  DuckDBBigNumVector,
  DuckDBBitVector,
  DuckDBBlobVector,
  DuckDBGeometryVector,
  DuckDBListVector,
  DuckDBMapVector,
  DuckDBStructVector,
  DuckDBUnionVector,
  DuckDBVarCharVector,
  DuckDBVariantVector,
  type DuckDBVector,
} from '@duckdb/node-api';

/*
 * A row's size is measured from DuckDB's vectors before any JS value is built for it, so a
 * 300 MB cell is refused without ever becoming a 300 MB string. Strings and blobs are DuckDB
 * string_t entries (16 bytes each: a uint32 length first); @duckdb/node-api keeps their
 * DataView and validity private, so they are read through the narrow views below, checked
 * against the classes they belong to. Everything else is a fixed-size value.
 */
interface StringVectorInternals {
  dataView: DataView;
  validity: { itemValid(index: number): boolean };
}
interface StructInternals {
  entryVectors: readonly DuckDBVector[];
  validity: { itemValid(index: number): boolean };
}
interface ArrayInternals {
  childData: DuckDBVector;
  validity: { itemValid(index: number): boolean };
}

// JSON needs room for quotes, commas and keys; a fixed-size value is at most ~40 characters of JSON.
const FIXED_BYTES = 40;
const PER_ITEM = 4;

/**
 * The approximate JSON size in bytes of item `index` of `vector`, stopping as soon as it passes
 * `budget` (then any number above `budget` is returned). Never materialises a string or blob.
 *
 * @example
 * if (cellBytes(chunk.getColumnVector(0), 0, 262_144) > 262_144) throw tooLarge();
 */
export function cellBytes(vector: DuckDBVector, index: number, budget: number): number {
  if (
    vector instanceof DuckDBVarCharVector ||
    vector instanceof DuckDBBlobVector ||
    vector instanceof DuckDBBitVector ||
    vector instanceof DuckDBBigNumVector ||
    vector instanceof DuckDBGeometryVector
  ) {
    const inner = vector as unknown as StringVectorInternals;
    if (!inner.validity.itemValid(index)) return PER_ITEM;
    const length = inner.dataView.getUint32(index * 16, true);
    // Blobs come back as base64 (4/3); a BIT string is one character per bit.
    if (vector instanceof DuckDBBlobVector) return Math.ceil(length / 3) * 4 + PER_ITEM;
    if (vector instanceof DuckDBBitVector) return length * 8 + PER_ITEM;
    return length + PER_ITEM;
  }
  if (vector instanceof DuckDBListVector) {
    if (vector.getItemVector(index) === null) return PER_ITEM;
    const offset = vector.getEntryOffset(index);
    const count = vector.getEntryLength(index);
    let total = PER_ITEM;
    for (let k = 0; k < count && total <= budget; k++) total += cellBytes(vector.childVector, offset + k, budget - total) + 1;
    return total;
  }
  if (vector instanceof DuckDBArrayVector) {
    const inner = vector as unknown as ArrayInternals;
    if (!inner.validity.itemValid(index)) return PER_ITEM;
    const size = vector.type.length;
    let total = PER_ITEM;
    for (let k = 0; k < size && total <= budget; k++) total += cellBytes(inner.childData, index * size + k, budget - total) + 1;
    return total;
  }
  if (vector instanceof DuckDBStructVector) {
    const inner = vector as unknown as StructInternals;
    if (!inner.validity.itemValid(index)) return PER_ITEM;
    const names = vector.type.entryNames;
    let total = PER_ITEM;
    inner.entryVectors.forEach((entry, k) => {
      if (total <= budget) total += cellBytes(entry, index, budget - total) + (names[k]?.length ?? 0) + PER_ITEM;
    });
    return total;
  }
  if (vector instanceof DuckDBMapVector || vector instanceof DuckDBUnionVector || vector instanceof DuckDBVariantVector) {
    // Each wraps one inner vector (a list of key/value structs, a struct of members).
    const inner = Object.values(vector as unknown as Record<string, unknown>).find(
      (v): v is DuckDBVector => v instanceof DuckDBListVector || v instanceof DuckDBStructVector,
    );
    return inner === undefined ? Number.MAX_SAFE_INTEGER : cellBytes(inner, index, budget);
  }
  return FIXED_BYTES;
}

/**
 * The approximate JSON size of row `index` across `vectors`, stopping once past `budget`.
 *
 * @example
 * rowBytes(columns, 0, 262_144);
 */
export function rowBytes(vectors: readonly DuckDBVector[], index: number, budget: number): number {
  let total = 2;
  for (const v of vectors) {
    if (total > budget) break;
    total += cellBytes(v, index, budget - total) + 1;
  }
  return total;
}
