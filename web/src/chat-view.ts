import { type ChatConnection, type Item, plainWords, TYPING } from './api';
import { ACCEPT, fileCard, statusOf, Uploads } from './attachments';
import { QUOTAS } from '../../lambdas/domain/limits';
import { LiveChannel } from './live';

const EVENT = {
  joined: 'application/vnd.amazonaws.connect.event.participant.joined',
  left: 'application/vnd.amazonaws.connect.event.participant.left',
  transferred: 'application/vnd.amazonaws.connect.event.transfer.succeeded',
  ended: 'application/vnd.amazonaws.connect.event.chat.ended',
};

/** Items per GetTranscript page when the chat opens and for each "Load earlier messages". */
const PAGE_SIZE = 15;
/** Without a WebSocket (before it is up, or while it is down), new items show within 2 s: poll every second. */
const POLL_MS = 1000;
/** Typing events go out at most this often while the person types (chatjs throttles alike). */
const TYPING_EVERY_MS = 5000;
/** How long "… is typing" stays up after the last typing event. */
const TYPING_SHOWN_MS = 4000;

export interface Viewer {
  role: 'CUSTOMER' | 'AGENT';
  participantId: string;
  displayName: string;
}

export interface ChatViewOptions {
  connection: ChatConnection;
  viewer: Viewer;
  /** The chat ended (`ended`), or the connection was refused because it no longer may read it (`refused`). */
  onEnded: (how: 'ended' | 'refused') => void;
  /** Shows a message to the person, or clears it (undefined). */
  onError: (message: string | undefined) => void;
  /** The chat moved to another contact (a transfer): for the customer's ContactId small print. */
  onContact?: (contactId: string) => void;
  /**
   * Past chats only, read with /widget/history's read-only credential: no composer, nothing polled or
   * pushed, and the first page shown at once (every item is a past one). The log is named by this.
   */
  history?: { label: string };
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** Views made on this page so far. */
let views = 0;

const byTime = (a: Item, b: Item) => (a.AbsoluteTime! < b.AbsoluteTime! ? -1 : a.AbsoluteTime! > b.AbsoluteTime! ? 1 : a.Id! < b.Id! ? -1 : 1);
const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const day = (iso: string) => new Date(iso).toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

/**
 * A chat's log, composer and paging, shared by the customer page and the local agent page. Items
 * are kept in transcript order and inserted where they belong, so a screen reader's live log
 * announces only what is new; conversations are split where a `chat ended` event closes one.
 */
export class ChatView {
  readonly element: HTMLElement;
  private readonly log: HTMLDivElement;
  private readonly items: HTMLOListElement;
  private readonly earlier: HTMLButtonElement;
  private readonly typing: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly message: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private readonly uploads: Uploads;

  /** Shown items in transcript order, and their elements. */
  private readonly shown: Item[] = [];
  private readonly elements = new Map<string, HTMLElement>();
  private readonly dividers = new Map<string, HTMLElement>();
  /** Every item id seen, shown or not, and the newest item of the current chat: where polling reads on from. */
  private readonly seen = new Set<string>();
  private newestCurrent?: Item;
  private olderToken?: string;
  /** Past conversations' items of the first page, shown at the first "Load earlier messages". */
  private heldBack: Item[] = [];
  private pollTimer?: ReturnType<typeof setTimeout>;
  private pollFailing = false;
  private typingSentAt = 0;
  private typingTimer?: ReturnType<typeof setTimeout>;
  private open = true;
  /** Items pushed over the WebSocket; while it is up, nothing is polled. */
  private live?: LiveChannel;
  private liveUp = false;

