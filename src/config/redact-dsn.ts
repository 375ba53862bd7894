/**
 * Hides passwords in text that may contain connection strings, for every message and log line that shows one.
 *
 * It works on malformed input too, so it does not parse: in each `scheme://...` run of non-space characters
 * the password is everything between the first `:` and the **last** `@`. An unencoded `@`, `/` or `?` in a
 * password therefore stays hidden; when in doubt, more is hidden, never less. `password=` and
 * `sslpassword=` (query parameters or keyword/value form, quoted or not) are hidden as well.
 * A URI ends at whitespace; `parseDsn` refuses a DSN with whitespace without showing it.
 *
 * @example
 * redactDsn('postgresql://admin:T0p@secret@h1:4327,[::1]:4328/db')
 * // 'postgresql://admin:***@h1:4327,[::1]:4328/db'
 * redactDsn("host=h user=u password='a b'") // "host=h user=u password=***"
 */
export function redactDsn(text: string): string {
  return text.replace(URI, (_, scheme: string, rest: string) => scheme + redactUserinfo(rest)).replace(PARAM, '$1$2$3***');
}

const URI = /([a-z][a-z0-9+.-]*:\/\/)(\S*)/gi;
const PARAM = /(^|[?&\s])((?:ssl)?password)(\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^&\s]*)/gi;

function redactUserinfo(rest: string): string {
  const at = rest.lastIndexOf('@');
  if (at < 0) return rest;
  const colon = rest.indexOf(':');
  if (colon < 0 || colon > at) return rest;
  return `${rest.slice(0, colon + 1)}***${rest.slice(at)}`;
}
