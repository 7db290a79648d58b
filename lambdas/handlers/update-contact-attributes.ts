import { invalidParameter } from '../domain/errors';
import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /contact/attributes — UpdateContactAttributes: merges into the chat session's attributes. */
export const route = connectRoute<Deps>('UpdateContactAttributes', async ({ body }, { contacts }) => {
  const attributes = body.optionalStringMap('Attributes', { key: LIMITS.AttributeName, value: LIMITS.AttributeValue });
  if (!attributes) throw invalidParameter('Attributes is required');
  await contacts.updateAttributes(body.string('InstanceId', LIMITS.InstanceId), body.string('InitialContactId', LIMITS.ContactId), attributes);
  return {};
});

export const handler = route(depsFromEnvironment);
