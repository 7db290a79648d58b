import {
  CompleteAttachmentUploadCommand,
  GetAttachmentCommand,
  GetTranscriptCommand,
  type Item,
  StartAttachmentUploadCommand,
  type StartAttachmentUploadCommandOutput,
} from '@aws-sdk/client-connectparticipant';
import { crc32, deflateSync } from 'node:zlib';
import type { Connected } from './chat';
import type { TestServer } from './local-server';

/** A real PNG picture: `width` x `height` pixels of one colour (browsers draw it). */
export function pngPicture(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Small files of each kind, with the bytes their kind begins with. */
export const PNG = pngPicture(24, 16, [31, 95, 191]);
export const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** StartAttachmentUpload through the SDK. */
export function startUpload(t: TestServer, who: Connected, name: string, contentType: string, sizeInBytes: number, clientToken?: string) {
  return t.participant.send(
    new StartAttachmentUploadCommand({
      ConnectionToken: who.connectionToken,
      AttachmentName: name,
      ContentType: contentType,
      AttachmentSizeInBytes: sizeInBytes,
      ClientToken: clientToken,
    }),
  );
}

/** The client's PUT to the pre-signed URL: plain HTTP with the headers it was told to send, no credentials. */
export async function putToUrl(
  upload: StartAttachmentUploadCommandOutput,
  body: Buffer,
  headers = upload.UploadMetadata!.HeadersToInclude!,
): Promise<Response> {
  return fetch(upload.UploadMetadata!.Url!, { method: 'PUT', headers, body: new Uint8Array(body) });
}

export function complete(t: TestServer, who: Connected, attachmentId: string, clientToken?: string) {
  return t.participant.send(
    new CompleteAttachmentUploadCommand({ ConnectionToken: who.connectionToken, AttachmentIds: [attachmentId], ClientToken: clientToken }),
  );
}

/** Start, PUT, complete: what chatjs' sendAttachment does. Returns the attachment id. */
export async function sendFile(t: TestServer, who: Connected, name: string, contentType: string, body: Buffer): Promise<string> {
  const upload = await startUpload(t, who, name, contentType, body.length);
  const put = await putToUrl(upload, body);
  if (!put.ok) throw new Error(`PUT refused: ${put.status} ${await put.text()}`);
  await complete(t, who, upload.AttachmentId!);
  return upload.AttachmentId!;
}

/** GetAttachment, then a plain GET of its URL: the file's bytes. */
export async function download(
  t: TestServer,
  who: Connected,
  attachmentId: string,
): Promise<{ bytes: Buffer; response: Response; size: number; urlExpiry: string }> {
  const got = await t.participant.send(new GetAttachmentCommand({ ConnectionToken: who.connectionToken, AttachmentId: attachmentId }));
  const response = await fetch(got.Url!);
  if (!response.ok) throw new Error(`GET refused: ${response.status} ${await response.text()}`);
  return { bytes: Buffer.from(await response.arrayBuffer()), response, size: got.AttachmentSizeInBytes!, urlExpiry: got.UrlExpiry! };
}

/** The ATTACHMENT items of the reader's newest page of up to 100 items. */
export async function attachmentItems(t: TestServer, who: Connected): Promise<Item[]> {
  const page = await t.participant.send(
    new GetTranscriptCommand({ ConnectionToken: who.connectionToken, MaxResults: 100, ScanDirection: 'BACKWARD' }),
  );
  return (page.Transcript ?? []).filter((item) => item.Type === 'ATTACHMENT');
}
