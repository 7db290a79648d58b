import { connectRoute } from '../http/api';
import { contactArn, limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/**
 * POST /contact/transfer — TransferContact on a chat: ends the contact and starts the next segment
 * of the same session (TRANSFER to a queue or user; DISCONNECT, with neither, for a post-chat flow).
 */
export const route = connectRoute<Deps>('TransferContact', async ({ body }, { contacts, config }) => {
  const instanceId = body.string('InstanceId', limits.instanceId);
  const { ContactId } = await contacts.transfer({
    instanceId,
    contactId: body.string('ContactId', limits.contactId),
    contactFlowId: body.string('ContactFlowId', limits.contactFlowId),
    queueId: body.optionalString('QueueId', limits.queueId),
    userId: body.optionalString('UserId', limits.userId),
    clientToken: body.optionalString('ClientToken', limits.clientToken),
  });
  return { ContactId, ContactArn: contactArn(config.region, config.accountId, instanceId, ContactId) };
});

export const handler = route(depsFromEnvironment);
