/** A SQL string literal. Safe with `standard_conforming_strings = on`, PostgreSQL's default since 9.1. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new RangeError('a SQL literal cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new RangeError('a SQL identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}
