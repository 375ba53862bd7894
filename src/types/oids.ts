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
  BOOL: 16,
  NAME: 19,
  INT8: 20,
  INT2: 21,
  INT4: 23,
  TEXT: 25,
  OID: 26,
  JSON: 114,
  FLOAT4: 700,
  FLOAT8: 701,
  BPCHAR: 1042,
  VARCHAR: 1043,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  NUMERIC: 1700,
  UUID: 2950,
  JSONB: 3802,

  JSON_ARRAY: 199,
  BOOL_ARRAY: 1000,
  NAME_ARRAY: 1003,
  INT2_ARRAY: 1005,
  INT4_ARRAY: 1007,
  TEXT_ARRAY: 1009,
  BPCHAR_ARRAY: 1014,
  VARCHAR_ARRAY: 1015,
  INT8_ARRAY: 1016,
  FLOAT4_ARRAY: 1021,
  FLOAT8_ARRAY: 1022,
  OID_ARRAY: 1028,
  TIMESTAMP_ARRAY: 1115,
  DATE_ARRAY: 1182,
  TIMESTAMPTZ_ARRAY: 1185,
  NUMERIC_ARRAY: 1231,
  UUID_ARRAY: 2951,
  JSONB_ARRAY: 3807,
} as const);

/** The name of one of the {@link OID} constants, e.g. `'INT8'`. */
export type OidName = keyof typeof OID;
