import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { contactArn } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/**
 * POST /contact/transfer — TransferContact on a chat: ends the contact and starts the next segment
 * of the same session (TRANSFER to a queue or user; DISCONNECT, with neither, for a post-chat flow).
 */
export const route = connectRoute<Deps>('TransferContact', async ({ body }, { contacts, config }) => {
  const instanceId = body.string('InstanceId', LIMITS.InstanceId);
  const { ContactId } = await contacts.transfer({
    instanceId,
    contactId: body.string('ContactId', LIMITS.ContactId),
    contactFlowId: body.string('ContactFlowId', LIMITS.ContactFlowId),
    queueId: body.optionalString('QueueId', LIMITS.QueueId),
    userId: body.optionalString('UserId', LIMITS.AgentResourceId),
    clientToken: body.optionalString('ClientToken', LIMITS.ClientToken),
  });
  return { ContactId, ContactArn: contactArn(config.region, config.accountId, instanceId, ContactId) };
});

export const handler = route(depsFromEnvironment);
