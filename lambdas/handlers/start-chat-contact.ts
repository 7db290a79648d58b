import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { segmentAttributes } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';
import type { RehydrationType } from '../domain/line';
import { MESSAGE_CONTENT_TYPES } from '../domain/items';

/** PUT /contact/chat — StartChatContact, with persistent chat (rehydration). */
export const route = connectRoute<Deps>('StartChatContact', async ({ body }, { contacts }) => {
  const participant = body.object('ParticipantDetails');
  const persistentChat = body.optionalObject('PersistentChat');
  const initialMessage = body.optionalObject('InitialMessage');
  return contacts.startChat({
    instanceId: body.string('InstanceId', LIMITS.InstanceId),
    contactFlowId: body.string('ContactFlowId', LIMITS.ContactFlowId),
    displayName: participant.string('DisplayName', LIMITS.DisplayName),
    attributes: body.optionalStringMap('Attributes', { key: LIMITS.AttributeName, value: LIMITS.AttributeValue }),
    initialMessage: initialMessage && {
      contentType: initialMessage.string('ContentType', LIMITS.ChatContentType),
      content: initialMessage.string('Content', LIMITS.ChatContent),
    },
    clientToken: body.optionalString('ClientToken', LIMITS.ClientToken),
    chatDurationInMinutes: body.optionalInteger('ChatDurationInMinutes', LIMITS.ChatDurationInMinutes),
    supportedMessagingContentTypes: body.optionalEnumList('SupportedMessagingContentTypes', MESSAGE_CONTENT_TYPES),
    persistentChat: persistentChat && {
      rehydrationType: persistentChat.optionalEnum<RehydrationType>('RehydrationType', ['ENTIRE_PAST_SESSION', 'FROM_SEGMENT']),
      sourceContactId: persistentChat.optionalString('SourceContactId', LIMITS.ContactId),
    },
    relatedContactId: body.optionalString('RelatedContactId', LIMITS.ContactId),
    segmentAttributes: segmentAttributes(body),
    customerId: body.optionalString('CustomerId', LIMITS.CustomerIdNonEmpty),
  });
});

export const handler = route(depsFromEnvironment);
