import { DomainError } from '../../lambdas/domain/errors';
import { Fields } from '../../lambdas/http/fields';
import { checkMessage, compareItems, idBoundsAt, newItemId } from '../../lambdas/domain/items';
import { inCommitOrder, ItemClock } from '../../lambdas/domain/item-clock';
import { QUOTAS } from '../../lambdas/domain/limits';
import type { ChatSession } from '../../lambdas/domain/model';
import { WriteConflict } from '../../lambdas/domain/ports';

const message = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).message;
  }
};

describe('Fields', () => {
  it('names the member and the rule it broke', () => {
    const body = Fields.of({ InstanceId: '', Count: 1.5, Kind: 'X', Nested: { Name: 7 }, List: ['a', 3], Map: { k: 1 } });
    expect(message(() => body.string('InstanceId', { min: 1, max: 100 }))).toBe('InstanceId must not be empty');
    expect(message(() => body.string('Missing', { min: 1, max: 100 }))).toBe('Missing is required');
    expect(message(() => body.optionalInteger('Count', { min: 0, max: 10 }))).toBe('Count must be an integer');
    expect(message(() => body.optionalEnum('Kind', ['A', 'B']))).toBe('Kind must be one of A, B');
    expect(message(() => body.object('Nested').string('Name', { max: 10 }))).toBe('Nested.Name must be a string');
    expect(message(() => body.optionalStringList('List', { max: 5 }, { max: 5 }))).toBe('List[1] must be a string');
    expect(message(() => body.optionalStringMap('Map', { key: { min: 1, max: 5 }, value: { max: 5 } }))).toBe('Map.k must be a string');
  });

  it('reads lists of enums as the models bound them: known values, at least one', () => {
    const types = ['WEBSOCKET', 'CONNECTION_CREDENTIALS'] as const;
    expect(message(() => Fields.of({ Type: [] }).optionalEnumList('Type', types))).toBe('Type must have at least 1 item');
    expect(message(() => Fields.of({ Type: ['WEBRTC'] }).optionalEnumList('Type', types))).toBe(
      'Type must contain only WEBSOCKET, CONNECTION_CREDENTIALS',
    );
    expect(Fields.of({ Type: ['WEBSOCKET'] }).optionalEnumList('Type', types)).toEqual(['WEBSOCKET']);
    expect(Fields.of({}).optionalEnumList('Type', types)).toBeUndefined();
  });

  it('reads lists of objects item by item, naming the item that broke a rule', () => {
    const body = Fields.of({ List: [{ N: 1 }, 'x'] });
    expect(message(() => body.optionalObjectList('List', 5, (item) => item.optionalInteger('N', { min: 0, max: 9 })))).toBe(
      'List[1] must be an object',
    );
    expect(message(() => body.optionalObjectList('List', 1, () => 0))).toBe('List has more than 1 items');
  });

  it('refuses bodies that are not objects', () => {
    for (const body of [null, [], 'text', 3]) expect(message(() => Fields.of(body))).toBe('The request body must be a JSON object');
  });

  it('treats null like an absent member, as the SDK omits absent members', () => {
    expect(Fields.of({ A: null }).optionalString('A', { max: 1 })).toBeUndefined();
  });
});

describe('transcript items', () => {
  it('gets ids that sort in time order, and whose time bounds hold them', () => {
    const times = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000];
    const ids = times.map((time) => newItemId(time));
    expect([...ids].sort()).toEqual(ids);
    for (const [i, time] of times.entries()) {
      const { lowest, highest } = idBoundsAt(time);
      expect(lowest <= ids[i]! && ids[i]! <= highest).toBe(true);
    }
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('orders by time, then id', () => {
    const a = { AbsoluteTime: '2026-01-01T00:00:00.000Z', Id: 'b' };
    const b = { AbsoluteTime: '2026-01-01T00:00:00.000Z', Id: 'c' };
    const c = { AbsoluteTime: '2026-01-01T00:00:00.001Z', Id: 'a' };
    expect([c, b, a].sort(compareItems)).toEqual([a, b, c]);
  });

  it('limits messages by content type as Amazon Connect does', () => {
    expect(checkMessage('text/plain', 'x'.repeat(1024), ['text/plain'])).toBeUndefined();
    expect(checkMessage('text/plain', 'x'.repeat(1025), ['text/plain'])).toMatch(/at most 1024/);
    expect(checkMessage('application/json', '{}', ['text/plain'])).toMatch(/not supported/);
    expect(checkMessage('application/json', 'x'.repeat(12000), ['text/plain', 'application/json'])).toBeUndefined();
  });
});

describe('the item clock', () => {
  it("times items after the chat's newest, strictly rising, even when this machine's clock is behind", () => {
    const behind = new ItemClock({ initialContactId: 'c', lastItemAt: 1_000 }, 900);
    expect([behind.next(), behind.next(), behind.next()]).toEqual([1_001, 1_002, 1_003]);
    // It counts the items it timed for the active contact, on top of those it held.
    expect(behind.claim()).toEqual({ initialContactId: 'c', first: 1_001, last: 1_003, contactItems: 3 });
    const counted = new ItemClock({ initialContactId: 'c', lastItemAt: 1_000, contactItems: 10 }, 900);
    counted.next();
    expect(counted.claim()).toMatchObject({ contactItems: 11 });
    expect(counted.claim(1)).toMatchObject({ contactItems: 1 }); // a transfer's new contact holds only its own
    const ahead = new ItemClock({ initialContactId: 'c', lastItemAt: 1_000 }, 5_000);
    expect([ahead.next(), ahead.next()]).toEqual([5_000, 5_001]);
    const fresh = new ItemClock({ initialContactId: 'c' }, 7);
    expect(fresh.next()).toBe(7);
  });

  it('has room for items up to QUOTAS.ItemsPerContact, and says the quota is reached past it', () => {
    expect(() => new ItemClock({ initialContactId: 'c', contactItems: QUOTAS.ItemsPerContact - 1 }, 1).room(1)).not.toThrow();
    expect(() => new ItemClock({ initialContactId: 'c', contactItems: QUOTAS.ItemsPerContact }, 1).room(1)).toThrow(
      expect.objectContaining({ kind: 'QuotaExceeded' }),
    );
  });

  it('runs a write again on the chat as it now stands when another write got in first', async () => {
    const sessions = [{ lastItemAt: 10 }, { lastItemAt: 50 }].map((s) => ({ ...s, initialContactId: 'c' }) as ChatSession);
    const store = { getSession: jest.fn(async () => sessions[1]) };
    const times: number[] = [];
    const written = await inCommitOrder({ store, now: () => 20 }, sessions[0]!, async (_session, clock, attempt) => {
      times.push(clock.next());
      if (attempt === 1) throw new WriteConflict('stale');
      return clock.claim();
    });
    expect(times).toEqual([20, 51]);
    expect(written).toEqual({ initialContactId: 'c', first: 51, last: 51, contactItems: 1 });
    expect(store.getSession).toHaveBeenCalledTimes(1);
  });
});
