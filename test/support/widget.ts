import { CreateParticipantConnectionCommand } from '@aws-sdk/client-connectparticipant';
import type { Connected } from './chat';
import type { TestServer } from './local-server';

/** What `POST /widget/chat` answers. */
export interface WidgetChat {
  ContactId: string;
  ParticipantId: string;
  ParticipantToken: string;
  ResumeToken: string;
  ContinuedFromContactId?: string;
}

export interface WidgetAnswer {
  status: number;
  errorType: string | null;
  body: Record<string, string>;
}

/** The public widget routes through plain fetch, as a browser calls them: no AWS credentials, no SDK. */
export function widgetCalls(t: () => TestServer) {
  const post = async (path: string, body: unknown): Promise<WidgetAnswer> => {
    const response = await fetch(`${t().server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: (await response.json()) as Record<string, string> };
  };
  const widget = (body: unknown) => post('/widget/chat', body);
  return {
    widget,
    forget: (body: unknown) => post('/widget/forget', body),
    async chat(body: { DisplayName?: string; ResumeToken?: string }): Promise<WidgetChat> {
      const answer = await widget(body);
      if (answer.status !== 200) throw new Error(`widget answered ${answer.status} ${answer.errorType}: ${answer.body.message}`);
      return answer.body as unknown as WidgetChat;
    },
    /** The browser's next step: CreateParticipantConnection with the participant token. */
    async connect(started: WidgetChat): Promise<Connected> {
      const { ConnectionCredentials } = await t().participant.send(
        new CreateParticipantConnectionCommand({ ParticipantToken: started.ParticipantToken, Type: ['CONNECTION_CREDENTIALS'] }),
      );
      return { contactId: started.ContactId, participantId: started.ParticipantId, connectionToken: ConnectionCredentials!.ConnectionToken! };
    },
  };
}

export const tokenPayload = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { i: string; c: string; x: number };
