import type { ChatSession, Contact } from './model';
import type { ContactStore } from './ports';

/**
 * Longer than anything that began on a contact's table items can still be running: a request (API
 * Gateway's 29 s integration timeout; route functions time out at 10 s) or a sweep run (55 s). A
 * request that ends a contact archives it at once, so the sweep retries an archive only this long
 * after the end (a failed S3 write, a crash); and a reader that met the contact before its file was
 * durable reads its items from the table, so they stay there this long after the file is durable.
 */
export const REQUEST_GRACE_MS = 60_000;
/** Due records read per query; the sweep reads again while full batches keep coming and time is left. */
const BATCH = 100;
/** Records handled at once. */
const CONCURRENCY = 8;

export interface SweepDeps {
  store: Pick<ContactStore, 'getSession' | 'getContact' | 'dueChats' | 'unfinishedArchives'>;
  /** Ends a chat past its duration, with everything StopContact does (Participants.expire). */
  expire: (session: ChatSession) => Promise<unknown>;
  /** Fires the chat's participant timers that ran out, and says when to look next (Participants.runTimers). */
  runTimers: (session: ChatSession) => Promise<void>;
  /** Writes an ended contact's transcript file (Transcripts.archive). */
  archive: (contact: Contact) => Promise<void>;
  /** Deletes an archived contact's items from the table (Transcripts.freeTable). */
  freeTable: (contact: Contact) => Promise<void>;
  now: () => number;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

export interface SweepOptions {
  /** Stop taking new work at this time (epoch ms of the real clock): a Lambda function's time runs out. */
  deadline?: number;
  /**
   * Also take unfinished archives of contacts that ended, or were archived, less than REQUEST_GRACE_MS
   * ago: when no request can be archiving or reading them (the local server's first sweep, after a restart).
   */
  everyUnfinishedArchive?: boolean;
}

export interface SweepReport {
  chats: number;
  archives: number;
  failed: number;
}

/**
 * Work that no request asks for, found through the store's index of due records, never a scan: chats
 * past their duration end (everyone told, transcript archived, sockets closed, as by StopContact),
 * ended contacts whose archive a failure or a crash left unfinished are archived again, and archived
 * contacts' items leave the table once no reader can be reading them there. Run on a
 * schedule (an EventBridge rule on AWS, a timer in the local server); runs may overlap safely.
 */
export class Sweep {
  constructor(private readonly deps: SweepDeps) {}

  async run(options: SweepOptions = {}): Promise<SweepReport> {
    const report: SweepReport = { chats: 0, archives: 0, failed: 0 };
    const deadline = options.deadline ?? Infinity;
    const graceful = !options.everyUnfinishedArchive;
    const archivesBefore = () => this.deps.now() - (graceful ? REQUEST_GRACE_MS : 0);
    await this.drain(
      (limit) => this.deps.store.dueChats(this.deps.now(), limit),
      (id) => this.chat(id),
      'chats',
      report,
      deadline,
    );
    await this.drain(
      (limit) => this.deps.store.unfinishedArchives(archivesBefore(), limit),
      (id) => this.archive(id, graceful),
      'archives',
      report,
      deadline,
    );
    return report;
  }

  /**
   * Takes due ids batch by batch until none is left or time is up. A record whose work failed stays due;
   * it is not tried twice in one run, and waits for the next.
   */
  private async drain(
    due: (limit: number) => Promise<string[]>,
    work: (id: string) => Promise<void>,
    counter: 'chats' | 'archives',
    report: SweepReport,
    deadline: number,
  ): Promise<void> {
    const tried = new Set<string>();
    while (Date.now() < deadline) {
      const found = await due(BATCH);
      const batch = found.filter((id) => !tried.has(id));
      for (let start = 0; start < batch.length && Date.now() < deadline; start += CONCURRENCY) {
        await Promise.all(
          batch.slice(start, start + CONCURRENCY).map(async (id) => {
            tried.add(id);
            try {
              await work(id);
              report[counter]++;
            } catch (error) {
              report.failed++;
              this.deps.warn(`sweep: ${counter} work failed; it stays due`, { id, error: error instanceof Error ? error.message : String(error) });
            }
          }),
        );
      }
      if (found.length < BATCH || batch.length === 0) return;
    }
  }

  /** A chat whose time has come: past its duration, it ends; else its participant timers run. */
  private async chat(initialContactId: string): Promise<void> {
    const session = await this.deps.store.getSession(initialContactId);
    // Ending a chat takes it out of the index in the same write; an index read may lag behind that.
    if (session?.state !== 'ACTIVE') return;
    if (session.expiresAt <= this.deps.now()) await this.deps.expire(session);
    else await this.deps.runTimers(session);
  }

  /**
   * A contact whose archive is unfinished: its file is written; or, once it is, its items leave the
   * table, not before REQUEST_GRACE_MS (the index says when it was archived: the next run takes it).
   */
  private async archive(contactId: string, graceful: boolean): Promise<void> {
    const contact = await this.deps.store.getContact(contactId);
    if (!contact) return;
    if (!contact.transcriptKey) return this.deps.archive(contact);
    // Archived before archivedAt was kept: long ago, by its end.
    const archivedAt = contact.archivedAt ?? contact.disconnectTimestamp ?? 0;
    if (!graceful || archivedAt <= this.deps.now() - REQUEST_GRACE_MS) await this.deps.freeTable(contact);
  }
}
