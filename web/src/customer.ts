import { ChatConnection, plainWords, postJson, ServiceError, siteConfig } from './api';
import { LIMITS } from '../../lambdas/domain/limits';
import { ChatView, isRefused } from './chat-view';
import { CustomerTokenSource } from './host';

/** What `POST /widget/chat` returns: StartChatContact's fields and the token to come back with. */
interface WidgetChat {
  ContactId: string;
  ParticipantId: string;
  ParticipantToken: string;
  ResumeToken: string;
}

/** What `POST /widget/history` returns: a read-only credential for the line's transcript. */
interface History {
  ConnectionToken: string;
}

/**
 * localStorage: the resume token and name, to continue the conversation days later (the token
 * expires 30 days after it was issued). sessionStorage: this tab's connection, so a reload goes
 * straight back into the open chat, as Amazon Connect's own widget keeps it.
 */
const REMEMBERED = 'persistent-chat.remembered';
const CONNECTED = 'persistent-chat.connected';

interface Remembered {
  resumeToken: string;
  name: string;
}

interface Connected {
  connectionToken: string;
  /** For new WebSocket URLs after a reload, as Amazon Connect's widget keeps it for the tab's session. */
  participantToken?: string;
  participantId: string;
  contactId: string;
  name: string;
}

const read = <T>(storage: Storage, key: string): T | undefined => {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null') ?? undefined;
  } catch {
    return undefined; // unreadable: as if nothing were kept
  }
};

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const page = {
  error: byId<HTMLParagraphElement>('error'),
  welcome: byId<HTMLElement>('welcome'),
  welcomeTitle: byId<HTMLHeadingElement>('welcome-title'),
  form: byId<HTMLFormElement>('start-form'),
  name: byId<HTMLInputElement>('name'),
  start: byId<HTMLButtonElement>('start'),
  continue: byId<HTMLButtonElement>('continue'),
  continueHint: byId<HTMLParagraphElement>('continue-hint'),
  forget: byId<HTMLButtonElement>('forget'),
  earlier: byId<HTMLElement>('earlier'),
  earlierLog: byId<HTMLDivElement>('earlier-log'),
  chat: byId<HTMLElement>('chat'),
  end: byId<HTMLButtonElement>('end'),
  smallprint: byId<HTMLElement>('smallprint'),
  contactId: byId<HTMLSpanElement>('contact-id'),
};

// What the API takes, so a name the API would refuse cannot be typed.
page.name.maxLength = LIMITS.DisplayName.max;

// Asked for at once, awaited only by the first call: the welcome form does not wait for it.
const base = siteConfig().then((config) => config.api);
const customer = new CustomerTokenSource();
let current: { view: ChatView; connection: ChatConnection } | undefined;
/** The earlier conversations shown on the welcome screen, and which load of them is the latest. */
let history: ChatView | undefined;
let historyLoads = 0;

/** Signed out, or the host's customer token lapsed with no fresh one: the page goes on with resume tokens. */
class SignedOut extends Error {}

/**
 * One of the widget routes with the customer token; after a 403 (expired, or the host rotated its
 * secret) the host is asked for a fresh token once, and the call made again with it.
 */
async function asCustomer<T>(path: string, body: object): Promise<T> {
  for (const fresh of [false, true]) {
    const token = await customer.token({ fresh });
    if (!token) throw new SignedOut();
    try {
      return await postJson<T>(await base, path, { ...body, CustomerToken: token });
    } catch (error) {
      if (fresh || !(error instanceof ServiceError && error.status === 403)) throw error;
    }
  }
  throw new SignedOut(); // not reached: the second pass returns or throws
}

function showError(message: string | undefined): void {
  page.error.textContent = message ?? '';
  page.error.hidden = !message;
}

/**
 * The welcome form. Signed in, the customer's line is the host's to name: one button to it, and nothing
 * kept in this browser to forget. `withHistory`: the earlier conversations above the form (not after a
 * chat ends here, whose log is still in view).
 */
