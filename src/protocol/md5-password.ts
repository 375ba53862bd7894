import { createHash } from 'node:crypto';

/** The answer to AuthenticationMD5Password: `'md5' + md5(md5(password + user) + salt)`. */
export function md5PasswordMessage(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user, 'utf8').digest('hex');
  const outer = createHash('md5').update(inner, 'utf8').update(salt).digest('hex');
  return `md5${outer}`;
}
