import { createHash } from 'node:crypto';
import { accessDenied, DomainError } from './errors';
import type { KeyRing } from './keys';
import type { LineLink } from './line';
import { openToken, signToken } from './signed-token';
import { LIMITS } from './limits';

/**
 * GetTranscript's NextToken: a compact cursor, signed (signed-token.ts), expiring, and bound to the
 * chat that asked and to the scan direction.
 */
export interface Cursor {
  /** The contact (segment) to read next, and the exclusive bound inside it (absent: from its end). */
  contact: LineLink;
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
  g?: string; // the contact's InitialContactId
  s?: number; // the contact's start, epoch ms: its file's key (absent in tokens from before it was kept)
  t?: string;
  i?: string;
  f?: string;
  x: number; // expiry, epoch seconds
}

/** NextTokens live as long as a connection token. */
export const NEXT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

const invalid = () => new DomainError('InvalidParameter', 'The NextToken is invalid or has expired');
const chatDigest = (initialContactId: string) => createHash('sha256').update(initialContactId).digest('base64url').slice(0, 22);

export function encodeCursor(keys: KeyRing, cursor: Cursor, readerInitialContactId: string, now: number): string {
  const payload: Payload = {
    v: 1,
    r: chatDigest(readerInitialContactId),
    d: cursor.direction === 'FORWARD' ? 'F' : 'B',
    c: cursor.contact.contactId,
    g: cursor.contact.initialContactId,
    s: cursor.contact.initiationTimestamp,
    t: cursor.position?.time,
    i: cursor.position?.id,
    f: cursor.filter,
    x: Math.ceil((now + NEXT_TOKEN_TTL_MS) / 1000),
  };
  const token = signToken(keys, 'next-token', payload);
  if (token.length > LIMITS.NextToken.max) throw new Error(`NextToken of ${token.length} characters exceeds the SDK's limit`);
  return token;
}

/** The cursor, if the token is authentic, unexpired, and was minted for this chat. */
export function decodeCursor(keys: KeyRing, token: string, readerInitialContactId: string, now: number): Cursor {
  const payload = openToken<Payload>(keys, 'next-token', token, now);
  if (typeof payload === 'string' || payload.v !== 1 || typeof payload.c !== 'string') throw invalid();
  if (payload.r !== chatDigest(readerInitialContactId)) throw accessDenied('The NextToken was issued for another chat');
  return {
    contact: { contactId: payload.c, initialContactId: payload.g, initiationTimestamp: payload.s },
    position: payload.t !== undefined && payload.i !== undefined ? { time: payload.t, id: payload.i } : undefined,
    direction: payload.d === 'F' ? 'FORWARD' : 'BACKWARD',
    filter: payload.f,
  };
}
