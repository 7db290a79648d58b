import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type EmbeddedS3, startS3Local } from '../../local/s3-local';

let s3: EmbeddedS3;
let client: S3Client;
const directory = mkdtempSync(join(tmpdir(), 's3-local-'));
beforeAll(async () => {
  s3 = await startS3Local({ directory, bucket: 'b' });
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** As S3 does: a GET racing the PUT of a new object finds nothing or all of it, never a part. */
it('shows an object whole or not at all while it is being written', async () => {
  const body = Buffer.alloc(8 * 2 ** 20, 'x');
  for (let round = 0; round < 5; round++) {
    const Key = `race/${round}.json`;
    let writing = true;
    const put = client.send(new PutObjectCommand({ Bucket: 'b', Key, Body: body })).finally(() => (writing = false));
    const seen: number[] = [];
    while (writing) {
      try {
        seen.push((await (await client.send(new GetObjectCommand({ Bucket: 'b', Key }))).Body!.transformToByteArray()).length);
      } catch (error) {
        expect((error as Error).name).toBe('NoSuchKey');
      }
    }
    await put;
    seen.push((await (await client.send(new GetObjectCommand({ Bucket: 'b', Key }))).Body!.transformToByteArray()).length);
    expect(new Set(seen)).toEqual(new Set([body.length]));
  }
});
