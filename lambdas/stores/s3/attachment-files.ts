import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@smithy/core/checksum';
import type { HttpRequest } from '@smithy/protocol-http';
import type { HttpRequest as SignedRequest } from '@smithy/types';
import type { AttachmentFiles } from '../../domain/ports';
import { encodeKeySegment, objectRequest, type S3Objects, type S3ObjectsOptions } from './objects';

/**
 * Attachment files in the transcript bucket. The URLs are pre-signed by the SDK's own S3 presigner,
 * exactly as `getSignedUrl` of `@aws-sdk/client-s3` signs them (test/unit/s3-objects.test.ts holds
 * the two side by side), without the S3 client itself: its ~150 KB would push these functions past
 * their bundle budget. The upload URL signs the content type and length, so S3 refuses any other
 * file; the download URL makes the browser save the file under its name rather than open it.
 */
export class S3AttachmentFiles implements AttachmentFiles {
  private readonly presigner: S3RequestPresigner;

  constructor(
    private readonly objects: S3Objects,
    private readonly place: Omit<S3ObjectsOptions, 'requestHandler' | 'maxAttempts'>,
    /** The signing clock (tests pin it to compare URLs). */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.presigner = new S3RequestPresigner({ region: place.region, credentials: place.credentials, sha256: Sha256 });
  }

  async uploadUrl(key: string, file: { contentType: string; sizeInBytes: number }, expiresInSeconds: number) {
    const request = objectRequest(this.place, 'PUT', key, undefined, {
      'content-type': file.contentType,
      'content-length': String(file.sizeInBytes),
    });
    const url = await this.presign(request, expiresInSeconds, ['content-type', 'content-length']);
    // Content-Length is sent by every HTTP client for a body of known size (browsers do not let a page set it).
    return { url, headers: { 'Content-Type': file.contentType } };
  }

  async downloadUrl(key: string, file: { name: string; contentType: string }, expiresInSeconds: number) {
    const request = objectRequest(this.place, 'GET', key);
    request.query = { 'response-content-disposition': contentDisposition(file.name), 'response-content-type': file.contentType };
    return this.presign(request, expiresInSeconds, []);
  }

  async head(key: string) {
    const head = await this.objects.head(key);
    return head && { sizeInBytes: head.contentLength, contentType: head.contentType };
  }

  async firstBytes(key: string, count: number): Promise<Uint8Array> {
    return this.objects.getRange(key, 0, count - 1);
  }

  copy(fromKey: string, toKey: string) {
    return this.objects.copy(fromKey, toKey);
  }

  delete(key: string) {
    return this.objects.delete(key);
  }

  private async presign(request: HttpRequest, expiresIn: number, signed: string[]): Promise<string> {
    const presigned = await this.presigner.presign(request, { expiresIn, signingDate: this.now(), signableHeaders: new Set(signed) });
    return presignedUrl(presigned);
  }
}

/** The URL of a pre-signed request: its (already encoded) path, and its query with every value encoded as SigV4 does. */
export function presignedUrl({
  protocol,
  hostname,
  port,
  path,
  query = {},
}: Pick<SignedRequest, 'protocol' | 'hostname' | 'port' | 'path' | 'query'>): string {
  const search = Object.entries(query)
    .map(([name, value]) => `${encodeKeySegment(name)}=${encodeKeySegment(String(value))}`)
    .join('&');
  return `${protocol}//${hostname}${port ? `:${port}` : ''}${path}?${search}`;
}

/** `attachment` with the name as RFC 6266 gives it: an ASCII fallback and the exact name in UTF-8. */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeKeySegment(name)}`;
}
