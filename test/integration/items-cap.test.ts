import { CreateParticipantCommand, ServiceQuotaExceededException, StopContactCommand } from '@aws-sdk/client-connect';
import { ValidationException } from '@aws-sdk/client-connectparticipant';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { QUOTAS } from '../../lambdas/domain/limits';
import { DynamoContactStore } from '../../lambdas/stores/dynamodb/contact-store';
import { INSTANCE, joinAgent, leave, messages, pageBack, say, startChat, transfer } from '../support/chat';
import { outcome, serverForFile } from '../support/local-server';

/** A contact holds at most QUOTAS.ItemsPerContact items: its transcript file is written and read whole. */
const server = serverForFile();
const store = () => new DynamoContactStore(server().server.clients.db, server().server.config.tableName);
const counted = async (initialContactId: string) => (await store().getSession(initialContactId))?.contactItems;

test('every write that adds items counts them for the active contact; a transfer starts the count anew', async () => {
  const t = server();
  const customer = await startChat(t);
  expect(await counted(customer.contactId)).toBe(1); // participant joined
  await say(t, customer, 'one');
  await joinAgent(t, customer.contactId, 'Bob');
  expect(await counted(customer.contactId)).toBe(3);
  await transfer(t, customer.contactId, 'queue');
  expect(await counted(customer.contactId)).toBe(1); // transfer succeeded, on the new contact
});

test("a full contact refuses messages and joins, each with its operation's error; leaving and ending still go through", async () => {
  const t = server();
  const customer = await startChat(t);
  // Two short of full, as after 998 items (sending them one by one would take a minute here).
  await t.server.clients.db.send(
    new UpdateCommand({
      TableName: t.server.config.tableName,
      Key: { pk: `CONTACT#${customer.contactId}`, sk: 'SESSION' },
      UpdateExpression: 'SET contactItems = :n',
      ExpressionAttributeValues: { ':n': QUOTAS.ItemsPerContact - 2 },
    }),
  );
  await say(t, customer, 'the last message that fits');
  const agent = await joinAgent(t, customer.contactId, 'Bob');
  expect(await counted(customer.contactId)).toBe(QUOTAS.ItemsPerContact);

  expect(await outcome(say(t, customer, 'one too many'))).toEqual({
    name: ValidationException.name,
    status: 400,
    message: expect.stringContaining(`at most ${QUOTAS.ItemsPerContact} transcript items`),
  });
  expect(await outcome(say(t, agent, 'one too many'))).toMatchObject({ name: ValidationException.name, status: 400 });
  const join = t.connect.send(
    new CreateParticipantCommand({
      InstanceId: INSTANCE,
      ContactId: customer.contactId,
      ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Cy' },
    }),
  );
  expect(await outcome(join)).toMatchObject({ name: ServiceQuotaExceededException.name, status: 402 });

  // Leaving and ending are never refused: the agent's leaving and `chat ended` are kept, in the file too.
  await leave(t, agent);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: customer.contactId }));
  expect(await counted(customer.contactId)).toBe(QUOTAS.ItemsPerContact + 2);
  expect((await store().getContact(customer.contactId))?.transcriptKey).toBeDefined();
  const seen = (await pageBack(t, customer, 100)).flat();
  expect(messages(seen)).toEqual(['the last message that fits']);
  expect(seen.map((item) => item.ContentType?.split('.').slice(-2).join('.'))).toEqual([
    'chat.ended',
    'participant.left',
    'participant.joined',
    'text/plain',
    'participant.joined',
  ]);
});
