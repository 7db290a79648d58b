import { type Clients, type Deps, oncePerContainer, type Wiring, wiringFromEnvironment } from './deps';
import { type AttachmentCheck, SniffingCheck } from './domain/attachment-check';
import { Attachments } from './domain/attachments';
import type { AttachmentFiles } from './domain/ports';
import { S3AttachmentFiles } from './stores/s3/attachment-files';
import { defaultProvider } from '@aws-sdk/credential-provider-node';

/**
 * The composition root of the three attachment functions: everything the other functions have,
 * plus attachments. Kept apart from deps.ts so that the S3 presigner is bundled into these three
 * functions only.
 */
export interface AttachmentDeps extends Deps {
  attachments: Attachments;
}

/** How the bucket is reached to sign URLs: the transcript bucket's own place and credentials. */
export interface AttachmentPlace {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Adds attachments to a wiring. `check` decides which files participants may download: by default
 * the content sniffing of SniffingCheck; a deployment that scans for malware passes its own here.
 */
export function withAttachments(wiring: Wiring, place: AttachmentPlace, check?: (files: AttachmentFiles) => AttachmentCheck): AttachmentDeps {
  const { config, clients, deps, store, push, log, now } = wiring;
  const files = attachmentFiles(config, clients, place, now);
  const attachments = new Attachments({
    store,
    files,
    check: check?.(files) ?? new SniffingCheck(files),
    participants: deps.participants,
    transcripts: deps.transcripts,
    push,
    keys: deps.keys,
    settings: config.attachments,
    prefix: config.transcriptPrefix,
    now,
    warn: log.warn,
  });
  return { ...deps, attachments };
}

function attachmentFiles(config: Wiring['config'], clients: Clients, place: AttachmentPlace, now: () => number): AttachmentFiles {
  return new S3AttachmentFiles(
    clients.s3,
    {
      region: config.region,
      bucket: config.transcriptBucket,
      endpoint: place.endpoint,
      forcePathStyle: config.forcePathStyle,
      // On Lambda, the role's credentials from the environment (lambda-credentials.ts), as the transcript bucket's client.
      credentials: place.credentials ?? defaultProvider(),
    },
    () => new Date(now()),
  );
}

export const attachmentDepsFromEnvironment = oncePerContainer(async () => {
  const wiring = await wiringFromEnvironment();
  return withAttachments(wiring, { endpoint: wiring.config.s3Endpoint });
});
