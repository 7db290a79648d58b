import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { ChatConnection, plainWords, ServiceError, siteConfig } from './api';
import { LIMITS } from '../../lambdas/domain/limits';
import { ChatView } from './chat-view';

/**
 * The agent desk (`/agent`): sign in (OpenID Connect, authorization code with PKCE: the local
 * provider on `npm start`, Cognito's managed login on AWS), the waiting chats of the agent's queues,
 * accept, and the accepted chats side by side, each with the customer's whole line. Routing goes
 * through the agent API (docs/agents.md) with the access token; each conversation through the
 * participant API with the agent's participant token, exactly as the customer's page does.
 */
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const page = {
  error: byId<HTMLParagraphElement>('error'),
  notice: byId<HTMLParagraphElement>('notice'),
  who: byId<HTMLParagraphElement>('who'),
  signedOut: byId<HTMLElement>('signed-out'),
  signIn: byId<HTMLButtonElement>('sign-in'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  queue: byId<HTMLElement>('queue'),
  waiting: byId<HTMLUListElement>('waiting'),
  noneWaiting: byId<HTMLParagraphElement>('none-waiting'),
  chats: byId<HTMLElement>('chats'),
};

/**
 * How often the waiting list is read: every second while the desk has no socket, else only when the
 * socket says it changed and every 30 s, which keeps the agent signed in (docs/agents.md) and shows a
 * chat held for another agent once the hold ends.
 */
const WAITING_READ_MS = { withoutPush: 1000, withPush: 30_000 };
/** The desk's socket, reopened after a drop: 1 s, doubling, at most 30 s; a heartbeat keeps an idle one open. */
const PUSH_RETRY_MS = { first: 1000, max: 30_000 };
const PUSH_HEARTBEAT_MS = 60_000;

interface WaitingContact {
  ContactId: string;
  QueueId: string;
  CustomerName: string;
  WaitingSeconds: number;
  ReturningCustomer: boolean;
  ReservedForMe: boolean;
}

interface Joined {
  ParticipantId: string;
  ParticipantCredentials: { ParticipantToken: string };
}

const config = await siteConfig();
const base = config.api;
const redirectUri = `${location.origin}${location.pathname}`;
const users = new UserManager({
  authority: config.authority,
  client_id: config.clientId,
  redirect_uri: redirectUri,
  post_logout_redirect_uri: redirectUri,
  response_type: 'code',
  scope: 'openid',
  // The tab's own session: another tab signs in as another agent.
  userStore: new WebStorageStateStore({ store: sessionStorage }),
  stateStore: new WebStorageStateStore({ store: sessionStorage }),
});

let accessToken = '';
const open = new Map<string, { view: ChatView; panel: HTMLElement }>();
/** The contacts shown in the list at the last read, with their customer's name, to tell when one was taken. */
let shown = new Map<string, string>();
const accepting = new Set<string>();

function showError(message: string | undefined): void {
  page.error.textContent = message ?? '';
  page.error.hidden = !message;
}

function notice(message: string): void {
  page.notice.textContent = message;
}

async function agentApi<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
  const response = await fetch(`${base}/agent-api/${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body && { 'content-type': 'application/json' }) },
    body: body && JSON.stringify(body),
  });
  const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 401) {
    // The token expired (an hour) or was refused: sign in again.
    await users.removeUser();
    showSignedOut('Your sign-in has expired. Sign in again.');
  }
  if (!response.ok) throw new ServiceError(String(parsed.__type ?? `HTTP ${response.status}`), String(parsed.message ?? ''), response.status);
  return parsed as T;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

const waited = (seconds: number) => (seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`);

function renderWaiting(contacts: WaitingContact[]): void {
  const now = new Map(contacts.map((contact) => [contact.ContactId, contact.CustomerName]));
  for (const [contactId, name] of shown) {
    if (!now.has(contactId) && !open.has(contactId) && !accepting.has(contactId))
      notice(`${name}'s chat is no longer waiting: another agent took it, or it ended.`);
  }
  shown = now;
  page.waiting.replaceChildren(
    ...contacts.map((contact) => {
      const accept = el('button', { type: 'button', textContent: 'Accept' });
      accept.setAttribute('aria-label', `Accept chat with ${contact.CustomerName}`);
      accept.addEventListener('click', () => void acceptChat(contact, accept));
      const marks = [
        contact.ReturningCustomer ? el('span', { className: 'mark', textContent: 'returning customer' }) : '',
        contact.ReservedForMe ? el('span', { className: 'mark reserved', textContent: 'reserved for you' }) : '',
      ];
      const item = el(
        'li',
        { className: 'waiting-contact' },
        el('span', { className: 'customer', textContent: contact.CustomerName || 'Customer' }),
        el('span', { className: 'queue-name', textContent: `queue ${contact.QueueId}` }),
        el('span', { className: 'waited', textContent: `waiting ${waited(contact.WaitingSeconds)}` }),
        ...marks,
        accept,
      );
      item.dataset.contactId = contact.ContactId;
      return item;
    }),
  );
  page.noneWaiting.hidden = contacts.length > 0;
}

let lastRead = 0;
let reading: Promise<void> | undefined;
let readAgain = false;

/** Reads the waiting list; asked while a read is under way, reads once more after it (nudges come in bursts). */
async function refreshWaiting(): Promise<void> {
  if (!accessToken) return;
  if (reading) {
    readAgain = true;
    return reading;
  }
  reading = (async () => {
    do {
      readAgain = false;
      lastRead = Date.now();
      try {
        renderWaiting((await agentApi<{ Contacts: WaitingContact[] }>('GET', 'waiting')).Contacts);
      } catch (error) {
        if (accessToken) showError(plainWords(error, 'read the waiting chats'));
      }
    } while (readAgain && accessToken);
  })().finally(() => {
    reading = undefined;
  });
  return reading;
}

/**
 * The desk's socket (`POST /agent-api/connection`): told when a waiting list of the agent's changes,
 * the desk reads it again. None without a WebSocket API; while it is down, the desk polls.
 */
const push = {
  socket: undefined as WebSocket | undefined,
  retryMs: PUSH_RETRY_MS.first,
  get up(): boolean {
    return push.socket?.readyState === WebSocket.OPEN;
  },
  async open(): Promise<void> {
    if (!accessToken) return;
    let url: string | undefined;
    try {
      url = (await agentApi<{ Url?: string }>('POST', 'connection')).Url;
    } catch {
      return push.retry();
    }
    if (!url) return;
    const socket = new WebSocket(url);
    push.socket = socket;
    const heartbeat = setInterval(() => socket.send(JSON.stringify({ topic: 'aws/heartbeat' })), PUSH_HEARTBEAT_MS);
    socket.addEventListener('open', () => {
      push.retryMs = PUSH_RETRY_MS.first;
      // What changed before the socket was open.
      void refreshWaiting();
    });
    socket.addEventListener('message', (event) => {
      if ((JSON.parse(String(event.data)) as { topic?: string }).topic === 'agent/waiting') void refreshWaiting();
    });
    socket.addEventListener('close', () => {
      clearInterval(heartbeat);
      if (push.socket !== socket) return;
      push.socket = undefined;
      push.retry();
    });
  },
  retry(): void {
    if (!accessToken) return;
    setTimeout(() => void push.open(), push.retryMs);
    push.retryMs = Math.min(push.retryMs * 2, PUSH_RETRY_MS.max);
  },
  close(): void {
    const { socket } = push;
    push.socket = undefined;
    socket?.close();
  },
};

async function acceptChat(contact: WaitingContact, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  accepting.add(contact.ContactId);
  try {
    const joined = await agentApi<Joined>('POST', 'accept', { ContactId: contact.ContactId });
    await openChat(contact.ContactId, contact.CustomerName, joined);
    showError(undefined);
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'ConflictException') notice(`${contact.CustomerName}'s chat was taken by another agent.`);
    else if (name === 'ServiceQuotaExceededException') showError('You are in as many chats as you can take at once. End one first.');
    else showError(plainWords(error, 'accept the chat'));
  } finally {
    accepting.delete(contact.ContactId);
    await refreshWaiting();
  }
}

