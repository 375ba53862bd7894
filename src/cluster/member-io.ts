import type { Member } from './member.js';
import type { RouterIo } from './router.js';

/** The router's I/O on real members: each member's connections for the session's `options` string. */
export const memberIo: RouterIo<Member> = {
  query: (member, session, sql, params, options) => member.connectionsFor(session).queryPrechecked(sql, params, options),
  start: (member, session, sql, params, options, sink) => member.connectionsFor(session).startPrechecked(sql, params, options, sink),
  acquire: (member, session, options) => member.connectionsFor(session).acquire(options),
  handles: (member, session, shared) => member.connectionsFor(session).handles(shared),
  queryOn: (member, session, handle, sql, params, options) => member.connectionsFor(session).runOnPrechecked(handle, sql, params, options),
  acquireOn: (member, session, handle) => member.connectionsFor(session).acquireOn(handle),
};
