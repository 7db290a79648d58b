import { connectRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /contact/stop — StopContact: ends the chat session the contact belongs to. */
export const route = connectRoute<Deps>('StopContact', async ({ body }, { contacts }) => {
  await contacts.stop(
    body.string('InstanceId', limits.instanceId),
    body.string('ContactId', limits.contactId),
    body.optionalObject('DisconnectReason')?.optionalString('Code', limits.disconnectReasonCode),
  );
  return {};
});

export const handler = route(depsFromEnvironment);