  constructor(private readonly options: ChatViewOptions) {
    this.earlier = el('button', { type: 'button', className: 'earlier', textContent: 'Load earlier messages', hidden: true });
    // The log scrolls by itself and takes focus, so a keyboard can scroll it. Its name must not contain
    // "Message", which labels the text box. The list inside keeps its own role: a role on the list
    // itself would leave its items outside any list.
    this.items = el('ol', { className: 'log-items' });
    this.log = el('div', { className: 'log', tabIndex: 0 }, this.items);
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-label', options.history?.label ?? 'Conversation');
    this.typing = el('p', { className: 'typing' });
    this.typing.setAttribute('role', 'status');
    this.message = document.createElement('textarea');
    // The desk shows several chats at once: each box its own id (the first keeps the customer page's).
    const messageId = views++ ? `message-${views}` : 'message';
    Object.assign(this.message, { id: messageId, name: 'message', rows: 1, maxLength: QUOTAS.MessageContent['text/plain'] });
    this.message.setAttribute('autocomplete', 'off');
    this.message.setAttribute('enterkeyhint', 'send');
    this.sendButton = el('button', { type: 'submit', textContent: 'Send' });
    // "Attach a file" opens the file picker (the input itself stays out of sight); dropping or pasting files works too.
    this.fileInput = document.createElement('input');
    Object.assign(this.fileInput, { type: 'file', accept: ACCEPT, multiple: true, hidden: true });
    this.fileInput.setAttribute('aria-label', 'File to send');
    // Short on screen beside Send; its name says it in full ("label in name": it contains what is shown).
    const attach = el('button', { type: 'button', className: 'secondary attach', textContent: 'Attach' });
    attach.setAttribute('aria-label', 'Attach a file');
    this.uploads = new Uploads(options.connection, options.onError);
    this.form = el(
      'form',
      { className: 'composer' },
      el('label', { htmlFor: messageId, textContent: 'Message' }),
      this.uploads.element,
      // Attach before the box, Send after it: Tab from the box goes to Send, as before there were files.
      attach,
      this.message,
      this.sendButton,
      this.fileInput,
    );
    this.element = el('div', { className: 'chat-view' }, this.earlier, this.log, this.typing, this.form);

    attach.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      this.sendFiles(Array.from(this.fileInput.files ?? []));
      this.fileInput.value = '';
    });
    this.element.addEventListener('dragover', (event) => {
      if (!this.open || !event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault(); // allows the drop
      this.element.classList.add('dropping');
    });
    this.element.addEventListener('dragleave', (event) => {
      if (!this.element.contains(event.relatedTarget as Node | null)) this.element.classList.remove('dropping');
    });
    this.element.addEventListener('drop', (event) => {
      this.element.classList.remove('dropping');
      if (!this.open || !event.dataTransfer?.files.length) return;
      event.preventDefault();
      this.sendFiles(Array.from(event.dataTransfer.files));
    });
    // A pasted picture (a screenshot) is sent as a file; pasted text stays text.
    this.message.addEventListener('paste', (event) => {
      const files = Array.from(event.clipboardData?.files ?? []);
      if (!files.length) return;
      event.preventDefault();
      this.sendFiles(files);
    });

    this.earlier.addEventListener('click', () => void this.loadEarlier());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    // Enter sends; Shift+Enter starts a new line.
    this.message.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.message.addEventListener('input', () => this.typed());
  }

