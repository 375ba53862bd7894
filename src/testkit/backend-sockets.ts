import { readFile, readdir, readlink } from 'node:fs/promises';
import { StandInError } from './stand-in-error.js';

/**
 * Finds the local address (`host:port`) of each backend's client socket, i.e. which listen address
 * the session came in on. PostgreSQL 15 shows only the client's side in `pg_stat_activity`, and the
 * client side cannot tell: a connection to 127.0.0.2 comes from 127.0.0.1. The kernel knows, so this
 * reads Linux's /proc: a backend's file descriptors name socket inodes, `/proc/net/tcp` gives each
 * inode's local address.
 *
 * Reading another process's descriptors needs the same OS user or root, which the kit always is.
 * Backends whose socket is not found (already gone, or on another port) are left out.
 */
export async function backendServerAddresses(pids: readonly number[], port: number): Promise<Map<number, string>> {
  const localByInode = await tcpLocalAddresses(port);
  const result = new Map<number, string>();
  for (const pid of pids) {
    for (const inode of await socketInodes(pid)) {
      const address = localByInode.get(inode);
      if (address) {
        result.set(pid, address);
        break;
      }
    }
  }
  return result;
}

async function tcpLocalAddresses(port: number): Promise<Map<string, string>> {
  let table: string;
  try {
    table = await readFile('/proc/net/tcp', 'utf8');
  } catch (error) {
    throw new StandInError('finding which address a session came in on needs Linux (/proc/net/tcp)', { cause: error });
  }
  const byInode = new Map<string, string>();
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const inode = fields[9];
    if (!local || !inode || inode === '0') continue;
    const [hexHost, hexPort] = local.split(':');
    if (!hexHost || !hexPort || Number.parseInt(hexPort, 16) !== port) continue;
    byInode.set(inode, `${ipv4FromProc(hexHost)}:${port}`);
  }
  return byInode;
}

/** /proc prints the address as the in-memory 32-bit word, so on little-endian hosts the bytes read backwards. */
function ipv4FromProc(hex: string): string {
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return (isLittleEndian() ? bytes.reverse() : bytes).join('.');
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

async function socketInodes(pid: number): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  let fds: string[];
  try {
    fds = await readdir(dir);
  } catch {
    return []; // the backend is gone already
  }
  const inodes: string[] = [];
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(await readlink(`${dir}/${fd}`));
      if (match?.[1]) inodes.push(match[1]);
    } catch {
      // closed between readdir and readlink
    }
  }
  return inodes;
}
