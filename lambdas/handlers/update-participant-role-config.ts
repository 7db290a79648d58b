import { invalidParameter } from '../domain/errors';
import { Fields } from '../http/fields';
import { TIMER_ROLES, TIMER_TYPES } from '../domain/model';
import { TIMER_MINUTES, type TimerChange } from '../domain/timers';
import { connectRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** Each role and type at most once: a longer list names one twice. */
const MAX_TIMERS = TIMER_ROLES.length * TIMER_TYPES.length;

/** PUT /contact/participant-role-config/{InstanceId}/{ContactId} — UpdateParticipantRoleConfig: the chat's idle timers. */
export const route = connectRoute<Deps>('UpdateParticipantRoleConfig', async ({ body, path }, { contacts }) => {
  const params = Fields.of(path);
  const chat = body.object('ChannelConfiguration').object('Chat');
  const changes = chat.optionalObjectList('ParticipantTimerConfigList', MAX_TIMERS, (entry): TimerChange => {
    const value = entry.object('TimerValue');
    const minutes = value.optionalInteger('ParticipantTimerDurationInMinutes', TIMER_MINUTES);
    const action = value.optionalEnum('ParticipantTimerAction', ['Unset'] as const);
    if ((minutes === undefined) === (action === undefined)) {
      throw invalidParameter('TimerValue takes exactly one of ParticipantTimerAction and ParticipantTimerDurationInMinutes');
    }
    return { role: entry.enum('ParticipantRole', TIMER_ROLES), type: entry.enum('TimerType', TIMER_TYPES), minutes };
  });
  if (!changes?.length) throw invalidParameter('ChannelConfiguration.Chat.ParticipantTimerConfigList must name at least one timer');
  await contacts.updateTimers(params.string('InstanceId', limits.instanceId), params.string('ContactId', limits.contactId), changes);
  return {};
});

export const handler = route(depsFromEnvironment);
