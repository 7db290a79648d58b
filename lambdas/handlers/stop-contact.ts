import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /contact/stop — StopContact: ends the chat session the contact belongs to. */
export const route = connectRoute<Deps>('StopContact', async ({ body }, { contacts }) => {
  await contacts.stop(
    body.string('InstanceId', LIMITS.InstanceId),
    body.string('ContactId', LIMITS.ContactId),
    body.optionalObject('DisconnectReason')?.optionalString('Code', LIMITS.DisconnectReasonCode),
  );
  return {};
});

export const handler = route(depsFromEnvironment);
