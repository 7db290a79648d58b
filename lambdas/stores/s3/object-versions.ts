import { DeleteObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectVersions } from '../../domain/ports';

/** DeleteObjects takes up to 1000 keys (versions) per call. */
const DELETE_BATCH = 1000;

/**
 * Every version of an object, for erasure: the bucket is versioned, so a plain DELETE would only hide
 * the object behind a delete marker. The one function that erases uses the SDK's S3 client for the
 * version listing and the batch delete (stores/s3/objects.ts says why the other functions do not).
 * A store without versioning (the local server's s3rver, which cannot list versions) holds one version
 * per key, the object itself: `versioned: false` lists objects instead.
 */
export class S3ObjectVersions implements ObjectVersions {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly versioned: boolean,
  ) {}

  async deleteAllVersions(key: string): Promise<number> {
    const versions = await this.versions(key);
    for (let start = 0; start < versions.length; start += DELETE_BATCH) {
      const batch = versions.slice(start, start + DELETE_BATCH);
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((VersionId) => ({ Key: key, ...(VersionId !== undefined && { VersionId }) })), Quiet: true },
        }),
      );
      if (Errors?.length) throw new Error(`deleting versions of ${key}: ${Errors.map((error) => `${error.Code} ${error.Message}`).join('; ')}`);
    }
    return versions.length;
  }

  /** The ids of every version and delete marker of exactly `key` (undefined: an unversioned store's one object). */
  private async versions(key: string): Promise<(string | undefined)[]> {
    if (!this.versioned) {
      const { Contents } = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key }));
      return (Contents ?? []).some((object) => object.Key === key) ? [undefined] : [];
    }
    const ids: (string | undefined)[] = [];
    let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (;;) {
      const page = await this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key, ...markers }));
      for (const entry of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) if (entry.Key === key) ids.push(entry.VersionId);
      if (!page.IsTruncated) return ids;
      markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
    }
  }
}
