/**
 * The few fields of extended-protocol messages the gateway needs: which statement and portal a message
 * names, and the row limit of an Execute. Each reads a message body (the bytes after type and length).
 */

/** The NUL-terminated string at `start`, and where the next field begins. */
function cString(body: Buffer, start: number): { readonly value: string; readonly next: number } {
  const end = body.indexOf(0, start);
  const stop = end < 0 ? body.length : end;
  return { value: body.toString('utf8', start, stop), next: stop + 1 };
}

/** The statement name of a Parse. */
export function parseName(body: Buffer): string {
  return cString(body, 0).value;
}

/** The portal and statement names of a Bind. */
export function bindNames(body: Buffer): { readonly portal: string; readonly statement: string } {
  const portal = cString(body, 0);
  return { portal: portal.value, statement: cString(body, portal.next).value };
}

/** What a Describe or Close is about: `S` a statement, `P` a portal, and its name. */
export function target(body: Buffer): { readonly kind: 'S' | 'P'; readonly name: string } {
  return { kind: body[0] === 0x50 ? 'P' : 'S', name: cString(body, 1).value };
}

/** The portal and row limit of an Execute (0: no limit). */
export function executeFields(body: Buffer): { readonly portal: string; readonly maxRows: number } {
  const portal = cString(body, 0);
  return { portal: portal.value, maxRows: portal.next + 4 <= body.length ? body.readInt32BE(portal.next) : 0 };
}
