import { isoTime } from './items';
import type { KeyRing } from './keys';
import { openToken, signToken } from './signed-token';

/**
 * The read-only credential of POST /widget/history: a connection token for GetTranscript (and
 * GetAttachment) on the customer's line, and for nothing else. Signed with its own purpose's subkey, so
 * no write operation, which takes only connection tokens, can take it; not stored, so reading history
 * writes nothing. It names the line's newest chat when it was issued (none: the customer has no chat
 * yet, and reads an empty transcript). Revoked as the line's other customer credentials are: by
 * /widget/forget (issued before it) and by erasure (the chats it reads are gone); else it expires.
 */
export const HISTORY_TOKEN_TTL_MS = 60 * 60 * 1000;

interface HistoryPayload {
  v: 1;
  n: string; // InstanceId
  i?: string; // the InitialContactId of the line's newest chat; absent: no chat yet
  t: number; // issued, epoch seconds
  x: number; // expiry, epoch seconds
}

export interface HistoryClaim {
  instanceId: string;
  initialContactId?: string;
  issuedAt: number;
}

export function issueHistoryToken(keys: KeyRing, instanceId: string, initialContactId: string | undefined, now: number) {
  const payload: HistoryPayload = {
    v: 1,
    n: instanceId,
    i: initialContactId,
    t: Math.floor(now / 1000),
    x: Math.floor((now + HISTORY_TOKEN_TTL_MS) / 1000),
  };
  return { ConnectionToken: signToken(keys, 'history-token', payload), Expiry: isoTime(payload.x * 1000) };
}

/** What a genuine, unexpired history credential says; undefined for any other string (a connection token, say). */
export function readHistoryToken(keys: KeyRing, token: string, now: number): HistoryClaim | undefined {
  const payload = openToken<HistoryPayload>(keys, 'history-token', token, now);
  if (typeof payload === 'string' || payload.v !== 1 || typeof payload.n !== 'string' || typeof payload.t !== 'number') return undefined;
  return { instanceId: payload.n, initialContactId: payload.i, issuedAt: payload.t * 1000 };
}