function showWelcome(title: string, { withHistory = false } = {}): void {
  const remembered = customer.signedIn ? undefined : read<Remembered>(localStorage, REMEMBERED);
  page.welcomeTitle.textContent = title;
  if (!page.name.value) page.name.value = (customer.signedIn ? customer.name : remembered?.name) ?? '';
  page.continue.hidden = page.continueHint.hidden = !remembered && !customer.signedIn;
  page.start.hidden = customer.signedIn;
  page.forget.hidden = !remembered;
  page.end.hidden = true;
  page.welcome.hidden = false;
  clearHistory();
  if (withHistory && (remembered || customer.signedIn)) void showHistory(remembered, historyLoads);
}

/** Takes the earlier conversations off the page (a chat opens, or the welcome shows anew); a load still out is dropped. */
function clearHistory(): void {
  history?.close();
  history = undefined;
  page.earlierLog.replaceChildren();
  page.earlier.hidden = true;
  historyLoads++;
}

/**
 * "Earlier conversations": /widget/history's read-only credential, paged BACKWARD through the whole line
 * with GetTranscript, before the customer chooses to continue. Nothing is started or written.
 */
async function showHistory(remembered: Remembered | undefined, load: number): Promise<void> {
  try {
    const credential = remembered
      ? await postJson<History>(await base, '/widget/history', { ResumeToken: remembered.resumeToken })
      : await asCustomer<History>('/widget/history', {});
    const view = new ChatView({
      connection: ChatConnection.resume(await base, credential.ConnectionToken),
      viewer: { role: 'CUSTOMER', participantId: '', displayName: '' },
      onEnded: () => undefined,
      onError: showError,
      history: { label: 'Earlier conversations' },
    });
    await view.start();
    if (load !== historyLoads || page.welcome.hidden) return; // the page moved on meanwhile
    history = view;
    page.earlierLog.replaceChildren(view.element);
    page.earlier.hidden = view.isEmpty;
    // A signed-in customer with no chat yet has nothing to continue.
    if (customer.signedIn && view.isEmpty) [page.start.hidden, page.continue.hidden, page.continueHint.hidden] = [false, true, true];
  } catch (error) {
    // The welcome works without them; a dead resume token is said when "Continue chat" is chosen.
    console.warn('earlier conversations not shown', error);
  }
}

function busy(on: boolean): void {
  page.start.disabled = page.continue.disabled = on;
  page.welcome.setAttribute('aria-busy', String(on));
}

/** Opens the chat view on a connection; throws (leaving the page as it was) if the chat can't be read with it. */
async function enter(connection: ChatConnection, connected: Connected): Promise<void> {
  const remember = (contactId: string) => {
    page.contactId.textContent = contactId;
    sessionStorage.setItem(CONNECTED, JSON.stringify({ ...connected, contactId } satisfies Connected));
  };
  const view = new ChatView({
    connection,
    viewer: { role: 'CUSTOMER', participantId: connected.participantId, displayName: connected.name },
    onEnded: () => ended('This chat has ended. You can continue it whenever you like.'),
    onError: showError,
    onContact: remember, // a transfer moves the chat to a new contact
  });
  current?.view.close();
  current = { view, connection };
  clearHistory(); // the chat's own log pages back through the same line
  remember(connected.contactId);
  page.smallprint.hidden = false;
  page.chat.replaceChildren(view.element);
  page.chat.hidden = false;
  page.welcome.hidden = true;
  page.end.hidden = false;
  showError(undefined);
  try {
    await view.start(); // an already ended chat shows its log, and `ended` brings the welcome form back
  } catch (error) {
    view.close();
    current = undefined;
    page.chat.hidden = page.end.hidden = page.smallprint.hidden = true;
    page.welcome.hidden = false;
    throw error;
  }
  if (view.isOpen) view.focus();
}

function ended(title: string): void {
  sessionStorage.removeItem(CONNECTED);
  current?.view.close();
  showWelcome(title);
  page.continue.focus();
}

/**
 * Signed in: the customer's line, with the customer token (rejoined, continued or started). Else starts a
 * chat, or with a resume token rejoins or continues the remembered one.
 */
