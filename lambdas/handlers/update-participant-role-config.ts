import { invalidParameter } from '../domain/errors';
import { Fields } from '../http/fields';
import { TIMER_ROLES, TIMER_TYPES } from '../domain/model';
import type { TimerChange } from '../domain/timers';
import { connectRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type Deps, depsFromEnvironment } from '../deps';

/** PUT /contact/participant-role-config/{InstanceId}/{ContactId} — UpdateParticipantRoleConfig: the chat's idle timers. */
export const route = connectRoute<Deps>('UpdateParticipantRoleConfig', async ({ body, path }, { contacts }) => {
  const params = Fields.of(path);
  const chat = body.object('ChannelConfiguration').object('Chat');
  const changes = chat.optionalObjectList('ParticipantTimerConfigList', LIMITS.ParticipantTimerConfigList.max, (entry): TimerChange => {
    const value = entry.object('TimerValue');
    const minutes = value.optionalInteger('ParticipantTimerDurationInMinutes', LIMITS.ParticipantTimerDurationInMinutes);
    const action = value.optionalEnum('ParticipantTimerAction', ['Unset'] as const);
    if ((minutes === undefined) === (action === undefined)) {
      throw invalidParameter('TimerValue takes exactly one of ParticipantTimerAction and ParticipantTimerDurationInMinutes');
    }
    return { role: entry.enum('ParticipantRole', TIMER_ROLES), type: entry.enum('TimerType', TIMER_TYPES), minutes };
  });
  if (!changes?.length) throw invalidParameter('ChannelConfiguration.Chat.ParticipantTimerConfigList must name at least one timer');
  await contacts.updateTimers(params.string('InstanceId', LIMITS.InstanceId), params.string('ContactId', LIMITS.ContactId), changes);
  return {};
});

export const handler = route(depsFromEnvironment);
