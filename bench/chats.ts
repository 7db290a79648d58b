import {
  type ConnectClient,
  CreateParticipantCommand,
  StartChatContactCommand,
  StopContactCommand,
  TransferContactCommand,
} from '@aws-sdk/client-connect';
import {
  type ConnectParticipantClient,
  CreateParticipantConnectionCommand,
  GetTranscriptCommand,
  SendEventCommand,
  SendMessageCommand,
} from '@aws-sdk/client-connectparticipant';
import { FrameClient } from '../test/support/websocket';

/** How the bench opens sockets and asks on them: plainly, or counted (bench/meter.ts). */
export interface Sockets {
  open(url: string): Promise<FrameClient>;
  /** Sends a frame and waits for the answer on its topic. */
  ask(client: FrameClient, topic: string, content?: object): Promise<void>;
}

export const PLAIN_SOCKETS: Sockets = {
  open: (url) => FrameClient.open(url),
  ask: async (client, topic, content) => {
    const seen = client.frames.length;
    client.send({ topic, ...(content && { content }) });
    await client.next((frame) => frame.topic === topic && client.frames.indexOf(frame) >= seen, 5000);
  },
};

const INSTANCE = 'bench';

/** A participant as chatjs has it: a connection token and, when connected, its subscribed socket. */
export interface Participant {
  token: string;
  socket?: FrameClient;
}

/** The API calls of a chat's life, through the bench's clients, with sockets opened through the meter. */
export class ChatDriver {
  constructor(
    readonly connect: ConnectClient,
    readonly participant: ConnectParticipantClient,
    private readonly sockets: Sockets,
  ) {}

  async start(source?: string): Promise<{ contactId: string; participantToken: string }> {
    const chat = await this.connect.send(
      new StartChatContactCommand({
        InstanceId: INSTANCE,
        ContactFlowId: 'flow',
        ParticipantDetails: { DisplayName: 'Customer' },
        PersistentChat: source ? { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: source } : undefined,
      }),
    );
    return { contactId: chat.ContactId!, participantToken: chat.ParticipantToken! };
  }

  /** CreateParticipantConnection as chatjs calls it; with a socket, opened and subscribed to `aws/chat`. */
  async connection(participantToken: string, socket: boolean): Promise<Participant> {
    const response = await this.participant.send(
      new CreateParticipantConnectionCommand({
        ParticipantToken: participantToken,
        Type: socket ? ['WEBSOCKET', 'CONNECTION_CREDENTIALS'] : ['CONNECTION_CREDENTIALS'],
        ConnectParticipant: true,
      }),
    );
    const token = response.ConnectionCredentials!.ConnectionToken!;
    if (!socket) return { token };
    const client = await this.sockets.open(response.Websocket!.Url!);
    await this.sockets.ask(client, 'aws/subscribe', { topics: ['aws/chat'] });
    return { token, socket: client };
  }

  async join(contactId: string, socket = true): Promise<Participant> {
    const joined = await this.connect.send(
      new CreateParticipantCommand({
        InstanceId: INSTANCE,
        ContactId: contactId,
        ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Agent' },
      }),
    );
    return this.connection(joined.ParticipantCredentials!.ParticipantToken!, socket);
  }

  say(who: Participant, text: string) {
    return this.participant.send(new SendMessageCommand({ ConnectionToken: who.token, ContentType: 'text/plain', Content: text }));
  }

  read(who: Participant, maxResults = 15) {
    return this.participant.send(new GetTranscriptCommand({ ConnectionToken: who.token, MaxResults: maxResults, ScanDirection: 'BACKWARD' }));
  }

  receipt(who: Participant, messageId: string) {
    return this.participant.send(
      new SendEventCommand({
        ConnectionToken: who.token,
        ContentType: 'application/vnd.amazonaws.connect.event.message.read',
        Content: JSON.stringify({ messageId }),
      }),
    );
  }

  async transfer(contactId: string): Promise<string> {
    const { ContactId } = await this.connect.send(
      new TransferContactCommand({ InstanceId: INSTANCE, ContactId: contactId, ContactFlowId: 'flow', QueueId: 'q' }),
    );
    return ContactId!;
  }

  stop(contactId: string) {
    return this.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
  }
}
