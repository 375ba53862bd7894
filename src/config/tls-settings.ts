/**
 * libpq's sslmode values. `prefer` (the default) uses TLS when the server offers it, without verifying the
 * certificate; `require` insists on TLS; `verify-ca` also checks the chain; `verify-full` also the host name.
 */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** TLS settings for one connection. PEM contents, not file names (the DSN layer reads the files). */
export interface TlsSettings {
  mode: SslMode;
  /** Trusted CA certificates (PEM). Without it, Node's default CA store is used. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (PEM), for servers with mutual TLS (Picodata turns it on with `ca.crt` in the instance dir). */
  cert?: string | Buffer;
  /** Client private key (PEM). */
  key?: string | Buffer;
  passphrase?: string;
}
