import net from 'node:net';
import tls from 'node:tls';
import { serialize } from 'pg-protocol';
import { ConnectionError, ProtocolError } from '../errors.js';
import type { TlsSettings } from '../config/tls-settings.js';

/** A socket that is connected and, where TLS was negotiated, encrypted: ready for the StartupMessage. */
export type WireSocket = net.Socket | tls.TLSSocket;

export interface SocketTarget {
  host: string;
  port: number;
  keepAlive: boolean;
  keepAliveInitialDelay: number;
}

/**
 * What a plain TCP socket reads into when TLS is off: one buffer for every connection of the process.
 * Node would otherwise allocate a fresh 64 KiB buffer for each read and shrink it, which costs more per
 * read than the protocol work on a small reply. Sharing is safe because a chunk is consumed synchronously
 * (`MessageFramer` copies a message split across reads), and reads on the event loop never overlap.
 */
let sharedReadBuffer: Buffer | undefined;
const READ_BUFFER_SIZE = 64 * 1024;

/**
 * Opens TCP and negotiates TLS through SSLRequest (Picodata supports neither direct TLS nor GSSENCRequest).
 * `signal` carries the connect deadline: when it fires the socket is destroyed and the promise rejects.
 * Everything the server sends after that goes to `onData`, in order; a chunk is valid only during the call.
 * `onTls` is told when TCP is up and the SSLRequest goes out (for the `picots:connect` phase).
 */
export async function openSocket(
  target: SocketTarget, tlsSettings: TlsSettings, signal: AbortSignal, onData: (chunk: Buffer) => void, onTls?: () => void,
): Promise<WireSocket> {
  const address = `${target.host}:${target.port}`;
  const plain = tlsSettings.mode === 'disable';
  const tcp = net.connect({
    host: target.host,
    port: target.port,
    noDelay: true,
    keepAlive: target.keepAlive,
    keepAliveInitialDelay: target.keepAliveInitialDelay,
    // TLS reads through its own layer, and the SSLRequest answer is read as a stream event, so only a
    // socket that stays plain from the start reads into the shared buffer.
    onread: plain ? readInto(onData) : undefined,
  });
  try {
    await step(tcp, 'connect', signal, address);
    if (plain) return tcp;
    onTls?.();

    tcp.write(serialize.requestSsl());
    const answer = await firstChunk(tcp, signal, address);
    // Anything after the single answer byte was not encrypted by the server: refuse it (CVE-2021-23222).
    if (answer.length !== 1) throw new ProtocolError(`unexpected ${answer.length}-byte answer to SSLRequest from ${address}`);
    if (answer[0] === 0x4e /* N */) {
      if (tlsSettings.mode === 'prefer') return streamTo(tcp, onData);
      throw new ConnectionError(
        `sslmode=${tlsSettings.mode} requires TLS, but the server does not offer it (it answered N to SSLRequest)`,
        { phase: 'connect', mayHaveReachedServer: false, instance: address },
      );
    }
    if (answer[0] !== 0x53 /* S */) throw new ProtocolError(`unexpected answer 0x${answer[0]!.toString(16)} to SSLRequest from ${address}`);

    const secure = tls.connect({
      socket: tcp,
      servername: net.isIP(target.host) === 0 ? target.host : undefined,
      ca: tlsSettings.ca,
      cert: tlsSettings.cert,
      key: tlsSettings.key,
      passphrase: tlsSettings.passphrase,
      rejectUnauthorized: tlsSettings.mode === 'verify-ca' || tlsSettings.mode === 'verify-full',
      checkServerIdentity: tlsSettings.mode === 'verify-full' ? tls.checkServerIdentity : () => undefined,
    });
    await step(secure, 'secureConnect', signal, address);
    return streamTo(secure, onData);
  } catch (error) {
    tcp.destroy();
    throw error;
  }
}

function readInto(onData: (chunk: Buffer) => void): net.OnReadOpts {
  const buffer = (sharedReadBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE));
  return {
    buffer,
    callback: (n) => {
      onData(buffer.subarray(0, n));
      return true;
    },
  };
}

function streamTo<S extends WireSocket>(socket: S, onData: (chunk: Buffer) => void): S {
  socket.on('data', onData);
  return socket;
}

/** Waits for one event, failing on 'error', 'close' or the signal; leaves no listener behind. */
function step(socket: net.Socket, event: string, signal: AbortSignal, address: string): Promise<void> {
  return waitFor(socket, signal, address, (done) => {
    socket.once(event, done);
    return () => socket.off(event, done);
  }).then(() => undefined);
}

function firstChunk(socket: net.Socket, signal: AbortSignal, address: string): Promise<Buffer> {
  return waitFor<Buffer>(socket, signal, address, (done) => {
    socket.once('data', done);
    return () => socket.off('data', done);
  });
}

function waitFor<T>(
  socket: net.Socket,
  signal: AbortSignal,
  address: string,
  listen: (done: (value: T) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      unlisten();
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const unlisten = listen((value) => {
      cleanup();
      resolve(value);
    });
    const onError = (cause: Error): void => {
      cleanup();
      reject(new ConnectionError(`cannot connect: ${cause.message}`, { phase: 'connect', mayHaveReachedServer: false, instance: address, cause }));
    };
    const onClose = (): void => {
      cleanup();
      reject(new ConnectionError('the server closed the connection during connect', { phase: 'connect', mayHaveReachedServer: false, instance: address }));
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    socket.once('error', onError);
    socket.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
