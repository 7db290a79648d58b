import { accessDenied } from '../../lambdas/domain/errors';
import { KeyRing } from '../../lambdas/domain/keys';
import type { ChatConnection, TokenGrant } from '../../lambdas/domain/model';
import type { Participants, Reader } from '../../lambdas/domain/participants';
import { Websockets } from '../../lambdas/domain/websockets';
import type { ConnectionStore } from '../../lambdas/domain/ports';

/**
 * $connect racing the participant's leaving: the leave pushes its closing to the connections on record,
 * so a connection recorded just after it would stay open for its hour unless $connect checks again.
 */
const now = Date.UTC(2026, 10, 24);
const grant: TokenGrant = {
  kind: 'connection',
  instanceId: 'i',
  initialContactId: 'c1',
  contactId: 'c1',
  participantId: 'a1',
  role: 'AGENT',
  expiresAt: now + 3_600_000,
};

function harness(admissions: ('in' | 'left')[]) {
  const recorded = new Map<string, ChatConnection>();
  const connections = {
    openConnection: async (connection: ChatConnection) => void recorded.set(connection.connectionId, connection),
    removeConnection: async (connection: ChatConnection) => void recorded.delete(connection.connectionId),
    chatConnections: async () => [...recorded.values()],
    getConnection: async (connectionId: string) => recorded.get(connectionId),
  } as unknown as ConnectionStore;
  const participants = {
    admit: async () => {
      if (admissions.shift() === 'left') throw accessDenied('The participant has disconnected from this chat');
      return { grant } as Reader;
    },
  } as unknown as Participants;
  const keys = new KeyRing(KeyRing.generate());
  const websockets = new Websockets({
    participants,
    connections,
    store: {} as never,
    push: {} as never,
    keys,
    now: () => now,
    baseUrl: 'wss://w.example/v1',
  });
  const token = new URL(websockets.url({ grant } as Reader).Url).searchParams.get('token')!;
  return { websockets, token, recorded };
}

test('a participant still in the chat is connected and stays on record', async () => {
  const { websockets, token, recorded } = harness(['in', 'in']);
  await websockets.open(token, 'conn-1');
  expect([...recorded.keys()]).toEqual(['conn-1']);
});

test('a participant who left while the connection was being recorded is refused, and the record removed', async () => {
  const { websockets, token, recorded } = harness(['in', 'left']);
  await expect(websockets.open(token, 'conn-1')).rejects.toThrow('The participant has disconnected from this chat');
  expect(recorded.size).toBe(0);
});
