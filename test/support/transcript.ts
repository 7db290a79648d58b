import { GetTranscriptCommand, type Item } from '@aws-sdk/client-connectparticipant';
import type { LocalServer } from '../../local/server';
import type { Connected } from './chat';
import type { TestServer } from './local-server';

/** Counts the store reads the server makes: DynamoDB reads on its client, GETs on its transcript bucket. */
export function countStoreReads(server: LocalServer) {
  let reads = 0;
  const readCommands = new Set(['GetCommand', 'GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
  server.clients.db.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      if (readCommands.has(context.commandName ?? '')) reads++;
      return next(args);
    }) as never,
    { step: 'initialize', name: 'storeReadCounter' },
  );
  const objects = server.clients.s3;
  const get = objects.get.bind(objects);
  objects.get = (key) => {
    reads++;
    return get(key);
  };
  return {
    take: () => {
      const n = reads;
      reads = 0;
      return n;
    },
  };
}

/**
 * A reader that polls FORWARD as the web page does while its socket is down: from StartPosition.Id of
 * the newest item it holds (the position is inclusive, so that item comes back first), following
 * NextTokens. It records each item the first time it appears, and fails if an item turns up that is
 * older than one it already holds: a poller would have skipped it.
 */
export function forwardPoller(t: TestServer, who: Connected) {
  const seen: Item[] = [];
  let running = true;
  const poll = async () => {
    let nextToken: string | undefined;
    do {
      const newest = seen.at(-1);
      const page = await t.participant.send(
        new GetTranscriptCommand({
          ConnectionToken: who.connectionToken,
          ScanDirection: 'FORWARD',
          SortOrder: 'ASCENDING',
          MaxResults: 7,
          NextToken: nextToken,
          StartPosition: nextToken || !newest ? undefined : { Id: newest.Id },
        }),
      );
      for (const item of page.Transcript ?? []) {
        const last = seen.at(-1);
        if (last && item.Id === last.Id) continue;
        if (seen.some((held) => held.Id === item.Id)) throw new Error(`item ${item.Id} came twice`);
        if (last && (item.AbsoluteTime! < last.AbsoluteTime! || (item.AbsoluteTime === last.AbsoluteTime && item.Id! < last.Id!))) {
          throw new Error(`item ${item.Id} (${item.Content ?? item.ContentType}) appeared after newer ones: a poller would have skipped it`);
        }
        seen.push(item);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  };
  let done: Promise<void> | undefined;
  return {
    run: () => {
      done = (async () => {
        while (running) await poll();
      })();
      return done;
    },
    /** Stops polling after one last complete poll, and returns every item seen, in order. */
    stop: async () => {
      running = false;
      await done;
      await poll();
      return seen;
    },
  };
}
