import {
  CreateParticipantCommand,
  GetContactAttributesCommand,
  StartChatContactCommand,
  StopContactCommand,
  TransferContactCommand,
  UpdateContactAttributesCommand,
} from '@aws-sdk/client-connect';
import { GetTranscriptCommand, SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import { INSTANCE, startChat } from '../support/chat';
import { outcome, serverForFile } from '../support/local-server';

/**
 * Each operation answers only the errors its own model lists (docs/errors.md), through the real SDK
 * clients: the exception name a backend branches on, and its status.
 */
const t = serverForFile();

const chatStart = { InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' } };

test.each([
  ['a ContactFlowId of 501 characters', { ContactFlowId: 'f'.repeat(501) }, /ContactFlowId/],
  ['an InstanceId of 101 characters', { InstanceId: 'i'.repeat(101) }, /InstanceId/],
])('TransferContact refuses %s with 400 InvalidRequestException, as its model lists no InvalidParameterException', async (_, extra, message) => {
  const { contactId } = await startChat(t());
  const failure = await outcome(
    t().connect.send(new TransferContactCommand({ InstanceId: INSTANCE, ContactId: contactId, ContactFlowId: 'f', ...extra })),
  );
  expect(failure).toEqual({ name: 'InvalidRequestException', status: 400, message: expect.stringMatching(message) });
});

test('CreateParticipant refuses a malformed member with 400 InvalidRequestException', async () => {
  const { contactId } = await startChat(t());
  const failure = await outcome(
    t().connect.send(
      new CreateParticipantCommand({
        InstanceId: INSTANCE,
        ContactId: contactId,
        ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'd'.repeat(257) },
      }),
    ),
  );
  expect(failure).toEqual({ name: 'InvalidRequestException', status: 400, message: expect.stringMatching(/DisplayName/) });
});

test('GetContactAttributes refuses a malformed member with 400 InvalidRequestException', async () => {
  const failure = await outcome(t().connect.send(new GetContactAttributesCommand({ InstanceId: 'i'.repeat(101), InitialContactId: 'c' })));
  expect(failure).toEqual({ name: 'InvalidRequestException', status: 400, message: expect.stringMatching(/InstanceId/) });
});

test('UpdateContactAttributes over the 32,768-byte quota is 400 InvalidRequestException', async () => {
  const { contactId } = await startChat(t(), { Attributes: { a: 'x'.repeat(20_000) } });
  const failure = await outcome(
    t().connect.send(
      new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contactId, Attributes: { b: 'y'.repeat(13_000) } }),
    ),
  );
  expect(failure).toEqual({ name: 'InvalidRequestException', status: 400, message: expect.stringMatching(/32768 bytes/) });
});

test('StopContact on a chat that has already ended is 400 InvalidRequestException (ContactNotFoundException is for voice)', async () => {
  const { contactId } = await startChat(t());
  await t().connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
  const failure = await outcome(t().connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId })));
  expect(failure).toEqual({ name: 'InvalidRequestException', status: 400, message: expect.stringMatching(/not active/) });
});

describe('a ClientToken reused with other parameters', () => {
  test('StartChatContact: 400 InvalidRequestException', async () => {
    await t().connect.send(new StartChatContactCommand({ ...chatStart, ClientToken: 'reused-start' }));
    const failure = await outcome(
      t().connect.send(new StartChatContactCommand({ ...chatStart, ClientToken: 'reused-start', Attributes: { other: 'yes' } })),
    );
    expect(failure).toEqual({ name: 'InvalidRequestException', status: 400, message: expect.stringMatching(/ClientToken/) });
  });

  test('TransferContact: 409 IdempotencyException', async () => {
    const { contactId } = await startChat(t());
    const transfer = (QueueId: string) =>
      t().connect.send(
        new TransferContactCommand({ InstanceId: INSTANCE, ContactId: contactId, ContactFlowId: 'f', QueueId, ClientToken: 'reused-transfer' }),
      );
    await transfer('q1');
    expect(await outcome(transfer('q2'))).toEqual({ name: 'IdempotencyException', status: 409, message: expect.stringMatching(/ClientToken/) });
  });

  test('CreateParticipant: 409 ConflictException', async () => {
    const { contactId } = await startChat(t());
    const join = (DisplayName: string) =>
      t().connect.send(
        new CreateParticipantCommand({
          InstanceId: INSTANCE,
          ContactId: contactId,
          ClientToken: 'reused-join',
          ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName },
        }),
      );
    await join('Sam');
    expect(await outcome(join('Kim'))).toEqual({ name: 'ConflictException', status: 409, message: expect.stringMatching(/ClientToken/) });
  });

  test('SendMessage: 400 ValidationException', async () => {
    const { connectionToken } = await startChat(t());
    const send = (Content: string) =>
      t().participant.send(
        new SendMessageCommand({ ConnectionToken: connectionToken, ContentType: 'text/plain', Content, ClientToken: 'reused-message' }),
      );
    await send('hello');
    expect(await outcome(send('other'))).toEqual({ name: 'ValidationException', status: 400, message: expect.stringMatching(/ClientToken/) });
  });
});

test('an X-Amz-Bearer over 1000 characters is refused as malformed (403 AccessDeniedException), not as missing', async () => {
  const failure = await outcome(t().participant.send(new GetTranscriptCommand({ ConnectionToken: 't'.repeat(1001) })));
  expect(failure).toEqual({
    name: 'AccessDeniedException',
    status: 403,
    message: 'The X-Amz-Bearer token is malformed: longer than 1000 characters',
  });
});