async function begin(request: { DisplayName?: string; ResumeToken?: string }, what: string): Promise<void> {
  busy(true);
  try {
    const signedIn = customer.signedIn;
    const chat = signedIn
      ? await asCustomer<WidgetChat>('/widget/chat', { ...(request.DisplayName && { DisplayName: request.DisplayName }) })
      : await postJson<WidgetChat>(await base, '/widget/chat', request);
    const name = request.DisplayName ?? (signedIn ? customer.name : read<Remembered>(localStorage, REMEMBERED)?.name) ?? '';
    // Signed in, the host's token finds the line again from any device: no resume token is left behind for the next person here.
    if (!signedIn) localStorage.setItem(REMEMBERED, JSON.stringify({ resumeToken: chat.ResumeToken, name } satisfies Remembered));
    const connection = await ChatConnection.open(await base, chat.ParticipantToken);
    await enter(connection, {
      connectionToken: connection.connectionToken,
      participantToken: chat.ParticipantToken,
      participantId: chat.ParticipantId,
      contactId: chat.ContactId,
      name,
    });
  } catch (error) {
    if (error instanceof SignedOut) {
      showWelcome('Hello! How can we help?', { withHistory: true });
      showError('Your sign-in has expired. Sign in again on the site to continue your conversations, or start a new chat here.');
    } else if (request.ResumeToken && error instanceof ServiceError && [400, 403, 404].includes(error.status)) {
      // A token that can never work again: forget it, so the page stops offering it.
      localStorage.removeItem(REMEMBERED);
      showWelcome('Start a new chat');
      showError("We couldn't continue your earlier chat: the link to it is no longer valid or has expired. Please start a new chat.");
      page.name.focus();
    } else {
      showError(plainWords(error, what));
    }
  } finally {
    busy(false);
  }
}

page.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = page.name.value.trim();
  if (!name) {
    showError('Please enter your name to start a chat.');
    page.name.focus();
    return;
  }
  void begin({ DisplayName: name }, 'start a chat');
});

page.continue.addEventListener('click', () => {
  const remembered = read<Remembered>(localStorage, REMEMBERED);
  const name = page.name.value.trim();
  if (customer.signedIn) void begin({ ...(name && { DisplayName: name }) }, 'continue your chat');
  else if (remembered) void begin({ ResumeToken: remembered.resumeToken, ...(name && { DisplayName: name }) }, 'continue your chat');
});

/**
 * On a shared device: the earlier chat's resume token (its whole history) leaves this browser, and the
 * service stops honouring it, so a copy kept elsewhere stops working too. That call is best effort:
 * forgetting here does not wait for it.
 */
page.forget.addEventListener('click', () => {
  const remembered = read<Remembered>(localStorage, REMEMBERED);
  if (remembered) void base.then((api) => postJson(api, '/widget/forget', { ResumeToken: remembered.resumeToken })).catch(() => undefined);
  localStorage.removeItem(REMEMBERED);
  sessionStorage.removeItem(CONNECTED);
  page.name.value = '';
  showError(undefined);
  showWelcome('Hello! How can we help?');
  page.name.focus();
});

page.end.addEventListener('click', async () => {
  const chat = current;
  if (!chat) return;
  page.end.disabled = true;
  try {
    await chat.connection.disconnect();
    // The pushed `chat ended` may have shown the welcome already, and "Continue chat" opened another chat: leave that one be.
    if (current === chat) ended('You ended the chat. You can continue it whenever you like.');
  } catch (error) {
    if (current !== chat) return;
    if (isRefused(error)) ended('This chat has ended. You can continue it whenever you like.');
    else showError(plainWords(error, 'end the chat'));
  } finally {
    page.end.disabled = false;
  }
});

/** A reload mid-chat goes straight back in with this tab's connection; otherwise the welcome form. */
async function main(): Promise<void> {
  const connected = read<Connected>(sessionStorage, CONNECTED);
  if (connected) {
    try {
      await enter(ChatConnection.resume(await base, connected.connectionToken, connected.participantToken), connected);
      return;
    } catch (error) {
      sessionStorage.removeItem(CONNECTED);
      if (!isRefused(error)) showError(plainWords(error, 'reopen your chat'));
    }
  }
  // Embedded without a token in the address: the host may hand one over on request (within 5 s).
  if (!customer.signedIn) await customer.token();
  const remembered = read<Remembered>(localStorage, REMEMBERED);
  const name = customer.signedIn ? customer.name : remembered?.name;
  const returning = customer.signedIn || remembered;
  showWelcome(returning ? `Welcome${remembered ? ' back' : ''}${name ? `, ${name}` : ''}` : 'Hello! How can we help?', { withHistory: true });
}

void main();
