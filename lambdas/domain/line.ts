import { DomainError, invalidRequest } from './errors';
import type { ChatSession, Contact, ContactRef } from './model';
import { type SourceClaim, WriteConflict } from './ports';

/**
 * The customer's line: every contact the customer has had, oldest first. Inside a chat, contacts
 * follow one another by transfer (PreviousContactId, NextContactId); a persistent chat's first
 * contact continues a past chat's contact (the source segment, or that chat's last contact), so the
 * line runs on through every past chat, cumulatively, to the very first. Backward the line is one
 * path; forward it may fork (each contact can seed one chat), and the widget follows the fork that
 * continued a chat's whole session.
 *
 * This module owns the line's rules: what may continue what, and how (`continuation`, made atomic by
 * the store's `SourceClaim`), and walking it (`chatsBefore`, `chatsFrom`, and the page walk of
 * transcript-pages.ts, which steps from contact to contact by `linePrevious`/`lineNext`).
 */

/**
 * The one bound on a walk along the line: at most this many steps (from a contact or a chat to its
 * neighbour) in one request, so a request costs at most this many store reads however long the line
 * grows (every widget visit after a chat ends adds a chat). What a walk does at the bound is never
 * less than its reader is owed, and never silent:
 * - a transcript page stops and hands back a NextToken from where it stopped: the reader reads on.
 *   Honest pages never meet it: every contact starts with an item, so a page (at most 100 items, or
 *   MostRecent's 101) spans at most 101 contacts;
 * - `chatsFrom` (a resume token followed to its newest chat) and `chatsBefore` (GetAttachment's look
 *   back) fail with `lineTooLong` (GetAttachment: AccessDenied, saying so) rather than answer as if
 *   the line ended there. Honest use stays inside it: every widget visit hands out a token for the
 *   newest chat, and Amazon Connect itself rehydrates at most 100 past contacts.
 * The bound could go from the forward walk only with a pointer to the newest chat kept up to date by
 * every continuation; the backward walk cannot jump at all (each chat names only the one before).
 */
export const MAX_LINE_STEPS = 100;

export const lineTooLong = () =>
  new DomainError('QuotaExceeded', `The customer's line goes on for more than ${MAX_LINE_STEPS} chats from here: a request follows it no further`);

/** What a contact's neighbours keep of it. */
export const contactRef = ({ contactId, initialContactId, initiationTimestamp }: Contact): ContactRef => ({
  contactId,
  initialContactId,
  initiationTimestamp,
});

/** A neighbour known by its id alone (contacts stored before refs were kept): its record must be read to find its transcript. */
export type LineLink = Pick<ContactRef, 'contactId'> & Partial<ContactRef>;

/** Whether a link names the contact's chat and start (links stored before refs were kept name only the contact). */
export const inFull = (link: LineLink): link is ContactRef => link.initialContactId !== undefined && link.initiationTimestamp !== undefined;

/** The contact before this one in the line. */
export function linePrevious(contact: Contact): LineLink | undefined {
  if (contact.linePrevious) return contact.linePrevious;
  if (contact.previousContactId) return { contactId: contact.previousContactId, initialContactId: contact.initialContactId };
  return contact.continuedFromContactId ? { contactId: contact.continuedFromContactId } : undefined;
}

/** The contact after this one, within its chat (a chat is continued only by a new chat, never by its past). */
export function lineNext(contact: Contact): LineLink | undefined {
  return contact.lineNext ?? (contact.nextContactId ? { contactId: contact.nextContactId, initialContactId: contact.initialContactId } : undefined);
}

/** Whether a chat, by its first contact, continues a past chat (persistent chat): its customer is told so when connecting. */
export const continuesPastChat = (first: Contact): boolean => first.continuedFromContactId !== undefined;

/** How a walk reads a contact of the line: the caller's way (its instance, its cache, its error when the contact is missing). */
export type ReadContact = (contactId: string) => Promise<Contact>;

/**
 * Backward, chat by chat, from the chat `initialContactId` starts: the contact each past chat was
 * continued from, newest first, in full. One read per chat (two for a link stored before refs were kept).
 */
