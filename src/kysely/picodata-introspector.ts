import { sql, type DatabaseIntrospector, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE } from 'kysely/migration';
import { ProtocolError } from '../errors.js';

/** One field of `_pico_table.format`, as Picodata stores it. */
interface PicoField {
  name: string;
  field_type: string;
  is_nullable: boolean;
}

/** Picodata's own tables (`_pico_table`, `_pico_instance`, ...): not the application's. */
const SYSTEM_TABLE = /^_pico_/;
/** The sharding column Picodata adds to every sharded table; `SELECT *` does not return it. */
const BUCKET_ID = 'bucket_id';

/**
 * Kysely's introspection (`db.introspection`, which Kysely's Migrator uses to see whether its tables exist)
 * read from Picodata's `_pico_table` instead of `pg_catalog`, which Picodata does not have. Picodata has no
 * schemas: every table is listed without one, and `getSchemas()` is empty.
 *
 * Reading `_pico_table` needs a grant (`GRANT READ ON TABLE _pico_table TO app`): without it, introspection
 * and migrations fail with Picodata's access-denied error.
 */
export class PicodataIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<any>;

  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  /** Empty: Picodata has no schemas. */
  async getSchemas(): Promise<SchemaMetadata[]> {
    return [];
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; format: unknown }>`SELECT "name", "format" FROM "_pico_table"`.execute(this.#db);
    return rows
      .filter((r) => !SYSTEM_TABLE.test(r.name))
      .filter((r) => options.withInternalKyselyTables || (r.name !== DEFAULT_MIGRATION_TABLE && r.name !== DEFAULT_MIGRATION_LOCK_TABLE))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => ({
        name: r.name,
        isView: false,
        isForeign: false,
        columns: fields(r.name, r.format)
          .filter((f) => f.name !== BUCKET_ID)
          .map((f) => ({ name: f.name, dataType: f.field_type, isNullable: f.is_nullable, isAutoIncrementing: false, hasDefaultValue: false })),
      }));
  }
}

/** `_pico_table.format`: json (already parsed by picots) or its text. */
function fields(table: string, format: unknown): PicoField[] {
  const value: unknown = typeof format === 'string' ? JSON.parse(format) : format;
  if (!Array.isArray(value) || !value.every(isField)) {
    throw new ProtocolError(`_pico_table.format of ${table} is not a list of { name, field_type, is_nullable }`);
  }
  return value;
}

function isField(v: unknown): v is PicoField {
  if (v === null || typeof v !== 'object') return false;
  const f = v as Record<string, unknown>;
  return typeof f.name === 'string' && typeof f.field_type === 'string' && typeof f.is_nullable === 'boolean';
}
