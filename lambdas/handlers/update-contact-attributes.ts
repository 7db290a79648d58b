import { invalidParameter } from '../domain/errors';
import { connectRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /contact/attributes — UpdateContactAttributes: merges into the chat session's attributes. */
export const route = connectRoute<Deps>('UpdateContactAttributes', async ({ body }, { contacts }) => {
  const attributes = body.optionalStringMap('Attributes', { key: limits.attributeKey, value: limits.attributeValue });
  if (!attributes) throw invalidParameter('Attributes is required');
  await contacts.updateAttributes(body.string('InstanceId', limits.instanceId), body.string('InitialContactId', limits.contactId), attributes);
  return {};
});

export const handler = route(depsFromEnvironment);
