import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import S3rver from 's3rver';

/**
 * The bucket's CORS, as the stack sets it on AWS: pages served by a local server (any port of this
 * machine) PUT attachments to their pre-signed URLs and GET them. s3rver answers preflights itself.
 */
const LOCAL_CORS = `<CORSConfiguration><CORSRule>
  <AllowedOrigin>http://127.0.0.1:*</AllowedOrigin><AllowedOrigin>http://localhost:*</AllowedOrigin>
  <AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>
  <AllowedHeader>content-type</AllowedHeader>
  <ExposeHeader>content-length</ExposeHeader><ExposeHeader>content-type</ExposeHeader><ExposeHeader>content-disposition</ExposeHeader><ExposeHeader>etag</ExposeHeader>
  <MaxAgeSeconds>3000</MaxAgeSeconds>
</CORSRule></CORSConfiguration>`;

/** s3rver in this process: an S3-compatible server keeping objects as files under `directory`. */
export interface EmbeddedS3 {
  endpoint: string;
  /** s3rver accepts only its own fixed key pair. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

export async function startS3Local(options: { directory: string; bucket: string }): Promise<EmbeddedS3> {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket, configs: [LOCAL_CORS] }],
  });
  writeObjectsWhole(server);
  const { port } = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    stop: () => server.close(),
  };
}

/** The part of s3rver's file store that a PUT goes through. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; metadata: unknown; content: Buffer | Readable }): Promise<{ size: number; md5: string }>;
}

/**
 * S3 makes an object visible whole or not at all; s3rver writes it in place (and answers the PUT
 * before a buffered body is even flushed), so a GET racing the PUT could read part of it. Readers here
 * look for a transcript file while it may be being written, so each PUT is written beside its place
 * and moved into it once complete: a rename, which a reader sees whole or not at all.
 */
function writeObjectsWhole(server: S3rver): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  store.putObject = async ({ bucket, key, metadata, content }) => {
    const objectPath = store.getResourcePath(bucket, key, 'object');
    const staging = `${objectPath}.${randomUUID()}.partial`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const source: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(content) ? [content] : content;
    const file = createWriteStream(staging);
    try {
      for await (const chunk of source) {
        md5.update(chunk);
        size += chunk.length;
        if (!file.write(chunk)) await once(file, 'drain');
      }
    } finally {
      file.end();
      await once(file, 'close');
    }
    const digest = md5.digest('hex');
    await store.putMetadata(bucket, key, metadata, digest);
    await rename(staging, objectPath);
    return { size, md5: digest };
  };
}
