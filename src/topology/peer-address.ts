/**
 * Addresses as `_pico_peer_address.address` holds them: `host:port`, as Picodata's `src/address.rs` writes
 * them. Picodata itself refuses a host with a `:` in it, so an IPv6 address can only appear bracketed
 * (`[::1]:4327`), and then only if a future release allows it; both forms are read here.
 *
 * @example
 * ```ts
 * parsePeerAddress('10.0.0.5:4327') // { host: '10.0.0.5', port: 4327 }
 * parsePeerAddress('[::1]:4327')    // { host: '::1', port: 4327 } (no brackets, as net.connect wants it)
 * parsePeerAddress('::1:4327')      // undefined: ambiguous without brackets
 * ```
 */

/** A parsed address. An IPv6 host is given without brackets. */
export interface PeerAddress {
  /** A host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** The TCP port. */
  readonly port: number;
}

/** `[v6]:port` or `host:port`; the host part may not contain `:` or whitespace. */
const BRACKETED = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]:(\d{1,5})$/;
const PLAIN = /^([^\s:[\]]+):(\d{1,5})$/;

/**
 * Parses `host:port`; `undefined` for anything else (no port, a port out of range, an unbracketed IPv6
 * address, whitespace).
 *
 * @example parsePeerAddress('db-1.example:4327') // { host: 'db-1.example', port: 4327 }
 */
export function parsePeerAddress(text: string): PeerAddress | undefined {
  const m = BRACKETED.exec(text) ?? PLAIN.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

/**
 * `true` for a wildcard listen address (`0.0.0.0`, `::` and its long forms): an instance that advertises
 * one can only be reached by guessing its host, and dialling `0.0.0.0` on Linux silently reaches the
 * *local* machine, so such an address must never be used as is.
 *
 * @example isUnspecifiedHost('0.0.0.0') // true
 */
export function isUnspecifiedHost(host: string): boolean {
  if (host === '0.0.0.0') return true;
  // Every IPv6 spelling of "all zeros": only 0s, colons and at most one `::`.
  return host.includes(':') && /^[0:]+$/.test(host);
}

/**
 * Formats an address back to `host:port`, bracketing an IPv6 host.
 *
 * @example formatPeerAddress({ host: '::1', port: 4327 }) // '[::1]:4327'
 */
export function formatPeerAddress(address: PeerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
