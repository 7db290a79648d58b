import { apiBaseUrl, ChatConnection, plainWords, postJson } from './api';
import { LIMITS } from '../../lambdas/domain/limits';
import { ChatView } from './chat-view';

/**
 * The local agent desk (`/agent`, served by `npm start` only): join a chat by its ContactId, reply,
 * transfer, end. Joining, transferring and ending go through the local server's `/local/agent/*`
 * routes; the conversation itself through the participant API, as on the customer's page.
 */
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const page = {
  error: byId<HTMLParagraphElement>('error'),
  notice: byId<HTMLParagraphElement>('notice'),
  join: byId<HTMLElement>('join'),
  joinForm: byId<HTMLFormElement>('join-form'),
  contact: byId<HTMLInputElement>('contact'),
  name: byId<HTMLInputElement>('agent-name'),
  joinButton: byId<HTMLButtonElement>('join-button'),
  chat: byId<HTMLElement>('chat'),
  controls: byId<HTMLElement>('controls'),
  transferForm: byId<HTMLFormElement>('transfer-form'),
  queue: byId<HTMLInputElement>('queue'),
  stop: byId<HTMLButtonElement>('stop'),
  smallprint: byId<HTMLElement>('smallprint'),
  contactId: byId<HTMLSpanElement>('contact-id'),
};

// What the API takes, so a value the API would refuse cannot be typed.
page.contact.maxLength = LIMITS.ContactId.max;
page.name.maxLength = LIMITS.DisplayName.max;
page.queue.maxLength = LIMITS.QueueId.max;

const base = apiBaseUrl();
let current: { view: ChatView; contactId: string } | undefined;

function showError(message: string | undefined): void {
  page.error.textContent = message ?? '';
  page.error.hidden = !message;
}

/** Back to the join form with a note of what happened (and, after a transfer, the new contact filled in). */
function leftChat(notice: string, nextContactId?: string): void {
  current?.view.close();
  current = undefined;
  page.notice.textContent = notice;
  page.controls.hidden = true;
  page.join.hidden = false;
  if (nextContactId) page.contact.value = nextContactId;
  page.joinButton.focus();
}

async function join(contactId: string, displayName: string): Promise<void> {
  const joined = await postJson<{ ParticipantId: string; ParticipantToken: string }>(base, '/local/agent/join', {
    ContactId: contactId,
    DisplayName: displayName,
  });
  const connection = await ChatConnection.open(base, joined.ParticipantToken);
  const view = new ChatView({
    connection,
    viewer: { role: 'AGENT', participantId: joined.ParticipantId, displayName },
    // Refused: this agent is no longer on the contact (transferred away, or the chat ended).
    onEnded: (how) => leftChat(how === 'ended' ? 'The chat has ended.' : 'You are no longer on this contact.'),
    onError: showError,
  });
  current = { view, contactId };
  try {
    await view.start();
  } catch (error) {
    current = undefined;
    throw error;
  }
  if (!view.isOpen) return; // the chat had already ended: leftChat has said so
  page.chat.replaceChildren(view.element);
  page.chat.hidden = false;
  page.join.hidden = true;
  page.controls.hidden = false;
  page.contactId.textContent = contactId;
  page.smallprint.hidden = false;
  page.notice.textContent = '';
  showError(undefined);
  view.focus();
}

page.joinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const contactId = page.contact.value.trim();
  if (!contactId) {
    showError('Enter the Contact ID of the chat to join.');
    page.contact.focus();
    return;
  }
  page.joinButton.disabled = true;
  try {
    await join(contactId, page.name.value.trim() || 'Agent');
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    showError(
      name === 'ResourceNotFoundException'
        ? `There is no chat with Contact ID ${contactId}.`
        : name === 'ValidationException'
          ? `You can't join contact ${contactId}: ${error instanceof Error ? error.message : ''}`
          : plainWords(error, 'join the chat'),
    );
  } finally {
    page.joinButton.disabled = false;
  }
});

page.transferForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!current) return;
  const queue = page.queue.value.trim();
  try {
    const { ContactId } = await postJson<{ ContactId: string }>(base, '/local/agent/transfer', {
      ContactId: current.contactId,
      ...(queue && { QueueId: queue }),
    });
    page.queue.value = ''; // the next contact starts without a queue chosen
    leftChat(
      `Transferred${queue ? ` to queue ${queue}` : ' to a post-chat segment'}: the chat continues as contact ${ContactId}. Join it to keep talking.`,
      ContactId,
    );
  } catch (error) {
    showError(plainWords(error, 'transfer the chat'));
  }
});

page.stop.addEventListener('click', async () => {
  if (!current) return;
  try {
    await postJson(base, '/local/agent/stop', { ContactId: current.contactId });
    leftChat('You ended the chat.');
  } catch (error) {
    showError(plainWords(error, 'end the chat'));
  }
});

page.contact.value = new URLSearchParams(location.search).get('contact') ?? '';