export async function* chatsBefore(read: ReadContact, initialContactId: string): AsyncGenerator<ContactRef, void, undefined> {
  let chat = initialContactId;
  for (let steps = 0; ; steps++) {
    const link = linePrevious(await read(chat));
    if (!link) return;
    if (steps >= MAX_LINE_STEPS) throw lineTooLong();
    const ref = inFull(link) ? link : contactRef(await read(link.contactId));
    yield ref;
    chat = ref.initialContactId;
  }
}

/**
 * Forward, to the newest chat: the chat `initialContactId` starts, then the chat continued from its
 * initial contact (ENTIRE_PAST_SESSION's source; a source seeds one chat), and so on, oldest first, each
 * by its initial contact. A chat not yet continued when yielded is read once more if the caller asks
 * past it, so a caller that lost the race to continue it is led on to the chat that won.
 */
export async function* chatsFrom(read: ReadContact, initialContactId: string): AsyncGenerator<Contact, void, undefined> {
  let chat = await read(initialContactId);
  for (let steps = 0; ; steps++) {
    yield chat;
    const next = chat.persistentChatSourceOf ?? (await read(chat.contactId)).persistentChatSourceOf;
    if (!next) return;
    if (steps >= MAX_LINE_STEPS) throw lineTooLong();
    chat = await read(next);
  }
}

export type RehydrationType = 'ENTIRE_PAST_SESSION' | 'FROM_SEGMENT';

/** How the line reads what a continuation rests on: a contact of the caller's instance, and its chat. */
export interface ContinuationReads {
  contact: (contactId: string) => Promise<Contact>;
  session: (contact: Contact) => Promise<ChatSession>;
}

/** A new chat's place in the line: the contact it continues, and what it takes from the past chat. */
export interface Continuation {
  /** The new chat's first contact's `linePrevious`: the source segment, or the past chat's last contact. */
  continued: ContactRef;
  /** The past chat's attributes, copied to the new chat. */
  attributes: Record<string, string>;
  /** The agent who last served the line (routing.ts offers the new chat to that agent first). */
  lastAgentId?: string;
  /** The start's write-time half of the rule (see `SourceClaim`). */
  claim: (claimedBy: string) => SourceClaim;
  /** The error a caller sees when the start's claim was refused. */
  refused: (error: unknown) => unknown;
}

/**
 * Persistent chat: what may continue what, and how. The source must be a contact of a chat that has
 * ended and has seeded no chat yet. FROM_SEGMENT continues from the source itself (later segments of
 * its chat are left out of the line); ENTIRE_PAST_SESSION needs the chat's initial contact and
 * continues from the chat's most recently ended contact. Checked here as read, so the caller gets a
 * clear error, and again by the start's one transaction (`SourceClaim`), so two starts racing for one
 * source cannot both continue it.
 */
export async function continuation(
  reads: ContinuationReads,
  { rehydrationType, sourceContactId }: { rehydrationType?: RehydrationType; sourceContactId?: string },
): Promise<Continuation> {
  if (!rehydrationType || !sourceContactId) throw invalidRequest('PersistentChat needs both RehydrationType and SourceContactId');
  const source = await reads.contact(sourceContactId);
  const session = await reads.session(source);
  if (session.state !== 'ENDED') throw sourceChatGoesOn(sourceContactId);
  if (rehydrationType === 'ENTIRE_PAST_SESSION' && source.initialContactId !== source.contactId) {
    throw invalidRequest(`ENTIRE_PAST_SESSION needs the initial contact of the past chat; ${sourceContactId} is not one`);
  }
  const continued =
    rehydrationType === 'FROM_SEGMENT' || session.latestContactId === source.contactId ? source : await reads.contact(session.latestContactId);
  return {
    continued: contactRef(continued),
    attributes: session.attributes,
    lastAgentId: session.lastAgentId,
    claim: (claimedBy) => ({ sourceContactId, sourceInitialContactId: source.initialContactId, claimedBy }),
    refused: (error) => refusedClaim(error, sourceContactId),
  };
}

const sourceChatGoesOn = (sourceContactId: string) => invalidRequest(`Contact ${sourceContactId} belongs to a chat that has not ended`);

function refusedClaim(error: unknown, sourceContactId: string): unknown {
  if (!(error instanceof WriteConflict)) return error;
  switch (error.reason) {
    case 'source-already-used':
      return invalidRequest(`Contact ${sourceContactId} has already been used to start a persistent chat`);
    case 'source-session-active':
      return sourceChatGoesOn(sourceContactId);
    default:
      return error;
  }
}
