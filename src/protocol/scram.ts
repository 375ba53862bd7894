import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ProtocolError } from '../errors.js';

const pbkdf2Async = promisify(pbkdf2);

/** The only SASL mechanism picots speaks: Picodata (25.4.1+) offers SCRAM-SHA-256 without channel binding. */
export const SCRAM_MECHANISM = 'SCRAM-SHA-256';

/**
 * One SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) from the client's side.
 * The user name is sent as `*`: PostgreSQL and Picodata take it from the startup message.
 */
export class ScramSession {
  private readonly clientNonce = randomBytes(18).toString('base64');
  private readonly clientFirstBare = `n=*,r=${this.clientNonce}`;
  private expectedServerSignature: Buffer | undefined;

  constructor(private readonly password: string) {}

  /** The SASLInitialResponse payload. */
  clientFirstMessage(): string {
    return `n,,${this.clientFirstBare}`;
  }

  /** Answers the server-first message with the client-final message (which carries the proof). */
  async clientFinalMessage(serverFirst: string): Promise<string> {
    const attrs = parseAttributes(serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce || !nonce.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length) {
      throw new ProtocolError('SCRAM: the server nonce does not extend the client nonce');
    }
    if (!salt) throw new ProtocolError('SCRAM: the server sent no salt');
    if (!Number.isInteger(iterations) || iterations < 1) throw new ProtocolError('SCRAM: bad iteration count');

    // NFKC is the practical core of SASLprep for the passwords people use.
    const salted = await pbkdf2Async(this.password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const finalWithoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${finalWithoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${finalWithoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final message: proves the server knew the password too. */
  verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal);
    const error = attrs.get('e');
    if (error) throw new ProtocolError(`SCRAM: the server reported '${error}'`);
    const v = attrs.get('v');
    const expected = this.expectedServerSignature;
    if (!v || !expected) throw new ProtocolError('SCRAM: the server sent no signature');
    const got = Buffer.from(v, 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new ProtocolError('SCRAM: the server signature does not match');
    }
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) attrs.set(part[0]!, part.slice(2));
  }
  return attrs;
}
