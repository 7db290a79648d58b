import { Attachments, type AttachmentsDeps } from '../../lambdas/domain/attachments';
import { DomainError } from '../../lambdas/domain/errors';
import { chatsBefore, chatsFrom, MAX_LINE_STEPS } from '../../lambdas/domain/line';
import type { Attachment, Contact } from '../../lambdas/domain/model';
import type { Reader } from '../../lambdas/domain/participants';

const t0 = Date.UTC(2026, 0, 1);

/** A line of `count` one-contact chats, `chat-0` the oldest, each continuing the one before (ENTIRE_PAST_SESSION). */
function line(count: number) {
  const contacts = new Map<string, Contact>();
  for (let i = 0; i < count; i++) {
    const id = `chat-${i}`;
    contacts.set(id, {
      contactId: id,
      instanceId: 'inst',
      initialContactId: id,
      initiationMethod: 'API',
      contactFlowId: 'flow',
      state: i === count - 1 ? 'ACTIVE' : 'ENDED',
      initiationTimestamp: t0 + i * 1000,
      lastUpdateTimestamp: t0 + i * 1000,
      participants: [],
      continuedFromContactId: i > 0 ? `chat-${i - 1}` : undefined,
      linePrevious: i > 0 ? { contactId: `chat-${i - 1}`, initialContactId: `chat-${i - 1}`, initiationTimestamp: t0 + (i - 1) * 1000 } : undefined,
      persistentChatSourceOf: i < count - 1 ? `chat-${i + 1}` : undefined,
    });
  }
  const reads: string[] = [];
  const read = async (id: string): Promise<Contact> => {
    reads.push(id);
    const contact = contacts.get(id);
    if (!contact) throw new Error(`no contact ${id}`);
    return contact;
  };
  return { contacts, read, reads };
}

async function all<T>(walk: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const step of walk) seen.push(step);
  return seen;
}

const quotaExceeded = expect.objectContaining({ kind: 'QuotaExceeded' });

describe('walking the line forward (chatsFrom)', () => {
  it('follows a token to the newest chat, at most MAX_LINE_STEPS chats on, and fails beyond rather than stop short', async () => {
    const longest = line(MAX_LINE_STEPS + 1);
    const chats = await all(chatsFrom(longest.read, 'chat-0'));
    expect(chats.map((chat) => chat.contactId)).toEqual(Array.from({ length: MAX_LINE_STEPS + 1 }, (_, i) => `chat-${i}`));
    await expect(all(chatsFrom(line(MAX_LINE_STEPS + 2).read, 'chat-0'))).rejects.toEqual(quotaExceeded);
    // From a newer token, the same line is within reach.
    expect(await all(chatsFrom(line(MAX_LINE_STEPS + 2).read, 'chat-1'))).toHaveLength(MAX_LINE_STEPS + 1);
  });

  it('reads a chat not continued when met once more, so a caller that lost the race to continue it is led on', async () => {
    const { contacts, read } = line(2);
    const newest = contacts.get('chat-1')!;
    const walk = chatsFrom(read, 'chat-1');
    expect((await walk.next()).value).toBe(newest);
    // Meanwhile another tab continued it.
    contacts.set('chat-1', { ...newest, persistentChatSourceOf: 'chat-2' });
    contacts.set('chat-2', { ...newest, contactId: 'chat-2', initialContactId: 'chat-2', persistentChatSourceOf: undefined });
    expect((await walk.next()).value).toMatchObject({ contactId: 'chat-2' });
    expect((await walk.next()).done).toBe(true);
  });
});

describe('walking the line backward (chatsBefore)', () => {
  it('names the contact each past chat was continued from, newest first, one read per chat', async () => {
    const { read, reads } = line(4);
    const refs = await all(chatsBefore(read, 'chat-3'));
    expect(refs).toEqual([2, 1, 0].map((i) => ({ contactId: `chat-${i}`, initialContactId: `chat-${i}`, initiationTimestamp: t0 + i * 1000 })));
    expect(reads).toEqual(['chat-3', 'chat-2', 'chat-1', 'chat-0']);
  });

  it('reads in full a link stored before refs were kept', async () => {
    const { contacts, read } = line(2);
    contacts.set('chat-1', { ...contacts.get('chat-1')!, linePrevious: undefined });
    expect(await all(chatsBefore(read, 'chat-1'))).toEqual([{ contactId: 'chat-0', initialContactId: 'chat-0', initiationTimestamp: t0 }]);
  });

  it('fails beyond MAX_LINE_STEPS chats rather than end as if the line did', async () => {
    expect(await all(chatsBefore(line(MAX_LINE_STEPS + 1).read, `chat-${MAX_LINE_STEPS}`))).toHaveLength(MAX_LINE_STEPS);
    await expect(all(chatsBefore(line(MAX_LINE_STEPS + 2).read, `chat-${MAX_LINE_STEPS + 1}`))).rejects.toEqual(quotaExceeded);
  });
});

describe('GetAttachment along a long line', () => {
  /** A file sent in the line's first chat, asked for from the chat `back` chats later. */
  async function getFrom(back: number) {
    const { read } = line(back + 1);
    const attachment = {
      attachmentId: 'a1',
      instanceId: 'inst',
      initialContactId: 'chat-0',
      chatStartedAt: t0,
      contactId: 'chat-0',
      contactStartedAt: t0,
      status: 'APPROVED',
      key: 'k',
      name: 'f.txt',
      contentType: 'text/plain',
      sizeInBytes: 1,
    } as Attachment;
    const deps = {
      store: { getAttachment: async () => attachment },
      transcripts: { record: read },
      files: { downloadUrl: async () => 'https://download' },
      now: () => t0,
    } as unknown as AttachmentsDeps;
    const session = { initialContactId: `chat-${back}` };
    const reader = { participant: { role: 'CUSTOMER' }, grant: { instanceId: 'inst' }, session } as unknown as Reader;
    return new Attachments(deps).get(reader, 'a1', 60);
  }

  it('serves a file MAX_LINE_STEPS chats back, and beyond says the line is too long, not that the file is foreign', async () => {
    await expect(getFrom(MAX_LINE_STEPS)).resolves.toMatchObject({ Url: 'https://download' });
    const refused = await getFrom(MAX_LINE_STEPS + 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ kind: 'AccessDenied', message: expect.stringMatching(/line goes on for more than/) });
  });
});
