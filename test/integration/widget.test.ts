import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetTranscriptCommand, type Item } from '@aws-sdk/client-connectparticipant';
import { KeyRing, type KeyMaterial } from '../../lambdas/domain/keys';
import { issueResumeToken, RESUME_TOKEN_TTL_MS } from '../../lambdas/domain/widget';
import { leave, messages, pageBack, say } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';
import { tokenPayload, type WidgetChat, widgetCalls } from '../support/widget';

/** `POST /widget/chat` through plain fetch, as a browser calls it: no AWS credentials, no SDK. */
let t: TestServer;
let keys: KeyRing;

beforeAll(async () => {
  t = await startTestServer();
  keys = new KeyRing(JSON.parse(readFileSync(join(t.dataDir, 'signing-keys.json'), 'utf8')) as KeyMaterial);
});
afterAll(async () => {
  await t.stop();
});
const { widget, chat, connect } = widgetCalls(() => t);

test('starts a chat for the configured instance, with a resume token naming it that expires in 30 days', async () => {
  const before = Date.now();
  const started = await chat({ DisplayName: 'Ada' });
  const payload = tokenPayload(started.ResumeToken);
  expect(payload).toMatchObject({ i: 'local', c: started.ContactId });
  expect(payload.x * 1000).toBeGreaterThanOrEqual(before + RESUME_TOKEN_TTL_MS);
  expect(payload.x * 1000).toBeLessThanOrEqual(Date.now() + RESUME_TOKEN_TTL_MS + 1000);
  const ada = await connect(started);
  await say(t, ada, 'hello from the widget');
  const { Transcript } = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: ada.connectionToken }));
  expect(messages(Transcript!)).toEqual(['hello from the widget']);
});

test('a name is required to start, and must not be blank', async () => {
  for (const body of [{}, { DisplayName: '   ' }, { DisplayName: 7 }]) {
    const answer = await widget(body);
    expect([answer.status, answer.errorType]).toEqual([400, 'ValidationException']);
  }
});

test('a token of a chat still active rejoins it as the same customer, with a fresh participant token', async () => {
  const started = await chat({ DisplayName: 'Grace' });
  const first = await connect(started);
  await say(t, first, 'before the reload');
  const again = await chat({ ResumeToken: started.ResumeToken });
  expect(again.ContactId).toBe(started.ContactId);
  expect(again.ParticipantId).toBe(started.ParticipantId);
  expect(again.ParticipantToken).not.toBe(started.ParticipantToken);
  expect(tokenPayload(again.ResumeToken).c).toBe(started.ContactId);
  const second = await connect(again);
  await say(t, second, 'after the reload');
  // Both tabs speak as the one customer of the one chat.
  const { Transcript } = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: first.connectionToken, SortOrder: 'ASCENDING' }));
  const sent = Transcript!.filter((item) => item.Type === 'MESSAGE');
  expect(sent.map((item) => [item.Content, item.ParticipantId, item.ContactId])).toEqual([
    ['before the reload', started.ParticipantId, started.ContactId],
    ['after the reload', started.ParticipantId, started.ContactId],
  ]);
});

test('a token of an ended chat continues it (ENTIRE_PAST_SESSION), and each visit sees the whole line', async () => {
  const visit1 = await chat({ DisplayName: 'Alan' });
  const alan1 = await connect(visit1);
  await say(t, alan1, 'visit 1');
  await leave(t, alan1);
  const visit2 = await chat({ ResumeToken: visit1.ResumeToken });
  expect(visit2.ContactId).not.toBe(visit1.ContactId);
  expect(visit2.ContinuedFromContactId).toBe(visit1.ContactId);
  expect(tokenPayload(visit2.ResumeToken).c).toBe(visit2.ContactId); // the token always names the latest chat
  const alan2 = await connect(visit2);
  await say(t, alan2, 'visit 2');
  await leave(t, alan2);

  const visit3 = await chat({ ResumeToken: visit2.ResumeToken, DisplayName: 'Alan T.' });
  expect(visit3.ContinuedFromContactId).toBe(visit2.ContactId);
  const alan3 = await connect(visit3);
  await say(t, alan3, 'visit 3');
  const items: Item[] = (await pageBack(t, alan3, 2)).flat();
  expect(messages(items)).toEqual(['visit 3', 'visit 2', 'visit 1']);
  expect(items.find((item) => item.Content === 'visit 3')).toMatchObject({ DisplayName: 'Alan T.', ContactId: visit3.ContactId });
  expect(items.find((item) => item.Content === 'visit 1')).toMatchObject({ DisplayName: 'Alan', RelatedContactId: visit1.ContactId });
});

