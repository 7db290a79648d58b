import type { KeyRing, SigningPurpose } from './keys';
import type { TokenGrant } from './model';

/**
 * The one format of every token this service signs rather than stores (NextTokens, resume tokens,
 * connection tokens, WebSocket URL credentials): `<base64url(JSON payload)>.<key id>.<base64url(HMAC)>`.
 * Each kind signs with its own purpose's subkey, so no token can pass for another kind; every payload
 * carries its expiry `x` (epoch seconds), checked here.
 */
export interface SignedPayload {
  x: number;
}

export function signToken(keys: KeyRing, purpose: SigningPurpose, payload: SignedPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const [keyId, signature] = keys.sign(body, purpose);
  return `${body}.${keyId}.${signature}`;
}

/** The payload if the token is authentic and unexpired; `invalid` or `expired` otherwise. */
export function openToken<T extends SignedPayload>(keys: KeyRing, purpose: SigningPurpose, token: string, now: number): T | 'invalid' | 'expired' {
  const parts = token.split('.');
  if (parts.length !== 3) return 'invalid';
  const [body, keyId, signature] = parts as [string, string, string];
  if (!keys.verify(keyId, body, signature, purpose)) return 'invalid';
  let payload: T;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return 'invalid';
  }
  if (typeof payload !== 'object' || payload === null || typeof payload.x !== 'number') return 'invalid';
  return payload.x * 1000 < now ? 'expired' : payload;
}

/** A participant's grant carried in a signed token (connection tokens, WebSocket URLs). */
export interface GrantPayload extends SignedPayload {
  v: 1;
  n: string; // InstanceId
  i: string; // InitialContactId
  c: string; // ContactId
  p: string; // ParticipantId
  r: TokenGrant['role'];
  t?: number; // issued, epoch seconds
}

/** The grant a token signed now carries: issued `now`, expiring at `expiresAt`. */
export const grantPayload = (grant: TokenGrant, now: number, expiresAt: number): GrantPayload => ({
  v: 1,
  n: grant.instanceId,
  i: grant.initialContactId,
  c: grant.contactId,
  p: grant.participantId,
  r: grant.role,
  t: Math.floor(now / 1000),
  x: Math.floor(expiresAt / 1000),
});

export const grantFromPayload = (payload: GrantPayload): TokenGrant => ({
  kind: 'connection',
  instanceId: payload.n,
  initialContactId: payload.i,
  contactId: payload.c,
  participantId: payload.p,
  role: payload.r,
  expiresAt: payload.x * 1000,
  issuedAt: payload.t === undefined ? undefined : payload.t * 1000,
});
