/**
 * Public types of result decoding and parameter encoding. The decoder and encoder functions themselves are
 * internal to the connection layer and imported from their own files.
 */
export { OID, type OidName } from './oids.js';
export { DEFAULT_INT8_MODE, type Int8Mode } from './int8-mode.js';
export type { RowMode, ObjectRow, ArrayRow, FieldDescription } from './row-decoder.js';
