import type { Contact, ContactRef } from './model';

/**
 * The customer's line: every contact the customer has had, oldest first. Inside a chat, contacts
 * follow one another by transfer (PreviousContactId, NextContactId); a persistent chat's first
 * contact continues a past chat's contact (the source segment, or that chat's last contact), so the
 * line runs on through every past chat, cumulatively, to the very first.
 */

/** What a contact's neighbours keep of it. */
export const contactRef = ({ contactId, initialContactId, initiationTimestamp }: Contact): ContactRef => ({
  contactId,
  initialContactId,
  initiationTimestamp,
});

/** A neighbour known by its id alone (contacts stored before refs were kept): its record must be read to find its transcript. */
export type LineLink = Pick<ContactRef, 'contactId'> & Partial<ContactRef>;

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
