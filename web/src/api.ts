import {
  CompleteAttachmentUploadCommand,
  ConnectParticipantClient,
  CreateParticipantConnectionCommand,
  DisconnectParticipantCommand,
  GetAttachmentCommand,
  GetTranscriptCommand,
  type GetTranscriptCommandInput,
  type Item,
  SendEventCommand,
  SendMessageCommand,
  StartAttachmentUploadCommand,
} from '@aws-sdk/client-connectparticipant';

export type { Item };

export const TYPING = 'application/vnd.amazonaws.connect.event.typing';

/**
 * The service's base URL: the page's `<meta name="persistent-chat-api">` (set it when hosting the built
 * page apart from the API), else the page's own origin (`npm start`). Never from the page's address: a
 * link with another API in it would send that site the customer's resume and connection tokens.
 */
export function apiBaseUrl(): string {
  const fromMeta = document.querySelector<HTMLMetaElement>('meta[name="persistent-chat-api"]')?.content;
  return (fromMeta || location.origin).replace(/\/+$/, '');
}

/** Where the pages find the service and the agents' sign-in. */
export interface SiteConfig {
  /** The API's base URL. */
  api: string;
  /** The OpenID Connect issuer agents sign in with, and the desk's client there. */
  authority: string;
  clientId: string;
}

/**
 * `config.json` beside the page when the stack hosts the pages (`-c site=true`: written by the stack at
 * deploy time, lib/site.ts); else the local server: its own API (or the page's meta tag) and its own provider.
 */
export async function siteConfig(): Promise<SiteConfig> {
  const local: SiteConfig = { api: apiBaseUrl(), authority: `${location.origin}/oidc`, clientId: 'agent-desk' };
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) {
      const hosted = { ...local, ...((await response.json()) as Partial<SiteConfig>) };
      return { ...hosted, api: hosted.api.replace(/\/+$/, '') };
    }
  } catch {
    // No config file: the local server.
  }
  return local;
}

/** An error the service answered with: its wire name (`x-amzn-ErrorType`) and message. */
export class ServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A call to one of our own JSON routes (the widget route; locally, the agent page's routes), with
 * errors in the participant API's shape. The participant API itself goes through the SDK below.
 */
export async function postJson<T>(base: string, path: string, body: object): Promise<T> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (await response.json()) as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page): the status below still says what happened.
  }
  if (!response.ok) {
    const name = response.headers.get('x-amzn-errortype') ?? String(parsed.__type ?? `HTTP ${response.status}`);
    throw new ServiceError(name.split(':')[0]!, String(parsed.message ?? parsed.Message ?? response.statusText), response.status);
  }
  return parsed as T;
}

/** One participant's connection to a chat, over the real participant SDK as any Connect front end uses it. */
export class ChatConnection {
  private constructor(
    private readonly client: ConnectParticipantClient,
    readonly connectionToken: string,
    /** Kept to ask for WebSocket URLs: each one serves a single connection, and a dropped socket needs a new one. */
    readonly participantToken?: string,
    private firstUrl?: string,
    /** False when CreateParticipantConnection gave no WebSocket URL: the deployment has no WebSocket API (`-c websocket=false`). */
    private readonly websocket = true,
  ) {}

  static client(base: string): ConnectParticipantClient {
    return new ConnectParticipantClient({
      endpoint: base,
      region: 'us-east-1',
      // The participant API authenticates by X-Amz-Bearer; the SDK insists on signing as well.
      credentials: { accessKeyId: 'browser', secretAccessKey: 'browser' },
      maxAttempts: 2,
    });
  }

  /** CreateParticipantConnection, as chatjs calls it: a connection token and a first WebSocket URL. */
  static async open(base: string, participantToken: string): Promise<ChatConnection> {
    const client = ChatConnection.client(base);
    const { ConnectionCredentials, Websocket } = await client.send(
      new CreateParticipantConnectionCommand({
        ParticipantToken: participantToken,
        Type: ['WEBSOCKET', 'CONNECTION_CREDENTIALS'],
        ConnectParticipant: true,
      }),
    );
    return new ChatConnection(client, ConnectionCredentials!.ConnectionToken!, participantToken, Websocket?.Url, Websocket?.Url !== undefined);
  }

