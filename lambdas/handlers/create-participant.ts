import { connectRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /contact/create-participant — CreateParticipant: how an agent, bot or supervisor joins a chat. */
export const route = connectRoute<Deps>('CreateParticipant', async ({ body }, { contacts }) => {
  const details = body.object('ParticipantDetails');
  const { ParticipantId, ParticipantToken, Expiry } = await contacts.addParticipant({
    instanceId: body.string('InstanceId', limits.instanceId),
    contactId: body.string('ContactId', limits.contactId),
    role: details.optionalEnum('ParticipantRole', ['AGENT', 'CUSTOM_BOT', 'SUPERVISOR'] as const) ?? 'CUSTOM_BOT',
    displayName: details.optionalString('DisplayName', limits.displayName),
    clientToken: body.optionalString('ClientToken', limits.clientToken),
  });
  return { ParticipantCredentials: { ParticipantToken, Expiry }, ParticipantId };
});

export const handler = route(depsFromEnvironment);
