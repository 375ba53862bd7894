/**
 * libpq's sslmode values. `prefer` (the default) uses TLS when the server offers it, without verifying the
 * certificate; `require` insists on TLS; `verify-ca` also checks the chain; `verify-full` also the host name.
 */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** TLS settings for one connection. PEM contents, not file names (the DSN layer reads the files). */
export interface TlsSettings {
  /**
   * `disable` (plain TCP), `prefer` (TLS when the server offers it), `require` (TLS, certificate not
   * checked), `verify-ca` (certificate checked against `ca`), `verify-full` (and the host name too).
   */
  mode: SslMode;
  /** Trusted CA certificates (PEM). Without it, Node's default CA store is used. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (PEM), for servers with mutual TLS (Picodata turns it on with `ca.crt` in the instance dir). */
  cert?: string | Buffer;
  /** Client private key (PEM). */
  key?: string | Buffer;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
}
