import { createHash } from 'node:crypto';
import { accessDenied, DomainError } from './errors';
import type { KeyRing } from './keys';

/**
 * GetTranscript's NextToken: a compact cursor, HMAC-signed, expiring, and bound to the chat that
 * asked and to the scan direction. `<base64url(JSON)>.<key id>.<base64url(HMAC-SHA256)>`.
 */
export interface Cursor {
  /** The contact (segment) to read next, and the exclusive bound inside it (absent: from its end). */
  contactId: string;
  position?: { time: string; id: string };
  direction: 'FORWARD' | 'BACKWARD';
  /** GetTranscript's ContactId filter, when the first call had one. */
  filter?: string;
}

interface Payload {
  v: 1;
  r: string; // digest of the reading chat's InitialContactId
  d: 'F' | 'B';
  c: string;
  t?: string;
  i?: string;
  f?: string;
  x: number; // expiry, epoch seconds
}

/** NextTokens live as long as a connection token. */
export const NEXT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** The SDK's model caps NextToken at 1000 characters. */
export const MAX_NEXT_TOKEN_LENGTH = 1000;

const invalid = () => new DomainError('InvalidParameter', 'The NextToken is invalid or has expired');
const chatDigest = (initialContactId: string) => createHash('sha256').update(initialContactId).digest('base64url').slice(0, 22);

export function encodeCursor(keys: KeyRing, cursor: Cursor, readerInitialContactId: string, now: number): string {
  const payload: Payload = {
    v: 1,
    r: chatDigest(readerInitialContactId),
    d: cursor.direction === 'FORWARD' ? 'F' : 'B',
    c: cursor.contactId,
    t: cursor.position?.time,
    i: cursor.position?.id,
    f: cursor.filter,
    x: Math.ceil((now + NEXT_TOKEN_TTL_MS) / 1000),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const [keyId, signature] = keys.sign(body);
  const token = `${body}.${keyId}.${signature}`;
  if (token.length > MAX_NEXT_TOKEN_LENGTH) throw new Error(`NextToken of ${token.length} characters exceeds the SDK's limit`);
  return token;
}

/** The cursor, if the token is authentic, unexpired, and was minted for this chat. */
export function decodeCursor(keys: KeyRing, token: string, readerInitialContactId: string, now: number): Cursor {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid();
  const [body, keyId, signature] = parts as [string, string, string];
  if (!keys.verify(keyId, body, signature)) throw invalid();
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
  } catch {
    throw invalid();
  }
  if (payload.v !== 1 || typeof payload.c !== 'string' || typeof payload.x !== 'number') throw invalid();
  if (payload.x * 1000 < now) throw invalid();
  if (payload.r !== chatDigest(readerInitialContactId)) throw accessDenied('The NextToken was issued for another chat');
  return {
    contactId: payload.c,
    position: payload.t !== undefined && payload.i !== undefined ? { time: payload.t, id: payload.i } : undefined,
    direction: payload.d === 'F' ? 'FORWARD' : 'BACKWARD',
    filter: payload.f,
  };
}
