import { eventItem, messageItem } from '../../lambdas/domain/items';
import type { Contact, TranscriptItem } from '../../lambdas/domain/model';
import { ATTACHMENT_CHECK_WAIT_MS, Transcripts, type TranscriptsDeps } from '../../lambdas/domain/transcripts';
import type { ItemRange, TranscriptFile } from '../../lambdas/domain/ports';

const customer = { participantId: 'p1', role: 'CUSTOMER' as const, displayName: 'Ann', joinedAt: 0 };
const start = Date.UTC(2026, 0, 2, 3, 4, 5);
const contact: Contact = {
  contactId: 'c1',
  instanceId: 'inst',
  initialContactId: 'c1',
  initiationMethod: 'API',
  contactFlowId: 'f',
  state: 'ENDED',
  initiationTimestamp: start,
  lastUpdateTimestamp: start,
  participants: [],
};

/** The table and bucket as plain maps: what the archive order must protect, made visible. */
function world(filesFail: boolean) {
  const items: TranscriptItem[] = [eventItem('application/vnd.amazonaws.connect.event.participant.joined', start, customer)];
  for (let i = 1; i <= 1200; i++) items.push(messageItem(customer, 'text/plain', `m${i}`, start + i));
  const table = { items: [...items], archivedKey: undefined as string | undefined, finished: false };
  const files = new Map<string, TranscriptFile>();
  const deps: TranscriptsDeps = {
    accountId: '123456789012',
    prefix: 'connect',
    warn: jest.fn(),
    files: {
      put: async (key, file) => {
        if (filesFail) throw new Error('S3 is down');
        files.set(key, file);
      },
      get: async (key) => files.get(key),
    },
    store: {
      getContact: async () => ({ ...contact, transcriptKey: table.archivedKey }),
      queryItems: async (_id: string, range: ItemRange, limit: number) => {
        const after = range.from ? table.items.filter((item) => item.Id > range.from!.id) : table.items;
        return after.slice(0, limit);
      },
      markArchived: async (_id, key) => {
        table.archivedKey = key;
      },
      deleteItems: async (_id, ids) => {
        const gone = new Set(ids);
        table.items = table.items.filter((item) => !gone.has(item.Id));
      },
      archiveFinished: async () => {
        table.finished = true;
      },
      contactWithItems: async (_id: string, range: ItemRange, limit: number) => {
        const items = range.direction === 'BACKWARD' ? [...table.items].reverse() : table.items;
        return { contact: { ...contact, transcriptKey: table.archivedKey }, items: items.slice(0, limit) };
      },
    },
  };
  return { deps, table, files, items };
}

describe('archiving a contact transcript', () => {
  it('writes the whole transcript as Amazon Connect names and shapes it, and leaves the table to the sweep', async () => {
    const { deps, table, files, items } = world(false);
    await new Transcripts(deps).archive(contact);
    const key = 'connect/inst/ChatTranscripts/2026/01/02/c1_20260102T03:04_UTC.json';
    expect([...files.keys()]).toEqual([key]);
    expect(files.get(key)).toMatchObject({
      Version: '2019-08-26',
      AWSAccountId: '123456789012',
      ContactId: 'c1',
      Participants: [{ ParticipantId: 'p1' }],
    });
    expect(files.get(key)!.Transcript).toEqual(items);
    expect(table.archivedKey).toBe(key);
    // Readers that began before read the table: the items stay until the sweep frees it, a grace later.
    expect(table.items).toEqual(items);
    expect(table.finished).toBe(false);
  });

  it('deletes nothing and marks nothing when the file cannot be written, and says so', async () => {
    const { deps, table, items } = world(true);
    const transcripts = new Transcripts(deps);
    await expect(transcripts.archive(contact)).rejects.toThrow('S3 is down');
    expect(table.items).toEqual(items);
    expect(table.archivedKey).toBeUndefined();
    await transcripts.archiveOrWarn(contact);
    expect(deps.warn).toHaveBeenCalledWith(expect.stringContaining('archive failed'), expect.objectContaining({ contactId: 'c1' }));
    // Still readable, from the table, as the chat's newest contact and as a past one whose file is missing.
    expect(await transcripts.open('inst', { contactId: 'c1' }, 'ENDED').read('BACKWARD', undefined, 2)).toEqual([items[1200], items[1199]]);
    const past = transcripts.open('inst', { contactId: 'c1', initialContactId: 'c1', initiationTimestamp: start }, undefined);
    expect(await past.read('BACKWARD', undefined, 2)).toEqual([items[1200], items[1199]]);
    expect(table.finished).toBe(false); // still due for the sweep
  });

  it('frees the table of an archived contact, keeping the file', async () => {
    const { deps, table, files, items } = world(false);
    const transcripts = new Transcripts(deps);
    await transcripts.archive(contact);
    const [key] = files.keys();
    await transcripts.freeTable({ ...contact, transcriptKey: key });
    expect(files.get(key!)!.Transcript).toEqual(items);
    expect(table.items).toEqual([]);
    expect(table.finished).toBe(true);
  });

  it('never frees the table of a contact without a file', async () => {
    const { deps, table, items } = world(false);
    await expect(new Transcripts(deps).freeTable(contact)).rejects.toThrow('no transcript file');
    expect(table.items).toEqual(items);
  });

  it('writes nothing again for a contact already archived', async () => {
    const { deps, files } = world(false);
    await new Transcripts(deps).archive({ ...contact, transcriptKey: 'connect/elsewhere.json' });
    expect(files.size).toBe(0);
  });

  it('waits for attachment checks still running on the contact, but not past ATTACHMENT_CHECK_WAIT_MS', async () => {
    const { deps, table, files } = world(false);
    let now = start + 1000;
    const transcripts = new Transcripts({ ...deps, now: () => now });
    const checking = { ...contact, disconnectTimestamp: start, attachmentsInCheck: 1 };
    await transcripts.archive(checking);
    expect(files.size).toBe(0);
    expect(table.archivedKey).toBeUndefined();
    now = start + ATTACHMENT_CHECK_WAIT_MS; // the check died with its process
    await transcripts.archive(checking);
    expect(files.size).toBe(1);
  });

  it('never archives an active contact', async () => {
    const { deps, table, files } = world(false);
    await new Transcripts(deps).archive({ ...contact, state: 'ACTIVE' });
    expect(files.size).toBe(0);
    expect(table.archivedKey).toBeUndefined();
  });
});
