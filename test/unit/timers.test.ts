import type { Participant } from '../../lambdas/domain/model';
import { changeTimers, hasTimers, timerState, timersStartedAt } from '../../lambdas/domain/timers';

const MINUTE = 60_000;
const customer: Participant = { participantId: 'c', role: 'CUSTOMER', displayName: 'Ann', joinedAt: 0 };
const agent: Participant = { participantId: 'a', role: 'AGENT', displayName: 'Bob', joinedAt: 10 * MINUTE };
const bot: Participant = { participantId: 'b', role: 'CUSTOM_BOT', displayName: 'Bot', joinedAt: 0 };

describe('changing the timers', () => {
  it('sets and unsets each role and type on its own, and refuses one named twice', () => {
    const set = changeTimers(undefined, [
      { role: 'CUSTOMER', type: 'IDLE', minutes: 5 },
      { role: 'AGENT', type: 'DISCONNECT_NONCUSTOMER', minutes: 7 },
    ]);
    expect(set).toEqual({ CUSTOMER: { IDLE: 5 }, AGENT: { DISCONNECT_NONCUSTOMER: 7 } });
    const changed = changeTimers(set, [{ role: 'CUSTOMER', type: 'IDLE', minutes: undefined }]);
    expect(changed).toEqual({ CUSTOMER: {}, AGENT: { DISCONNECT_NONCUSTOMER: 7 } });
    expect(hasTimers({ timers: changed })).toBe(true);
    expect(hasTimers({ timers: changeTimers(changed, [{ role: 'AGENT', type: 'DISCONNECT_NONCUSTOMER', minutes: undefined }]) })).toBe(false);
    expect(() =>
      changeTimers(set, [
        { role: 'AGENT', type: 'IDLE', minutes: 3 },
        { role: 'AGENT', type: 'IDLE', minutes: undefined },
      ]),
    ).toThrow(expect.objectContaining({ kind: 'InvalidParameter' }));
  });
});

describe("a participant's timers", () => {
  const timers = changeTimers(undefined, [
    { role: 'CUSTOMER', type: 'IDLE', minutes: 2 },
    { role: 'CUSTOMER', type: 'DISCONNECT_NONCUSTOMER', minutes: 3 },
    { role: 'AGENT', type: 'DISCONNECT_NONCUSTOMER', minutes: 4 },
  ]);
  const session = { timers, timersSetAt: 1 * MINUTE, activity: {} };

  it("run from the latest of joining, the last message and the timers' change", () => {
    expect(timerState(session, customer, 2 * MINUTE, 0)).toEqual({ idleDue: false, disconnectDue: false, next: 3 * MINUTE });
    expect(timerState(session, customer, 3 * MINUTE, 0)).toEqual({ idleDue: true, disconnectDue: false, next: 6 * MINUTE });
    const spoke = { ...session, activity: { c: { activeAt: 5 * MINUTE } } };
    expect(timerState(spoke, customer, 6 * MINUTE, 0)).toEqual({ idleDue: false, disconnectDue: false, next: 7 * MINUTE });
  });

  it('auto-disconnect the given time after the participant went idle, or after its last activity without an idle timer', () => {
    const idle = { ...session, activity: { c: { activeAt: 0, idleAt: 4 * MINUTE } } };
    expect(timerState(idle, customer, 6 * MINUTE, 0)).toEqual({ idleDue: false, disconnectDue: false, next: 7 * MINUTE });
    expect(timerState(idle, customer, 7 * MINUTE, 0)).toMatchObject({ disconnectDue: true });
    expect(timerState(session, agent, 13 * MINUTE, 10 * MINUTE)).toEqual({ idleDue: false, disconnectDue: false, next: 14 * MINUTE });
    expect(timerState(session, agent, 14 * MINUTE, 10 * MINUTE)).toMatchObject({ idleDue: false, disconnectDue: true });
  });

  it('run only while an agent (or a custom participant) is on the chat, from when it joined', () => {
    // "Timers run only when both an agent and a customer are connected to the chat." (admin guide)
    expect(timerState(session, customer, 60 * MINUTE, undefined)).toEqual({ idleDue: false, disconnectDue: false });
    expect(timerState(session, customer, 11 * MINUTE, 10 * MINUTE)).toEqual({ idleDue: false, disconnectDue: false, next: 12 * MINUTE });
    // Idle with an agent who has gone: the timers start over with the next one.
    const idle = { ...session, activity: { c: { activeAt: 0, idleAt: 4 * MINUTE } } };
    expect(timerState(idle, customer, 12 * MINUTE, 10 * MINUTE)).toEqual({ idleDue: true, disconnectDue: false, next: 15 * MINUTE });
    expect(timersStartedAt([customer, { ...agent, leftAt: 11 * MINUTE }])).toBeUndefined();
    expect(timersStartedAt([customer, { ...agent, joinedAt: 20 * MINUTE }, agent, { ...bot, role: 'SUPERVISOR' }])).toBe(10 * MINUTE);
    expect(
      timersStartedAt([
        { ...customer, joinedAt: 5 * MINUTE },
        { ...bot, joinedAt: 7 * MINUTE },
      ]),
    ).toBe(7 * MINUTE);
  });

  it('do not run for participants who left, for bots, or without timers for the role', () => {
    expect(timerState(session, { ...agent, leftAt: 11 * MINUTE }, 60 * MINUTE, 10 * MINUTE)).toEqual({ idleDue: false, disconnectDue: false });
    expect(timerState(session, bot, 60 * MINUTE, 10 * MINUTE)).toEqual({ idleDue: false, disconnectDue: false });
    expect(timerState({ timers: { CUSTOMER: { IDLE: 2 } } }, agent, 60 * MINUTE, 10 * MINUTE)).toEqual({ idleDue: false, disconnectDue: false });
  });
});
