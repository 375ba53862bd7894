/**
 * Picodata has one integer type: every integer result column is int8 (FACTS.md, "Result OIDs"), while
 * PostgreSQL describes `SELECT 1` as int4 and a smallint column as int2. The gateway rewrites the types in
 * each RowDescription. Values need no change in text format (the digits are the same); in binary format
 * they would keep their 2 or 4 bytes under an int8 description, so the stand-in supports integer results
 * in text format only (see the README's table).
 */

const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
// After a field's name: table OID (4), column number (2), type OID (4), type size (2), modifier (4), format (2).
const TYPE_OFFSET = 6;
const SIZE_OFFSET = 10;
const FIELD_TAIL = 18;

/**
 * Rewrites, in place, the int2 and int4 fields of a RowDescription body (the bytes after the type and
 * length) to int8 with size 8. Stops quietly at a malformed body: the client will see what PostgreSQL sent.
 */
export function widenIntegerColumns(body: Buffer): void {
  if (body.length < 2) return;
  const count = body.readInt16BE(0);
  let pos = 2;
  for (let i = 0; i < count; i += 1) {
    const nameEnd = body.indexOf(0, pos);
    if (nameEnd < 0 || nameEnd + 1 + FIELD_TAIL > body.length) return;
    const field = nameEnd + 1;
    const type = body.readUInt32BE(field + TYPE_OFFSET);
    if (type === INT2 || type === INT4) {
      body.writeUInt32BE(INT8, field + TYPE_OFFSET);
      body.writeInt16BE(8, field + SIZE_OFFSET);
    }
    pos = field + FIELD_TAIL;
  }
}