/** Closes a chat's panel (if still open: the chat's own end event may have closed it first) and says why. */
function closeChat(contactId: string, message: string): void {
  const chat = open.get(contactId);
  chat?.view.close();
  chat?.panel.remove();
  open.delete(contactId);
  if (message) notice(message);
}

async function openChat(contactId: string, customerName: string, joined: Joined): Promise<void> {
  const user = await users.getUser();
  const displayName = String(user?.profile.username ?? 'Agent');
  const connection = await ChatConnection.open(base, joined.ParticipantCredentials.ParticipantToken);
  const view = new ChatView({
    connection,
    viewer: { role: 'AGENT', participantId: joined.ParticipantId, displayName },
    onEnded: (how) =>
      closeChat(contactId, how === 'ended' ? `The chat with ${customerName} has ended.` : `You are no longer in the chat with ${customerName}.`),
    onError: showError,
  });
  const titleId = `chat-title-${contactId}`;
  const transferTo = document.createElement('select');
  transferTo.append(new Option('to queue', 'queue'), new Option('to agent', 'agent'));
  transferTo.setAttribute('aria-label', 'Transfer to');
  const target = document.createElement('input');
  // What the API takes, so a value it would refuse cannot be typed.
  const targetLimit = () => (transferTo.value === 'agent' ? LIMITS.AgentResourceId : LIMITS.QueueId).max;
  target.maxLength = targetLimit();
  transferTo.addEventListener('change', () => {
    target.maxLength = targetLimit();
  });
  target.autocomplete = 'off';
  target.setAttribute('aria-label', 'Queue or agent');
  const transfer = el(
    'form',
    { className: 'transfer' },
    transferTo,
    target,
    el('button', { type: 'submit', className: 'secondary', textContent: 'Transfer' }),
  );
  const end = el('button', { type: 'button', className: 'danger', textContent: 'End chat' });
  const panel = el(
    'section',
    { className: 'desk-chat' },
    el('h2', { id: titleId, textContent: customerName || 'Customer' }),
    view.element,
    el('div', { className: 'controls' }, transfer, end),
  );
  panel.setAttribute('aria-labelledby', titleId);
  open.set(contactId, { view, panel });
  transfer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const to = target.value.trim();
    if (!to) {
      showError('Name the queue or the agent to transfer to.');
      target.focus();
      return;
    }
    try {
      await agentApi('POST', 'transfer', { ContactId: contactId, ...(transferTo.value === 'agent' ? { UserId: to } : { QueueId: to }) });
      closeChat(contactId, `Transferred ${customerName}'s chat ${transferTo.value === 'agent' ? 'to agent' : 'to queue'} ${to}.`);
    } catch (error) {
      showError(plainWords(error, 'transfer the chat'));
    }
  });
  end.addEventListener('click', async () => {
    try {
      await agentApi('POST', 'end', { ContactId: contactId });
      closeChat(contactId, `You ended the chat with ${customerName}.`);
    } catch (error) {
      showError(plainWords(error, 'end the chat'));
    }
  });
  page.chats.append(panel);
  await view.start();
  if (view.isOpen) view.focus();
}

