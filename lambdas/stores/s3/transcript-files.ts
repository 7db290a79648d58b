import type { TranscriptFile, TranscriptFiles } from '../../domain/ports';
import type { S3Objects } from './objects';

/** Transcript files as JSON objects in the one transcript bucket. */
export class S3TranscriptFiles implements TranscriptFiles {
  constructor(private readonly objects: S3Objects) {}

  async put(key: string, file: TranscriptFile): Promise<void> {
    await this.objects.put(key, JSON.stringify(file), 'application/json');
  }

  async get(key: string): Promise<TranscriptFile | undefined> {
    const text = await this.objects.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as TranscriptFile);
  }
}
