import { redactDsn } from '../config/redact-dsn.js';
import { ConnectionError, PicotsError, ServerError } from '../errors.js';

/** An error as `--json` prints it: `{"error": ErrorFields}`. */
export interface ErrorFields {
  /** picots' stable code (`ERR_PICOTS_USAGE`, `ERR_PICOTS_CONNECTION`, …), or the SQLSTATE of a server error. */
  code: string;
  message: string;
  /** Set for an error the server sent. Picodata reports most SQL errors as `XX000`. */
  sqlstate?: string;
  /** `host:port` of the instance the error came from, when known. */
  instance?: string;
  /** For a lost connection: whether the statement may have run. */
  mayHaveReachedServer?: boolean;
}

/** The code, message and details of any thrown value, with every password hidden. */
export function errorFields(error: unknown): ErrorFields {
  const fields: ErrorFields = { code: 'ERR_PICOTS_INTERNAL', message: errorText(error) };
  if (error instanceof PicotsError) fields.code = error.code;
  if (error instanceof ServerError) {
    fields.sqlstate = error.code;
    if (error.instance !== undefined) fields.instance = error.instance;
  }
  if (error instanceof ConnectionError) {
    if (error.instance !== undefined) fields.instance = error.instance;
    fields.mayHaveReachedServer = error.mayHaveReachedServer;
  }
  return fields;
}

/** The message of any thrown value, with every password hidden (a server may echo a DSN back). */
export function errorText(error: unknown): string {
  return redactDsn(error instanceof Error ? error.message : String(error));
}
