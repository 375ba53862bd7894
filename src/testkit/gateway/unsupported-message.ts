import type { FrontendMessage } from './frontend-reader.js';

/**
 * How Picodata names a message it decodes but does not handle, in its 0A000 answer ("feature is not
 * supported: ..."): the debug form of the decoded message (Rust's `{:?}` of pgwire's types). `undefined`
 * for a type pgwire cannot decode at all (FunctionCall and anything unknown), which Picodata answers
 * with an IO error before closing the connection.
 */
export function unsupportedMessageName(message: Pick<FrontendMessage, 'type' | 'body'>): string | undefined {
  switch (message.type) {
    case 'd': return `CopyData(CopyData { data: ${bytesDebug(message.body)} })`;
    case 'c': return 'CopyDone(CopyDone)';
    case 'f': return `CopyFail(CopyFail { message: ${JSON.stringify(message.body.toString('utf8', 0, Math.max(0, message.body.length - 1)))} })`;
    case 'p': return 'PasswordMessageFamily(Raw(..))';
    default: return undefined;
  }
}

/** A byte string as Rust's `bytes` crate prints it: `b"..."` with escapes. */
function bytesDebug(bytes: Buffer): string {
  let out = 'b"';
  for (const b of bytes) {
    if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x5c || b === 0x22) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0) out += '\\0';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}
