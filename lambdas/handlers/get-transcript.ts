import { participantRoute } from '../http/api';
import { bearerToken, limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';
import type { ScanDirection, SortOrder } from '../domain/transcript-pages';

/** POST /participant/transcript — GetTranscript, paging back through every past chat of a persistent chat. */
export const route = participantRoute<Deps>('GetTranscript', async ({ body, headers }, { participants, transcriptPages }) => {
  const start = body.optionalObject('StartPosition');
  const request = {
    contactId: body.optionalString('ContactId', limits.contactId),
    // 0 (which the model allows) reads as the default: an empty page whose NextToken never moves would spin a paging loop forever.
    maxResults: body.optionalInteger('MaxResults', { min: 0, max: 100 }) || 10,
    nextToken: body.optionalString('NextToken', { min: 1, max: 1000 }),
    scanDirection: body.optionalEnum<ScanDirection>('ScanDirection', ['FORWARD', 'BACKWARD']),
    sortOrder: body.optionalEnum<SortOrder>('SortOrder', ['ASCENDING', 'DESCENDING']) ?? 'DESCENDING',
    startPosition: start && {
      id: start.optionalString('Id', { min: 1, max: 256 }),
      absoluteTime: start.optionalString('AbsoluteTime', { min: 1, max: 100 }),
      mostRecent: start.optionalInteger('MostRecent', { min: 0, max: 100 }),
    },
  };
  const reader = await participants.reader(bearerToken(headers));
  // A history credential of a customer with no chat yet: nothing to read, and no error.
  if (!reader) return { Transcript: [] };
  return transcriptPages.page(reader, request);
});

export const handler = route(depsFromEnvironment);
