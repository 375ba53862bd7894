/**
 * PostgreSQL type OIDs that picots recognises in RowDescription.
 *
 * Picodata itself sends only a few of them (int8, float8, numeric, text, bool, uuid, timestamptz, json and,
 * on 26.2.1+, typed arrays); the rest appear when the server is a real PostgreSQL, as in tests.
 *
 * @example
 * ```ts
 * if (field.dataTypeID === OID.INT8) { ... }
 * ```
 */
export const OID = Object.freeze({
  /** `bool` (Picodata boolean): arrives as `boolean`. */
  BOOL: 16,
  /** `name` (PostgreSQL only): arrives as `string`. */
  NAME: 19,
  /** `int8`: every Picodata integer and unsigned column; arrives per the `int8` option (`number` by default). */
  INT8: 20,
  /** `int2` (PostgreSQL only): arrives as `number`. */
  INT2: 21,
  /** `int4` (PostgreSQL only): arrives as `number`. */
  INT4: 23,
  /** `text` (Picodata string/text): arrives as `string`. */
  TEXT: 25,
  /** `oid` (PostgreSQL only): arrives as `number`. */
  OID: 26,
  /** `json` (Picodata map, any and untyped arrays): arrives parsed with `JSON.parse`. */
  JSON: 114,
  /** `float4` (PostgreSQL only): arrives as `number`. */
  FLOAT4: 700,
  /** `float8` (Picodata double): arrives as `number`. */
  FLOAT8: 701,
  /** `bpchar` (PostgreSQL only): arrives as `string`. */
  BPCHAR: 1042,
  /** `varchar`: arrives as `string`. */
  VARCHAR: 1043,
  /** `date` (PostgreSQL only): arrives as the `string` `YYYY-MM-DD`. */
  DATE: 1082,
  /** `timestamp` (PostgreSQL only): arrives as a `Date`, read as UTC. */
  TIMESTAMP: 1114,
  /** `timestamptz` (Picodata datetime): arrives as a `Date`. */
  TIMESTAMPTZ: 1184,
  /** `numeric` (Picodata decimal): arrives as the exact `string`. */
  NUMERIC: 1700,
  /** `uuid`: arrives as `string`. */
  UUID: 2950,
  /** `jsonb` (PostgreSQL only): arrives parsed with `JSON.parse`. */
  JSONB: 3802,

  /** `json[]`: a JS array of what `JSON` gives, `null` for NULL elements. */
  JSON_ARRAY: 199,
  /** `bool[]`: a JS array of what `BOOL` gives, `null` for NULL elements. */
  BOOL_ARRAY: 1000,
  /** `name[]`: a JS array of what `NAME` gives, `null` for NULL elements. */
  NAME_ARRAY: 1003,
  /** `int2[]`: a JS array of what `INT2` gives, `null` for NULL elements. */
  INT2_ARRAY: 1005,
  /** `int4[]`: a JS array of what `INT4` gives, `null` for NULL elements. */
  INT4_ARRAY: 1007,
  /** `text[]`: a JS array of what `TEXT` gives, `null` for NULL elements. */
  TEXT_ARRAY: 1009,
  /** `bpchar[]`: a JS array of what `BPCHAR` gives, `null` for NULL elements. */
  BPCHAR_ARRAY: 1014,
  /** `varchar[]`: a JS array of what `VARCHAR` gives, `null` for NULL elements. */
  VARCHAR_ARRAY: 1015,
  /** `int8[]`: a JS array of what `INT8` gives, `null` for NULL elements. */
  INT8_ARRAY: 1016,
  /** `float4[]`: a JS array of what `FLOAT4` gives, `null` for NULL elements. */
  FLOAT4_ARRAY: 1021,
  /** `float8[]`: a JS array of what `FLOAT8` gives, `null` for NULL elements. */
  FLOAT8_ARRAY: 1022,
  /** `oid[]`: a JS array of what `OID` gives, `null` for NULL elements. */
  OID_ARRAY: 1028,
  /** `timestamp[]`: a JS array of what `TIMESTAMP` gives, `null` for NULL elements. */
  TIMESTAMP_ARRAY: 1115,
  /** `date[]`: a JS array of what `DATE` gives, `null` for NULL elements. */
  DATE_ARRAY: 1182,
  /** `timestamptz[]`: a JS array of what `TIMESTAMPTZ` gives, `null` for NULL elements. */
  TIMESTAMPTZ_ARRAY: 1185,
  /** `numeric[]`: a JS array of what `NUMERIC` gives, `null` for NULL elements. */
  NUMERIC_ARRAY: 1231,
  /** `uuid[]`: a JS array of what `UUID` gives, `null` for NULL elements. */
  UUID_ARRAY: 2951,
  /** `jsonb[]`: a JS array of what `JSONB` gives, `null` for NULL elements. */
  JSONB_ARRAY: 3807,
} as const);

/** The name of one of the {@link OID} constants, e.g. `'INT8'`. */
export type OidName = keyof typeof OID;
