import type { Connection } from '../protocol/connection.js';
import type { PoolResourceInfo } from '../resource-pool/entry.js';
import { collectHandles } from './connection-handle.js';
import type { Member } from './member.js';
import type { RouterIo } from './router.js';

const sharedRoom = (room: number) => (i: PoolResourceInfo<Connection>): boolean => !i.retiring && !i.exclusive && i.leases < room;
const idle = (i: PoolResourceInfo<Connection>): boolean => !i.retiring && i.leases === 0;

/** The router's I/O on real members: each member's connections for the session's `options` string. */
export const memberIo: RouterIo<Member> = {
  query: (member, session, sql, params, options) => member.poolFor(session).query(sql, params, options),
  acquire: (member, session, options) => member.poolFor(session).acquire(options),
  handles(member, session, shared) {
    const pool = member.poolFor(session);
    const into: ReturnType<RouterIo<Member>['handles']> extends readonly (infer H)[] ? H[] : never = [];
    collectHandles(member, pool, shared ? sharedRoom(pool.pipelining) : idle, into);
    return into;
  },
  queryOn: (_member, _session, handle, sql, params, options) => handle.run(sql, params, options),
  acquireOn: (_member, _session, handle) => handle.tryAcquire(),
};
