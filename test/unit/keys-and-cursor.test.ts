import { decodeCursor, encodeCursor, NEXT_TOKEN_TTL_MS } from '../../lambdas/domain/cursor';
import { DomainError } from '../../lambdas/domain/errors';
import { KeyRing } from '../../lambdas/domain/keys';
import { ITEM_PREFIX, ITEMS_END, keys, OWNED_PREFIX, RECORD_SK } from '../../lambdas/stores/dynamodb/keys';

const now = Date.UTC(2026, 10, 24);
const chat = '11111111-aaaa-bbbb-1111-111111111111';
const cursor = {
  contact: {
    contactId: '22222222-aaaa-bbbb-2222-222222222222',
    initialContactId: '11111111-aaaa-bbbb-2222-222222222222',
    initiationTimestamp: Date.UTC(2026, 10, 23),
  },
  direction: 'BACKWARD' as const,
  position: { time: '2026-11-24T00:00:00.000Z', id: 'x' },
};

const kind = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.kind : 'other';
  }
  return 'none';
};

describe('KeyRing', () => {
  it('verifies what it signed, and nothing altered', () => {
    const ring = new KeyRing(KeyRing.generate());
    const [id, signature] = ring.sign('payload');
    expect(ring.verify(id, 'payload', signature)).toBe(true);
    expect(ring.verify(id, 'payload!', signature)).toBe(false);
    expect(ring.verify('nope', 'payload', signature)).toBe(false);
    expect(ring.verify(id, 'payload', signature.slice(1))).toBe(false);
    // Key ids come from tokens: names of Object's own members are unknown ids, not crashes.
    for (const keyId of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(ring.verify(keyId, 'payload', signature)).toBe(false);
      expect(() => ring.open(`${keyId}.aaaa.bbbb.cccc`)).toThrow('sealed value is malformed or its key is gone');
    }
  });

  it('keeps accepting the previous key after a rotation', () => {
    const old = KeyRing.generate('k1');
    const [id, signature] = new KeyRing(old).sign('p');
    const sealed = new KeyRing(old).seal('secret');
    const rotated = new KeyRing({ current: 'k2', keys: { ...old.keys, ...KeyRing.generate('k2').keys } });
    expect(rotated.verify(id, 'p', signature)).toBe(true);
    expect(rotated.open(sealed)).toBe('secret');
    expect(rotated.sign('p')[0]).toBe('k2');
  });

  it('seals so that any change is detected', () => {
    const ring = new KeyRing(KeyRing.generate());
    const sealed = ring.seal('participant-token');
    expect(sealed).not.toContain('participant-token');
    const parts = sealed.split('.');
    parts[2] = parts[2]!.slice(0, -2) + (parts[2]!.endsWith('AA') ? 'BB' : 'AA');
    expect(() => ring.open(parts.join('.'))).toThrow();
  });

  it('refuses weak or missing keys at start', () => {
    expect(() => new KeyRing({ current: 'k1', keys: { k1: Buffer.alloc(8).toString('base64') } })).toThrow(/32 bytes/);
    expect(() => new KeyRing({ current: 'k9', keys: KeyRing.generate('k1').keys })).toThrow(/no key/);
  });
});

describe('NextToken cursor', () => {
  const ring = new KeyRing(KeyRing.generate());

  it('round-trips within its lifetime, bound to its chat', () => {
    const token = encodeCursor(ring, cursor, chat, now);
    expect(token.length).toBeLessThanOrEqual(1000);
    expect(decodeCursor(ring, token, chat, now + NEXT_TOKEN_TTL_MS - 1000)).toEqual(cursor);
    expect(kind(() => decodeCursor(ring, token, 'another-chat', now))).toBe('AccessDenied');
  });

  it('refuses expired, altered, truncated and foreign-key tokens as invalid', () => {
    const token = encodeCursor(ring, cursor, chat, now);
    expect(kind(() => decodeCursor(ring, token, chat, now + NEXT_TOKEN_TTL_MS + 1000))).toBe('InvalidParameter');
    const [body, id, signature] = token.split('.') as [string, string, string];
    const forgedBody = Buffer.from(Buffer.from(body, 'base64url').toString().replace('BACKWARD', 'FORWARD').replace('"d":"B"', '"d":"F"')).toString(
      'base64url',
    );
    expect(kind(() => decodeCursor(ring, `${forgedBody}.${id}.${signature}`, chat, now))).toBe('InvalidParameter');
    expect(kind(() => decodeCursor(ring, token.slice(0, -1), chat, now))).toBe('InvalidParameter');
    expect(kind(() => decodeCursor(ring, `${body}.${id}`, chat, now))).toBe('InvalidParameter');
    const otherRing = new KeyRing(KeyRing.generate());
    expect(kind(() => decodeCursor(otherRing, token, chat, now))).toBe('InvalidParameter');
    expect(kind(() => decodeCursor(ring, `${body}.constructor.${signature}`, chat, now))).toBe('InvalidParameter');
  });

  it('stays within the SDK limit with the longest ids Amazon Connect issues', () => {
    const long = {
      contact: { contactId: 'c'.repeat(64), initialContactId: 'g'.repeat(64), initiationTimestamp: Date.UTC(2026, 10, 24) },
      direction: 'FORWARD' as const,
      filter: 'f'.repeat(64),
      position: { time: '2026-11-24T00:00:00.000Z', id: 'i'.repeat(64) },
    };
    expect(encodeCursor(ring, long, 'r'.repeat(256), now).length).toBeLessThanOrEqual(1000);
  });
});

describe('table keys', () => {
  const token = { operation: 'SendMessage', instanceId: 'i#1', clientToken: 'p:c#1' };

  it("keeps a chat's idempotency records in its partition, outside the contact's record-and-items range", () => {
    const inChat = keys.idempotency({ ...token, initialContactId: chat });
    expect(inChat.pk).toBe(keys.session(chat).pk);
    // readPartition reads `RECORD_SK`..`ITEMS_END`; erasure reads the notes by `OWNED_PREFIX`.
    expect(inChat.sk < RECORD_SK || inChat.sk > ITEMS_END).toBe(true);
    expect(inChat.sk.startsWith(ITEM_PREFIX) || inChat.sk.startsWith(OWNED_PREFIX)).toBe(false);
    expect([RECORD_SK, 'SESSION']).not.toContain(inChat.sk);
  });

  it('keeps a record with no chat (StartChatContact, Connect calls) in a partition of its own, unchanged', () => {
    expect(keys.idempotency(token)).toEqual({ pk: 'CLIENTTOKEN#SendMessage#i%231#p%3Ac%231', sk: 'CLIENTTOKEN' });
  });
});
