import { createHash } from 'node:crypto';
import { DomainError } from './errors';
import type { KeyRing } from './keys';
import { type IdempotencyKey, type IdempotencyRecord, type ContactStore, WriteConflict } from '../stores/ports';

/** How long a ClientToken is remembered (Amazon Connect keeps them for days, not forever). */
export const IDEMPOTENCY_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Response members that are bearer secrets: sealed at rest, opened on replay. */
const SECRET_MEMBERS = new Set(['ParticipantToken']);

export type Response = Record<string, string>;

/**
 * Runs `create` at most once per ClientToken. A repeat with the same parameters gets the first
 * call's response; a repeat with other parameters gets IdempotencyException. Two racing first
 * calls are settled by the store: the record is written in the same atomic write as what it
 * creates, so the loser finds the winner's record and replays it.
 */
export class Idempotency {
  constructor(
    private readonly store: ContactStore,
    private readonly keys: KeyRing,
  ) {}

  async run<R extends Response>(
    key: IdempotencyKey | undefined,
    request: unknown,
    now: number,
    create: (record: ((response: R) => IdempotencyRecord) | undefined) => Promise<R>,
  ): Promise<R> {
    if (!key) return create(undefined);
    const requestDigest = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
    const replayed = await this.replay<R>(key, requestDigest);
    if (replayed) return replayed;
    try {
      return await create((response) => ({
        ...key,
        requestDigest,
        response: this.sealSecrets(response),
        expiresAt: now + IDEMPOTENCY_TTL_MS,
      }));
    } catch (error) {
      if (!(error instanceof WriteConflict && error.reason === 'idempotency-token-used')) throw error;
      const winner = await this.replay<R>(key, requestDigest);
      if (!winner) throw error;
      return winner;
    }
  }

  private async replay<R extends Response>(key: IdempotencyKey, requestDigest: string): Promise<R | undefined> {
    const record = await this.store.getIdempotencyRecord(key);
    if (!record) return undefined;
    if (record.requestDigest !== requestDigest) {
      throw new DomainError('Idempotency', 'The ClientToken was already used with different parameters');
    }
    return Object.fromEntries(
      Object.entries(record.response).map(([name, value]) => [name, SECRET_MEMBERS.has(name) ? this.keys.open(value) : value]),
    ) as R;
  }

  private sealSecrets(response: Response): Response {
    return Object.fromEntries(
      Object.entries(response).map(([name, value]) => [name, SECRET_MEMBERS.has(name) ? this.keys.seal(value) : value]),
    );
  }
}
