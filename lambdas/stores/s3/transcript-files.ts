import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TranscriptFile, TranscriptFiles } from '../ports';

/** Transcript files as JSON objects in the one transcript bucket. */
export class S3TranscriptFiles implements TranscriptFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, file: TranscriptFile): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(file), ContentType: 'application/json' }),
    );
  }

  async get(key: string): Promise<TranscriptFile | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(await object.Body!.transformToString('utf8')) as TranscriptFile;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
