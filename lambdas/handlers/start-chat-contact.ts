import { connectRoute } from '../http/api';
import { limits, segmentAttributes } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';
import { CHAT_DURATION_MINUTES } from '../domain/contacts';
import type { RehydrationType } from '../domain/line';
import { MESSAGE_CONTENT_TYPES } from '../domain/items';

/** PUT /contact/chat — StartChatContact, with persistent chat (rehydration). */
export const route = connectRoute<Deps>('StartChatContact', async ({ body }, { contacts }) => {
  const participant = body.object('ParticipantDetails');
  const persistentChat = body.optionalObject('PersistentChat');
  const initialMessage = body.optionalObject('InitialMessage');
  return contacts.startChat({
    instanceId: body.string('InstanceId', limits.instanceId),
    contactFlowId: body.string('ContactFlowId', limits.contactFlowId),
    displayName: participant.string('DisplayName', limits.displayName),
    attributes: body.optionalStringMap('Attributes', { key: limits.attributeKey, value: limits.attributeValue }),
    initialMessage: initialMessage && {
      contentType: initialMessage.string('ContentType', limits.contentType),
      content: initialMessage.string('Content', limits.content),
    },
    clientToken: body.optionalString('ClientToken', limits.clientToken),
    chatDurationInMinutes: body.optionalInteger('ChatDurationInMinutes', CHAT_DURATION_MINUTES),
    supportedMessagingContentTypes: body.optionalEnumList('SupportedMessagingContentTypes', MESSAGE_CONTENT_TYPES),
    persistentChat: persistentChat && {
      rehydrationType: persistentChat.optionalEnum<RehydrationType>('RehydrationType', ['ENTIRE_PAST_SESSION', 'FROM_SEGMENT']),
      sourceContactId: persistentChat.optionalString('SourceContactId', limits.contactId),
    },
    relatedContactId: body.optionalString('RelatedContactId', limits.contactId),
    segmentAttributes: segmentAttributes(body),
    customerId: body.optionalString('CustomerId', limits.customerId),
  });
});

export const handler = route(depsFromEnvironment);
