import {
  CreateParticipantCommand,
  StartChatContactCommand,
  type StartChatContactCommandInput,
  TransferContactCommand,
} from '@aws-sdk/client-connect';
import {
  CreateParticipantConnectionCommand,
  DisconnectParticipantCommand,
  GetTranscriptCommand,
  type GetTranscriptCommandInput,
  type Item,
  SendMessageCommand,
} from '@aws-sdk/client-connectparticipant';
import type { TestServer } from './local-server';

export const INSTANCE = 'instance-1';

/** A participant of a chat, connected through CreateParticipantConnection. */
export interface Connected {
  contactId: string;
  participantId: string;
  connectionToken: string;
}

async function connection(t: TestServer, participantToken: string): Promise<string> {
  const { ConnectionCredentials } = await t.participant.send(
    new CreateParticipantConnectionCommand({ ParticipantToken: participantToken, Type: ['CONNECTION_CREDENTIALS'], ConnectParticipant: true }),
  );
  return ConnectionCredentials!.ConnectionToken!;
}

export async function startChat(t: TestServer, extra: Partial<StartChatContactCommandInput> = {}): Promise<Connected & { continuedFrom?: string }> {
  const started = await t.connect.send(
    new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Customer' }, ...extra }),
  );
  return {
    contactId: started.ContactId!,
    participantId: started.ParticipantId!,
    connectionToken: await connection(t, started.ParticipantToken!),
    continuedFrom: started.ContinuedFromContactId,
  };
}

export async function joinAgent(t: TestServer, contactId: string, name: string): Promise<Connected> {
  const { ParticipantCredentials, ParticipantId } = await t.connect.send(
    new CreateParticipantCommand({ InstanceId: INSTANCE, ContactId: contactId, ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: name } }),
  );
  return { contactId, participantId: ParticipantId!, connectionToken: await connection(t, ParticipantCredentials!.ParticipantToken!) };
}

export async function transfer(t: TestServer, contactId: string, queueId?: string): Promise<string> {
  const { ContactId } = await t.connect.send(
    new TransferContactCommand({ InstanceId: INSTANCE, ContactId: contactId, ContactFlowId: 'flow', QueueId: queueId }),
  );
  return ContactId!;
}

export async function say(t: TestServer, who: Connected, text: string): Promise<string> {
  const { Id } = await t.participant.send(new SendMessageCommand({ ConnectionToken: who.connectionToken, ContentType: 'text/plain', Content: text }));
  return Id!;
}

export async function leave(t: TestServer, who: Connected): Promise<void> {
  await t.participant.send(new DisconnectParticipantCommand({ ConnectionToken: who.connectionToken }));
}

/** Every page of a BACKWARD walk from the newest item, as a reader would page back. */
export async function pageBack(t: TestServer, who: Connected, maxResults: number, extra: Partial<GetTranscriptCommandInput> = {}) {
  const pages: Item[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await t.participant.send(
      new GetTranscriptCommand({
        ConnectionToken: who.connectionToken,
        MaxResults: maxResults,
        ScanDirection: 'BACKWARD',
        NextToken: nextToken,
        ...extra,
      }),
    );
    pages.push(page.Transcript ?? []);
    nextToken = page.NextToken;
    if (pages.length > 10_000) throw new Error('paging does not end');
  } while (nextToken);
  return pages;
}

export const messages = (items: Item[]) => items.filter((item) => item.Type === 'MESSAGE').map((item) => item.Content);
