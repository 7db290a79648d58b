import { Fields } from '../http/fields';
import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type Deps, depsFromEnvironment } from '../deps';

/** GET /contact/attributes/{InstanceId}/{InitialContactId} — GetContactAttributes. */
export const route = connectRoute<Deps>('GetContactAttributes', async ({ path }, { contacts }) => {
  const params = Fields.of(path);
  const attributes = await contacts.attributes(params.string('InstanceId', LIMITS.InstanceId), params.string('InitialContactId', LIMITS.ContactId));
  return { Attributes: attributes };
});

export const handler = route(depsFromEnvironment);