/** A reloaded desk: the chats the agent is still in, each with a fresh participant token. */
async function reopenChats(): Promise<void> {
  const { Chats } = await agentApi<{ Chats: { ContactId: string; CustomerName?: string }[] }>('GET', 'chats');
  for (const chat of Chats) {
    if (open.has(chat.ContactId)) continue;
    await openChat(chat.ContactId, chat.CustomerName ?? 'Customer', await agentApi<Joined>('POST', 'rejoin', { ContactId: chat.ContactId }));
  }
}

function showSignedOut(message?: string): void {
  accessToken = '';
  push.close();
  for (const contactId of [...open.keys()]) closeChat(contactId, '');
  page.signedOut.hidden = false;
  page.queue.hidden = true;
  page.who.hidden = true;
  page.signOut.hidden = true;
  notice(message ?? '');
}

async function signedIn(token: string, username: string, queues: string[]): Promise<void> {
  accessToken = token;
  page.signedOut.hidden = true;
  page.queue.hidden = false;
  page.who.hidden = false;
  page.signOut.hidden = false;
  page.who.textContent = `Signed in as ${username}${queues.length ? ` (queues: ${queues.join(', ')})` : ''}`;
  await refreshWaiting();
  await reopenChats();
  void push.open();
  const loop = async () => {
    if (Date.now() - lastRead >= (push.up ? WAITING_READ_MS.withPush : WAITING_READ_MS.withoutPush)) await refreshWaiting();
    if (accessToken) setTimeout(() => void loop(), WAITING_READ_MS.withoutPush);
  };
  setTimeout(() => void loop(), WAITING_READ_MS.withoutPush);
}

page.signIn.addEventListener('click', () => void users.signinRedirect());
page.signOut.addEventListener('click', async () => {
  await agentApi('POST', 'sign-out').catch(() => undefined);
  await users.removeUser();
  showSignedOut('You signed out.');
});

try {
  const params = new URLSearchParams(location.search);
  if (params.has('code') && params.has('state')) {
    await users.signinRedirectCallback();
    history.replaceState(null, '', redirectUri);
  }
  const user = await users.getUser();
  if (user && !user.expired) {
    // The access token's claims say who and which queues; the ID token's profile carries the same.
    const groups = user.profile['cognito:groups'];
    await signedIn(user.access_token, String(user.profile.username ?? user.profile.sub), Array.isArray(groups) ? groups.map(String) : []);
  } else showSignedOut();
} catch (error) {
  showSignedOut();
  showError(plainWords(error, 'sign in'));
}