  /** A connection kept from before a reload (its token lives for a day, and only while the chat does). */
  static resume(base: string, connectionToken: string, participantToken?: string): ChatConnection {
    return new ChatConnection(ChatConnection.client(base), connectionToken, participantToken);
  }

  /**
   * A WebSocket URL for the next socket: the one CreateParticipantConnection gave first (used at once,
   * well within its 100 seconds), then a new one per call. Undefined without a participant token or
   * without a WebSocket API, and a call answers undefined once the service gives none: the page then polls.
   */
  get websocketUrls(): (() => Promise<string | undefined>) | undefined {
    const participantToken = this.participantToken;
    if (!participantToken || !this.websocket) return undefined;
    return async () => {
      const first = this.firstUrl;
      this.firstUrl = undefined;
      if (first) return first;
      const { Websocket } = await this.client.send(
        new CreateParticipantConnectionCommand({ ParticipantToken: participantToken, Type: ['WEBSOCKET'] }),
      );
      return Websocket?.Url;
    };
  }

  async transcript(input: Omit<GetTranscriptCommandInput, 'ConnectionToken'>): Promise<{ items: Item[]; nextToken?: string }> {
    const page = await this.client.send(new GetTranscriptCommand({ ConnectionToken: this.connectionToken, SortOrder: 'ASCENDING', ...input }));
    return { items: page.Transcript ?? [], nextToken: page.NextToken };
  }

  async send(text: string): Promise<{ Id: string; AbsoluteTime: string }> {
    const sent = await this.client.send(new SendMessageCommand({ ConnectionToken: this.connectionToken, ContentType: 'text/plain', Content: text }));
    return { Id: sent.Id!, AbsoluteTime: sent.AbsoluteTime! };
  }

  async typing(): Promise<void> {
    await this.client.send(new SendEventCommand({ ConnectionToken: this.connectionToken, ContentType: TYPING }));
  }

  async disconnect(): Promise<void> {
    await this.client.send(new DisconnectParticipantCommand({ ConnectionToken: this.connectionToken }));
  }

  /** StartAttachmentUpload: an id, and where to PUT the file with which headers. */
  async startUpload(file: {
    name: string;
    contentType: string;
    size: number;
  }): Promise<{ attachmentId: string; url: string; headers: Record<string, string> }> {
    const started = await this.client.send(
      new StartAttachmentUploadCommand({
        ConnectionToken: this.connectionToken,
        AttachmentName: file.name,
        ContentType: file.contentType,
        AttachmentSizeInBytes: file.size,
      }),
    );
    return { attachmentId: started.AttachmentId!, url: started.UploadMetadata!.Url!, headers: started.UploadMetadata!.HeadersToInclude ?? {} };
  }

  async completeUpload(attachmentId: string): Promise<void> {
    await this.client.send(new CompleteAttachmentUploadCommand({ ConnectionToken: this.connectionToken, AttachmentIds: [attachmentId] }));
  }

  /** GetAttachment: a short-lived download URL and the file's size. */
  async attachment(attachmentId: string): Promise<{ url: string; size: number }> {
    const got = await this.client.send(new GetAttachmentCommand({ ConnectionToken: this.connectionToken, AttachmentId: attachmentId }));
    return { url: got.Url!, size: got.AttachmentSizeInBytes! };
  }
}

/** What went wrong, in words a person can act on; `what` says what was being tried ("send your message"). */
export function plainWords(error: unknown, what: string): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'ThrottlingException') return `Too many attempts just now. Wait a few seconds, then try to ${what} again.`;
  if (name === 'AccessDeniedException') return `We couldn't ${what}: this chat is no longer open to you.`;
  if (name === 'ValidationException') return `We couldn't ${what}: ${error instanceof Error ? error.message : 'the request was not accepted'}.`;
  if (error instanceof TypeError) return `We couldn't reach the chat service to ${what}. Check your connection and try again.`;
  return `Something went wrong while trying to ${what}. Please try again in a moment.`;
}