  /**
   * Reads the newest page (with the token for older ones), then opens the WebSocket, polling until it
   * is up and whenever it is down. Throws if the chat can't be read. The chat opens on the current
   * conversation alone; earlier ones are a click away, however few they are, so a returning person
   * starts on a clean page with their history just above it.
   */
  async start(): Promise<void> {
    const page = await this.options.connection.transcript({ ScanDirection: 'BACKWARD', MaxResults: PAGE_SIZE });
    if (this.options.history) {
      this.close();
      this.merge(page.items);
      this.setOlder(page.nextToken);
      this.scrollToEnd();
      return;
    }
    this.heldBack = page.items.filter((item) => item.RelatedContactId);
    this.setOlder(page.nextToken);
    this.merge(page.items.filter((item) => !item.RelatedContactId));
    this.scrollToEnd();
    if (!this.open) return;
    this.schedulePoll();
    const urls = this.options.connection.websocketUrls;
    if (urls) {
      this.live = new LiveChannel({
        url: urls,
        onItem: (item) => this.arrived([item]),
        onUp: () => {
          this.liveUp = true;
          clearTimeout(this.pollTimer);
          // One read forward catches what came between the last poll and the subscription.
          void this.poll();
        },
        onDown: () => {
          this.liveUp = false;
          if (this.open) this.schedulePoll();
        },
      });
      this.live.start();
    }
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Whether anything is shown (a customer with no past chat has an empty history). */
  get isEmpty(): boolean {
    return this.shown.length === 0;
  }

  focus(): void {
    this.message.focus();
  }

  /** Stops polling, closes the WebSocket and the composer: the chat is over for this page. */
  close(): void {
    this.open = false;
    clearTimeout(this.pollTimer);
    this.live?.close();
    this.form.hidden = true;
    this.typing.textContent = '';
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    try {
      // Forward from the newest item known (inclusive), so a poll never rereads past chats.
      const from = this.newestCurrent?.Id;
      const page = await this.options.connection.transcript(
        from ? { ScanDirection: 'FORWARD', StartPosition: { Id: from }, MaxResults: 100 } : { ScanDirection: 'BACKWARD', MaxResults: PAGE_SIZE },
      );
      if (!this.open) return; // closed while the request was out (a transfer, the chat ended): its answer no longer matters
      if (this.pollFailing) this.options.onError(undefined);
      this.pollFailing = false;
      this.arrived(page.items);
    } catch (error) {
      if (!this.open) return;
      if (isRefused(error)) {
        this.close();
        this.options.onEnded('refused');
        return;
      }
      this.pollFailing = true;
      this.options.onError(plainWords(error, 'get new messages (still trying)'));
    }
    if (this.open && !this.liveUp) this.schedulePoll();
  }

  /** New items, polled or pushed: shown, and scrolled to if the person is reading the end of the log. */
  private arrived(items: Item[]): void {
    const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    if (this.merge(items) && nearEnd) this.scrollToEnd();
  }

  private async loadEarlier(): Promise<void> {
    this.earlier.disabled = true;
    try {
      const page = this.heldBack.length
        ? { items: this.heldBack, nextToken: this.olderToken }
        : await this.options.connection.transcript({ ScanDirection: 'BACKWARD', NextToken: this.olderToken, MaxResults: PAGE_SIZE });
      this.heldBack = [];
      const before = this.log.scrollHeight;
      this.merge(page.items);
      // Keep what the person was reading in place: the older items grow the log above it.
      this.log.scrollTop += this.log.scrollHeight - before;
      this.setOlder(page.nextToken);
      this.options.onError(undefined);
    } catch (error) {
      this.options.onError(plainWords(error, 'load earlier messages'));
    } finally {
      this.earlier.disabled = false;
    }
  }

  private setOlder(token: string | undefined): void {
    this.olderToken = token;
    const more = token !== undefined || this.heldBack.length > 0;
    const hadFocus = document.activeElement === this.earlier;
    this.earlier.hidden = !more;
    if (hadFocus && !more) this.log.focus(); // don't strand keyboard focus on a vanished button
  }

  private async send(): Promise<void> {
    const text = this.message.value.trim();
    if (!text || !this.open) return;
    this.sendButton.disabled = true;
    try {
      const sent = await this.options.connection.send(text);
      const { participantId, displayName, role } = this.options.viewer;
      this.message.value = '';
      this.options.onError(undefined);
      this.merge([
        {
          ...sent,
          Type: 'MESSAGE',
          ContentType: 'text/plain',
          Content: text,
          ParticipantId: participantId,
          DisplayName: displayName,
          ParticipantRole: role,
        },
      ]);
      this.scrollToEnd();
    } catch (error) {
      // The text stays in the box, so nothing typed is lost.
      this.options.onError(plainWords(error, 'send your message'));
    } finally {
      this.sendButton.disabled = false;
    }
  }

  /** Sends each file, one after another, each with its progress bar; their items arrive in the log like messages. */
  private sendFiles(files: File[]): void {
    if (!this.open) return;
    void files.reduce((previous, file) => previous.then(() => this.uploads.send(file)), Promise.resolve());
  }

  private typed(): void {
    const now = Date.now();
    if (now - this.typingSentAt < TYPING_EVERY_MS || !this.message.value.trim()) return;
    this.typingSentAt = now;
    // A lost typing event changes nothing the person can act on; the next keystrokes send another.
    this.options.connection.typing().catch((error: unknown) => console.warn('typing event not sent', error));
  }

  /** Adds items not seen before; true if any was shown. */
  private merge(items: Item[]): boolean {
    let added = false;
    for (const item of items) {
      // A file's item comes again once its check is done (as Amazon Connect pushes it): shown anew.
      if (item.Id && item.Type === 'ATTACHMENT' && this.seen.has(item.Id)) {
        this.update(item);
        continue;
      }
      // Receipts (pushed as MESSAGEMETADATA) are not shown on these pages.
      if (!item.Id || !item.AbsoluteTime || this.seen.has(item.Id) || (item.Type as string) === 'MESSAGEMETADATA') continue;
      if (item.ContentType === TYPING) {
        this.showTyping(item);
        continue;
      }
      this.seen.add(item.Id);
      if (item.ContactId && (!this.newestCurrent || byTime(this.newestCurrent, item) < 0)) {
        if (this.newestCurrent?.ContactId !== item.ContactId) this.options.onContact?.(item.ContactId);
        this.newestCurrent = item;
      }
      const node = this.render(item);
      if (node) {
        this.insert(item, node);
        added = true;
      }
      if (item.ContentType === EVENT.ended && item.ContactId && this.open) {
        this.close();
        this.options.onEnded('ended');
      }
    }
    if (added) this.placeDividers();
    return added;
  }

  /** An attachment's item with a new status: its card drawn again, in place. */
  private update(item: Item): void {
    const index = this.shown.findIndex((shown) => shown.Id === item.Id);
    const old = this.shown[index];
    if (!old || statusOf(old) === statusOf(item)) return;
    const updated: Item = { ...old, Attachments: item.Attachments };
    this.shown[index] = updated;
    const node = this.render(updated)!;
    this.elements.get(item.Id!)!.replaceWith(node);
    this.elements.set(item.Id!, node);
  }

  private insert(item: Item, node: HTMLElement): void {
    let index = this.shown.length;
    while (index > 0 && byTime(this.shown[index - 1]!, item) > 0) index--;
    const next = this.shown[index];
    this.shown.splice(index, 0, item);
    this.elements.set(item.Id!, node);
    this.items.insertBefore(node, next ? (this.dividers.get(next.Id!) ?? this.elements.get(next.Id!)!) : null);
  }

  /** A heading with the date before each conversation: the first item shown, and every item after a `chat ended`. */
  private placeDividers(): void {
    const wanted = new Map<string, string>();
    this.shown.forEach((item, i) => {
      if (i > 0 && this.shown[i - 1]!.ContentType !== EVENT.ended) return;
      wanted.set(item.Id!, `${item.RelatedContactId ? 'Earlier conversation' : 'This conversation'} · ${day(item.AbsoluteTime!)}`);
    });
    for (const [id, divider] of this.dividers) {
      if (wanted.get(id) === divider.textContent) continue;
      divider.remove();
      this.dividers.delete(id);
    }
    for (const [id, label] of wanted) {
      if (this.dividers.has(id)) continue;
      const divider = el('li', { className: 'divider' }, el('h2', { textContent: label }));
      this.dividers.set(id, divider);
      this.items.insertBefore(divider, this.elements.get(id)!);
    }
  }

  private render(item: Item): HTMLElement | undefined {
    const { viewer } = this.options;
    const mine = item.ParticipantId === viewer.participantId || (viewer.role === 'CUSTOMER' && item.ParticipantRole === 'CUSTOMER');
    const name = mine ? 'You' : item.DisplayName || roleName(item.ParticipantRole);
    const past = item.RelatedContactId ? ' past' : '';
    const stamp = el('time', { dateTime: item.AbsoluteTime!, textContent: time(item.AbsoluteTime!) });
    if (item.Type === 'MESSAGE') {
      return el(
        'li',
        { className: `message ${mine ? 'mine' : 'theirs'}${past}` },
        el('span', { className: 'sender', textContent: name }),
        ' ',
        stamp,
        el('p', { className: 'text', textContent: item.Content ?? '' }),
      );
    }
    if (item.Type === 'ATTACHMENT') {
      const card = fileCard(item, this.options.connection, this.options.onError, (status) =>
        this.update({ ...item, Attachments: item.Attachments?.map((attachment) => ({ ...attachment, Status: status as 'APPROVED' })) }),
      );
      return el(
        'li',
        { className: `message attachment ${mine ? 'mine' : 'theirs'}${past}` },
        el('span', { className: 'sender', textContent: name }),
        ' ',
        stamp,
        card,
      );
    }
    const text = this.eventText(item, name, mine);
    return text === undefined ? undefined : el('li', { className: `event${past}` }, el('span', { textContent: text }), ' ', stamp);
  }

  /** What an event says to this viewer; undefined for events that say nothing to a person. */
  private eventText(item: Item, name: string, mine: boolean): string | undefined {
    const customerPage = this.options.viewer.role === 'CUSTOMER';
    switch (item.ContentType) {
      case EVENT.joined:
        // The customer knows they joined; an agent wants to see who is there.
        return customerPage && mine ? undefined : `${name} joined the chat`;
      case EVENT.left:
        return customerPage && mine ? undefined : `${name} left the chat`;
      case EVENT.transferred:
        return customerPage ? 'You have been transferred. Someone will be with you shortly.' : 'The chat was transferred';
      case EVENT.ended:
        return 'Chat ended';
      default:
        return undefined;
    }
  }

  private showTyping(item: Item): void {
    if (item.ParticipantId === this.options.viewer.participantId) return;
    this.typing.textContent = `${item.DisplayName || roleName(item.ParticipantRole)} is typing…`;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => (this.typing.textContent = ''), TYPING_SHOWN_MS);
  }

  private scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

const roleName = (role: string | undefined) => (role === 'AGENT' ? 'Agent' : role === 'CUSTOMER' ? 'Customer' : 'System');

/** The connection may no longer read or write this chat: it ended, or this participant left it. */
export const isRefused = (error: unknown) => error instanceof Error && error.name === 'AccessDeniedException';
