import { S3Client } from '@aws-sdk/client-s3';
import { type Deps, oncePerContainer, type Wiring, wiringFromEnvironment } from './deps';
import { Erasure } from './domain/erasure';
import { DynamoErasureStore } from './stores/dynamodb/erasure-store';
import { S3ObjectVersions } from './stores/s3/object-versions';

/**
 * The composition root of the one function that erases customers' lines: everything the other functions
 * have, plus erasure, kept apart from deps.ts so that the SDK's S3 client (object versions) is bundled
 * into this function only.
 */
export interface ErasureDeps extends Deps {
  erasure: Erasure;
}

/** How the bucket's versions are reached: the transcript bucket's own place and credentials (SDK defaults when absent). */
export interface BucketPlace {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** False for a store without versioning (the local server's): each key's one object is all there is to delete. */
  versioned?: boolean;
}

export function withErasure(wiring: Wiring, place: BucketPlace): ErasureDeps {
  const { config, clients, deps, store, log, now } = wiring;
  const s3 = new S3Client({ region: config.region, endpoint: place.endpoint, credentials: place.credentials, forcePathStyle: config.forcePathStyle });
  const erasure = new Erasure({
    store,
    erasures: new DynamoErasureStore(clients.db, config.tableName),
    contacts: deps.contacts,
    objects: new S3ObjectVersions(s3, config.transcriptBucket, place.versioned ?? true),
    transcriptKey: (contact) => deps.transcripts.key(contact),
    audit: log.info,
    now,
  });
  return { ...deps, erasure };
}

export const erasureDepsFromEnvironment = oncePerContainer(async () => {
  const wiring = await wiringFromEnvironment();
  return withErasure(wiring, { endpoint: wiring.config.s3Endpoint });
});
