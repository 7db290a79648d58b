import { DomainError } from './errors';
import type { ChatSession } from './model';
import { type ContactStore, type ItemClockClaim, WriteConflict } from './ports';
import { QUOTAS } from './limits';

/**
 * The order in which a chat's items become visible. Items are read in the order of their times (and
 * time-ordered ids), so a reader polling FORWARD from the newest item it holds must never be passed
 * by an item with an earlier time that commits later. The chat's session keeps the time of its newest
 * item (`lastItemAt`); a write gives its items times strictly after it and holds only while no newer
 * item has been accepted meanwhile (the store's condition on the session). Accepted writes therefore
 * rise in time: commit order and transcript order are one.
 */
export class ItemClock {
  private first: number | undefined;
  private last: number | undefined;
  private count = 0;

  constructor(
    private readonly session: Pick<ChatSession, 'initialContactId' | 'lastItemAt' | 'contactItems'>,
    private readonly now: number,
  ) {}

  /** The next item's time: now, or just after the chat's (or this write's) newest item if that is later. */
  next(): number {
    const after = this.last ?? this.session.lastItemAt;
    this.last = after === undefined ? this.now : Math.max(this.now, after + 1);
    this.first ??= this.last;
    this.count++;
    return this.last;
  }

  /**
   * Refuses a write that would add `items` to the active contact past QUOTAS.ItemsPerContact. Only writes
   * a participant may do without end ask (a message, a join); leaving, ending and transferring always
   * go through, so a contact holds at most the cap and its closing events.
   */
  room(items: number): void {
    if ((this.session.contactItems ?? 0) + items > QUOTAS.ItemsPerContact) {
      throw new DomainError(
        'QuotaExceeded',
        `A contact holds at most ${QUOTAS.ItemsPerContact} transcript items; this one is full (a transfer starts a new one)`,
      );
    }
  }

  /**
   * What the write claims: the span of times it gave out, and the active contact's item count after it
   * (the session's and this write's, or `contactItems` for a write that starts a new contact).
   */
  claim(contactItems = (this.session.contactItems ?? 0) + this.count): ItemClockClaim {
    if (this.first === undefined || this.last === undefined) throw new Error('a write claims the clock only for items it timed');
    return { initialContactId: this.session.initialContactId, first: this.first, last: this.last, contactItems };
  }
}

/** Writers of one chat that lose the race for its clock try again; a chat is never this busy for long. */
const ATTEMPTS = 40;
const MAX_BACKOFF_MS = 64;

/**
 * Runs `write` against the chat as it stands, with a clock for its items; when another write got in
 * first (`stale`), reads the session again and runs `write` anew (`attempt` > 1: read again whatever
 * else it relies on), so its checks see the chat as it is now.
 */
export async function inCommitOrder<T>(
  deps: { store: Pick<ContactStore, 'getSession'>; now: () => number },
  session: ChatSession,
  write: (session: ChatSession, clock: ItemClock, attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(session, new ItemClock(session, deps.now()), attempt);
    } catch (error) {
      if (!(error instanceof WriteConflict && error.reason === 'stale')) throw error;
      if (attempt >= ATTEMPTS) throw new DomainError('Conflict', 'The chat is changing too fast; try again');
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)));
    const fresh = await deps.store.getSession(session.initialContactId);
    if (!fresh) throw new Error(`chat session ${session.initialContactId} is missing`);
    session = fresh;
  }
}
