import type { Deps } from '../deps';
import type { Route } from '../http/api';
import { route as createParticipant } from './create-participant';
import { route as describeContact } from './describe-contact';
import { route as getContactAttributes } from './get-contact-attributes';
import { route as startChatContact } from './start-chat-contact';
import { route as stopContact } from './stop-contact';
import { route as transferContact } from './transfer-contact';
import { route as updateContactAttributes } from './update-contact-attributes';

/** Every handler by its file name (`RouteSpec.handler`), for the local server. On AWS each file is its own function. */
export const HANDLERS: Record<string, Route<Deps>> = {
  'create-participant': createParticipant,
  'describe-contact': describeContact,
  'get-contact-attributes': getContactAttributes,
  'start-chat-contact': startChatContact,
  'stop-contact': stopContact,
  'transfer-contact': transferContact,
  'update-contact-attributes': updateContactAttributes,
};
