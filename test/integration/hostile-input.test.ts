import {
  DescribeContactCommand,
  GetContactAttributesCommand,
  StartChatContactCommand,
  type StartChatContactCommandInput,
  UpdateContactAttributesCommand,
} from '@aws-sdk/client-connect';
import { SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import { INSTANCE, startChat } from '../support/chat';
import { outcome, serverForFile } from '../support/local-server';

/**
 * Keys that mean something to JavaScript objects, and strings that are not well-formed UTF-16, in the
 * members that carry them: each is stored as given or refused with the operation's validation error,
 * never a 500.
 */
const t = serverForFile();

/** `{ [key]: value }` as JSON.parse makes it: `__proto__` an own key, as it arrives on the wire. */
const entry = <T>(key: string, value: T): Record<string, T> => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`) as Record<string, T>;

const start = (extra: Partial<StartChatContactCommandInput>) =>
  outcome(
    t().connect.send(
      new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' }, ...extra }),
    ),
  );

const describeContact = async (ContactId: string) =>
  (await t().connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId }))).Contact!;

/** Every name Object.prototype gives meaning to; only these two cannot travel through the stores as data. */
const OBJECT_KEYS = Object.getOwnPropertyNames(Object.prototype);
const REFUSED = ['__proto__', 'constructor'];

describe.each(OBJECT_KEYS)('the key %s', (key) => {
  const refused = REFUSED.includes(key);
  const refusal = (member: string) => ({ name: 'InvalidParameterException', status: 400, message: `${member} cannot have the key ${key}` });

  test(refused ? 'is refused in Attributes with 400 InvalidParameterException' : 'is kept as given in Attributes', async () => {
    const answer = await start({ Attributes: entry(key, 'v') });
    if (refused) return expect(answer).toEqual(refusal('Attributes'));
    const { ContactId } = answer as { ContactId: string };
    const { Attributes } = await t().connect.send(new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: ContactId }));
    expect(Attributes).toEqual(entry(key, 'v'));
  });

  test(refused ? 'is refused by UpdateContactAttributes' : 'is kept as given by UpdateContactAttributes', async () => {
    const { contactId } = await startChat(t());
    const answer = await outcome(
      t().connect.send(new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contactId, Attributes: entry(key, 'u') })),
    );
    if (refused) return expect(answer).toEqual(refusal('Attributes'));
    expect((await describeContact(contactId)).Attributes).toEqual(entry(key, 'u'));
  });

  test(refused ? 'is refused in SegmentAttributes, at any depth' : 'is kept as given in SegmentAttributes, at any depth', async () => {
    const SegmentAttributes = { ...entry(key, { ValueString: 'top' }), nested: { ValueMap: entry(key, { ValueInteger: 7 }) } };
    const answer = await start({ SegmentAttributes });
    if (refused) return expect(answer).toEqual(refusal('SegmentAttributes'));
    expect((await describeContact((answer as { ContactId: string }).ContactId)).SegmentAttributes).toEqual(SegmentAttributes);
  });
});

test('a reserved key deep in SegmentAttributes is refused, naming where', async () => {
  expect(await start({ SegmentAttributes: { nested: { ValueMap: entry('__proto__', { ValueString: 'x' }) } } })).toEqual({
    name: 'InvalidParameterException',
    status: 400,
    message: 'SegmentAttributes.nested.ValueMap cannot have the key __proto__',
  });
});

describe('strings that are not well-formed UTF-16 (lone surrogates)', () => {
  const lone = ['\ud800', 'a\udc00b', '\udbff\udbff', 'end\ud83d'];
  const refusal = (member: string, name = 'InvalidParameterException') => ({
    name,
    status: 400,
    message: `${member} is not well-formed Unicode: it holds a lone surrogate`,
  });

  test.each(lone.map((text) => [JSON.stringify(text), text]))('%s is refused in every StartChatContact member', async (_, text) => {
    expect(await start({ ParticipantDetails: { DisplayName: text } })).toEqual(refusal('ParticipantDetails.DisplayName'));
    expect(await start({ Attributes: { k: text } })).toEqual(refusal('Attributes.k'));
    expect(await start({ Attributes: entry(text, 'v') })).toEqual(refusal('Attributes key'));
    expect(await start({ SegmentAttributes: { k: { ValueString: text } } })).toEqual(refusal('SegmentAttributes.k.ValueString'));
    expect(await start({ SegmentAttributes: entry(text, { ValueString: 'v' }) })).toEqual(refusal('SegmentAttributes key'));
    expect(await start({ InitialMessage: { ContentType: 'text/plain', Content: text } })).toEqual(refusal('InitialMessage.Content'));
    expect(await start({ ClientToken: text })).toEqual(refusal('ClientToken'));
  });

  test('is refused by the participant API with ValidationException, and by the widget route', async () => {
    const { connectionToken } = await startChat(t());
    const sent = await outcome(
      t().participant.send(new SendMessageCommand({ ConnectionToken: connectionToken, ContentType: 'text/plain', Content: 'hi \ud800' })),
    );
    expect(sent).toEqual(refusal('Content', 'ValidationException'));
    const widget = await fetch(`${t().server.url}/widget/chat`, { method: 'POST', body: '{"DisplayName":"\\udc00"}' });
    expect([widget.status, widget.headers.get('x-amzn-errortype'), ((await widget.json()) as { Message: string }).Message]).toEqual([
      400,
      'ValidationException',
      'DisplayName is not well-formed Unicode: it holds a lone surrogate',
    ]);
  });

  test('well-formed pairs, astral characters included, are kept as given', async () => {
    const text = 'emoji 😀, pair \ud83d\ude00, CJK 漢字';
    const answer = await start({ ParticipantDetails: { DisplayName: text }, Attributes: entry(text, text) });
    const { ContactId } = answer as { ContactId: string };
    expect((await describeContact(ContactId)).Attributes).toEqual(entry(text, text));
  });
});
