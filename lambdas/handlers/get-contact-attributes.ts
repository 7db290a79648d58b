import { Fields } from '../http/fields';
import { connectRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** GET /contact/attributes/{InstanceId}/{InitialContactId} — GetContactAttributes. */
export const route = connectRoute<Deps>('GetContactAttributes', async ({ path }, { contacts }) => {
  const params = Fields.of(path);
  const attributes = await contacts.attributes(params.string('InstanceId', limits.instanceId), params.string('InitialContactId', limits.contactId));
  return { Attributes: attributes };
});

export const handler = route(depsFromEnvironment);
