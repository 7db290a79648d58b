import { Fields } from '../http/fields';
import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { contactArn, epochSeconds } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** GET /contacts/{InstanceId}/{ContactId} — DescribeContact. */
export const route = connectRoute<Deps>('DescribeContact', async ({ path }, { contacts, config }) => {
  const params = Fields.of(path);
  const contact = await contacts.find(params.string('InstanceId', LIMITS.InstanceId), params.string('ContactId', LIMITS.ContactId));
  const session = await contacts.session(contact);
  const agent = contact.participants.find((participant) => participant.role === 'AGENT');
  return {
    Contact: {
      Arn: contactArn(config.region, config.accountId, contact.instanceId, contact.contactId),
      Id: contact.contactId,
      InitialContactId: contact.initialContactId,
      PreviousContactId: contact.previousContactId,
      RelatedContactId: contact.relatedContactId,
      InitiationMethod: contact.initiationMethod,
      Channel: 'CHAT',
      QueueInfo: contact.queueId
        ? { Id: contact.queueId, EnqueueTimestamp: epochSeconds(contact.enqueueTimestamp ?? contact.initiationTimestamp) }
        : undefined,
      // The agent who accepted it from its queue; else the user a transfer named, or an agent joined by CreateParticipant.
      AgentInfo:
        contact.agentId || contact.userId || agent
          ? {
              Id: contact.agentId ?? contact.userId ?? agent?.participantId,
              AcceptedByAgentTimestamp: epochSeconds(contact.acceptedByAgentTimestamp),
              ConnectedToAgentTimestamp: epochSeconds(agent?.joinedAt),
            }
          : undefined,
      InitiationTimestamp: epochSeconds(contact.initiationTimestamp),
      DisconnectTimestamp: epochSeconds(contact.disconnectTimestamp),
      LastUpdateTimestamp: epochSeconds(contact.lastUpdateTimestamp),
      DisconnectReason: contact.disconnectReason,
      CustomerId: contact.customerId,
      SegmentAttributes: contact.segmentAttributes,
      Attributes: session.attributes,
    },
  };
});

export const handler = route(depsFromEnvironment);
