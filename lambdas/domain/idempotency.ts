import { createHash } from 'node:crypto';
import { DomainError } from './errors';
import type { KeyRing } from './keys';
import type { ContactStore, IdempotencyKey, IdempotencyRecord } from './ports';

/** How long a ClientToken is remembered (Amazon Connect keeps them for days, not forever). */
export const IDEMPOTENCY_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Response members that are bearer secrets: sealed at rest, opened on replay. */
const SECRET_MEMBERS = new Set(['ParticipantToken']);

export type Response = Record<string, string>;

/**
 * Runs `create` at most once per ClientToken. A repeat with the same parameters gets the first
 * call's response; a repeat with other parameters gets IdempotencyException. The record is written
 * in the same atomic write as what the call creates, so a repeat, or the loser of two racing first
 * calls, is refused by the store, finds the winner's record and replays it.
 */
export class Idempotency {
  constructor(
    private readonly store: Pick<ContactStore, 'getIdempotencyRecord'>,
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
    try {
      return await create((response) => ({
        ...key,
        requestDigest,
        response: this.sealSecrets(response),
        expiresAt: now + IDEMPOTENCY_TTL_MS,
      }));
    } catch (error) {
      // Only a failed call looks for an earlier one: the SDK sends a ClientToken with every call, so
      // reading first would cost every write a read. A repeat fails (its record's write is refused, or
      // the state moved on: a transferred contact is no longer active) and then replays the first answer.
      const first = await this.replay<R>(key, requestDigest);
      if (!first) throw error;
      return first;
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
    return Object.fromEntries(Object.entries(response).map(([name, value]) => [name, SECRET_MEMBERS.has(name) ? this.keys.seal(value) : value]));
  }
}
