import { PicotsError } from '../errors.js';

/**
 * The command line itself is wrong (unknown option, missing argument, a DSN that is not a URI): `picots`
 * exits with 2 and shows the command's usage. Messages never contain a password.
 */
export class UsageError extends PicotsError {
  constructor(message: string) {
    super('ERR_PICOTS_USAGE', message);
  }
}