test('an older token follows the line to the latest chat: rejoins it while active, continues from it once ended', async () => {
  const visit1 = await chat({ DisplayName: 'Old token' });
  await leave(t, await connect(visit1));
  const visit2 = await chat({ ResumeToken: visit1.ResumeToken });
  // visit1 has seeded visit2 and can't seed again: the old token lands in visit2.
  const rejoined = await chat({ ResumeToken: visit1.ResumeToken });
  expect([rejoined.ContactId, rejoined.ParticipantId]).toEqual([visit2.ContactId, visit2.ParticipantId]);
  expect(tokenPayload(rejoined.ResumeToken).c).toBe(visit2.ContactId);
  await leave(t, await connect(visit2));
  const visit3 = await chat({ ResumeToken: visit1.ResumeToken });
  expect(visit3.ContinuedFromContactId).toBe(visit2.ContactId);
  expect(tokenPayload(visit3.ResumeToken).c).toBe(visit3.ContactId);
});

test('two tabs continuing the same ended chat at once end up in one chat', async () => {
  const visit1 = await chat({ DisplayName: 'Two tabs' });
  await leave(t, await connect(visit1));
  const [a, b] = await Promise.all([chat({ ResumeToken: visit1.ResumeToken }), chat({ ResumeToken: visit1.ResumeToken })]);
  expect(a.ContactId).toBe(b.ContactId);
  expect(a.ParticipantId).toBe(b.ParticipantId);
  expect(a.ContinuedFromContactId ?? b.ContinuedFromContactId).toBe(visit1.ContactId);
});

describe('tokens that must not open a chat', () => {
  let real: WidgetChat;
  beforeAll(async () => {
    real = await chat({ DisplayName: 'Victim' });
  });

  const refused = async (token: string, status: number, errorType: string) => {
    const answer = await widget({ ResumeToken: token, DisplayName: 'Mallory' });
    expect([answer.status, answer.errorType]).toEqual([status, errorType]);
    expect(answer.body.ContactId).toBeUndefined();
  };

  test('altered: another contact id under the original signature', async () => {
    const [, keyId, signature] = real.ResumeToken.split('.') as [string, string, string];
    const payload = { ...tokenPayload(real.ResumeToken), c: 'another-contact' };
    await refused(`${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${keyId}.${signature}`, 403, 'AccessDeniedException');
  });

  test('forged: signed with a key this service does not have', async () => {
    await refused(issueResumeToken(new KeyRing(KeyRing.generate()), 'local', real.ContactId, Date.now()), 403, 'AccessDeniedException');
  });

  test('expired: issued more than 30 days ago', async () => {
    await refused(issueResumeToken(keys, 'local', real.ContactId, Date.now() - RESUME_TOKEN_TTL_MS - 1000), 403, 'AccessDeniedException');
  });

  test("foreign: another widget instance's token, or a NextToken (another purpose's signature)", async () => {
    await refused(issueResumeToken(keys, 'other-instance', real.ContactId, Date.now()), 403, 'AccessDeniedException');
    const ada = await connect(await chat({ DisplayName: 'Paging' }));
    for (let i = 0; i < 3; i++) await say(t, ada, `m${i}`);
    const { NextToken } = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: ada.connectionToken, MaxResults: 1 }));
    expect(NextToken).toBeDefined();
    await refused(NextToken!, 403, 'AccessDeniedException');
  });

  test('genuine but naming no chat of this instance (an erased line): the credential is no longer valid', async () => {
    await refused(issueResumeToken(keys, 'local', 'no-such-contact', Date.now()), 403, 'AccessDeniedException');
  });

  test('malformed', async () => {
    for (const token of ['not-a-token', 'a.b', 'a.b.c.d', 'a.b.c!', '']) await refused(token, 400, 'ValidationException');
    await refused('x'.repeat(1001), 400, 'ValidationException');
  });
});

// Last: it spends this client's (127.0.0.1's) whole allowance on the route.
test('the route is throttled per client: a burst beyond its limit gets 429 ThrottlingException', async () => {
  const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${t.server.url}/widget/chat`, { method: 'POST', body: '{}' })));
  const throttled = answers.filter((answer) => answer.status === 429);
  expect(throttled.length).toBeGreaterThanOrEqual(30);
  expect(throttled[0]!.headers.get('x-amzn-errortype')).toBe('ThrottlingException');
  expect(throttled[0]!.headers.get('retry-after')).toBe('1');
  expect(((await throttled[0]!.json()) as { __type: string }).__type).toBe('ThrottlingException');
  // Other routes are not throttled by it.
  const other = await fetch(`${t.server.url}/participant/transcript`, { method: 'POST', body: '{}' });
  expect(other.status).toBe(403);
});
