/** The one table's key schema, shared by the CDK stack and the local server so they cannot drift. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export { TTL_ATTRIBUTE } from './keys';
export { QUEUE_INDEX, SWEEP_INDEX } from './keys';
