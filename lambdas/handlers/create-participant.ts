import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /contact/create-participant — CreateParticipant: how an agent, bot or supervisor joins a chat. */
export const route = connectRoute<Deps>('CreateParticipant', async ({ body }, { contacts }) => {
  const details = body.object('ParticipantDetails');
  const { ParticipantId, ParticipantToken, Expiry } = await contacts.addParticipant({
    instanceId: body.string('InstanceId', LIMITS.InstanceId),
    contactId: body.string('ContactId', LIMITS.ContactId),
    role: details.optionalEnum('ParticipantRole', ['AGENT', 'CUSTOM_BOT', 'SUPERVISOR'] as const) ?? 'CUSTOM_BOT',
    displayName: details.optionalString('DisplayName', LIMITS.DisplayName),
    clientToken: body.optionalString('ClientToken', LIMITS.ClientToken),
  });
  return { ParticipantCredentials: { ParticipantToken, Expiry }, ParticipantId };
});

export const handler = route(depsFromEnvironment);
