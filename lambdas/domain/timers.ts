import { invalidParameter } from './errors';
import { type ChatSession, type Participant, type ParticipantTimers, TIMER_ROLES, type TimerRole, type TimerType } from './model';

/**
 * Amazon Connect's chat timers for human participants (UpdateParticipantRoleConfig): per role, an
 * `IDLE` timer (a participant silent that long gets `participant.idle`) and a `DISCONNECT_NONCUSTOMER`
 * timer (idle that much longer: `participant.autodisconnection`, and every participant but the customer
 * leaves; the customer stays and the chat goes on). They run only while an agent (or a custom
 * participant) is on the chat, from when it joined. A message from an idle participant brings
 * `participant.returned`. Kept on the chat's session, so they hold across transfers. The sweep drives
 * them. Sources and what remains assumed: docs/architecture.md, "Idle timers".
 */

/** One entry of ParticipantTimerConfigList: a duration, or `undefined` for `Unset`. */
export interface TimerChange {
  role: TimerRole;
  type: TimerType;
  minutes: number | undefined;
}

/** The chat's timers with the changes made; a role and type given twice is refused, as by Amazon Connect. */
export function changeTimers(timers: ParticipantTimers | undefined, changes: readonly TimerChange[]): ParticipantTimers {
  const seen = new Set<string>();
  const next: ParticipantTimers = { CUSTOMER: { ...timers?.CUSTOMER }, AGENT: { ...timers?.AGENT } };
  for (const { role, type, minutes } of changes) {
    if (seen.has(`${role}/${type}`)) throw invalidParameter(`ParticipantTimerConfigList names ${role} ${type} twice`);
    seen.add(`${role}/${type}`);
    if (minutes === undefined) delete next[role]![type];
    else next[role]![type] = minutes;
  }
  return next;
}

export const hasTimers = (session: Pick<ChatSession, 'timers'>): boolean =>
  TIMER_ROLES.some((role) => Object.keys(session.timers?.[role] ?? {}).length > 0);

const timerRole = (participant: Participant): TimerRole | undefined =>
  participant.role === 'CUSTOMER' ? 'CUSTOMER' : participant.role === 'AGENT' ? 'AGENT' : undefined;

/** Where a participant's timers stand at `now`: what is due, and when the next thing is. */
export interface TimerState {
  idleDue: boolean;
  disconnectDue: boolean;
  /** When the next of its timers runs out, if one is still to run out. */
  next?: number;
}

/** Roles whose joining starts the timers ("when an agent joins the chat", or a custom participant). */
const STARTS_TIMERS: ReadonlySet<string> = new Set(['AGENT', 'CUSTOM_BOT']);

/** When the contact's timers started: the earliest join of an agent or custom participant still on it; none, none run. */
export function timersStartedAt(participants: readonly Participant[]): number | undefined {
  const joined = participants.filter((p) => p.leftAt === undefined && STARTS_TIMERS.has(p.role)).map((p) => p.joinedAt);
  return joined.length ? Math.min(...joined) : undefined;
}

/**
 * A participant's timers, running since `startedAt` (timersStartedAt; undefined: none run): idle
 * `IDLE` minutes after its last activity (its last message, its joining, the timers' last change or
 * their start, whichever is latest); auto-disconnected `DISCONNECT_NONCUSTOMER` minutes after it went
 * idle (after its last activity, without an idle timer). Idleness from before the timers started (with
 * an agent who has gone) does not count: the timers start over.
 */
export function timerState(
  session: Pick<ChatSession, 'timers' | 'timersSetAt' | 'activity'>,
  participant: Participant,
  now: number,
  startedAt: number | undefined,
): TimerState {
  const role = timerRole(participant);
  const timers = role && session.timers?.[role];
  if (!timers || participant.leftAt !== undefined || startedAt === undefined) return { idleDue: false, disconnectDue: false };
  const activity = session.activity?.[participant.participantId];
  const activeAt = Math.max(activity?.activeAt ?? participant.joinedAt, session.timersSetAt ?? 0, startedAt);
  const wentIdle = activity?.idleAt !== undefined && activity.idleAt >= startedAt ? activity.idleAt : undefined;
  const idleAt = wentIdle ?? (timers.IDLE === undefined ? undefined : activeAt + timers.IDLE * 60_000);
  const idleDue = timers.IDLE !== undefined && wentIdle === undefined && idleAt! <= now;
  const disconnectAt = timers.DISCONNECT_NONCUSTOMER === undefined ? undefined : (idleAt ?? activeAt) + timers.DISCONNECT_NONCUSTOMER * 60_000;
  const disconnectDue = disconnectAt !== undefined && disconnectAt <= now;
  const pending = [idleDue || wentIdle !== undefined ? undefined : idleAt, disconnectDue ? undefined : disconnectAt].filter(
    (at): at is number => at !== undefined,
  );
  return { idleDue, disconnectDue, next: pending.length ? Math.min(...pending) : undefined };
}
