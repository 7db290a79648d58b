import { invalidParameter } from './errors';

/**
 * The kinds of file a chat may carry, as Amazon Connect's chat attachments know them: its default
 * allowed extensions, the MIME types a browser or client declares for each, and how each kind's
 * bytes begin (what the default content check sniffs). Settings choose a subset of these.
 */
export interface FileKind {
  /** Content types accepted for this extension (the first is the one a client most often sends). */
  contentTypes: readonly string[];
  /** Whether the first bytes of a file are this kind's. */
  sniff: (head: Uint8Array) => boolean;
}

const bytesAt = (head: Uint8Array, offset: number, expected: readonly number[]): boolean =>
  expected.every((byte, index) => head[offset + index] === byte);
const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));
const textAt = (head: Uint8Array, offset: number, text: string) => bytesAt(head, offset, ascii(text));

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** OLE2 compound files: the Office formats before 2007 (doc, xls, ppt). */
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** ZIP local file header: the Office Open XML formats (docx, xlsx, pptx) are ZIP packages. */
const ZIP = [0x50, 0x4b, 0x03, 0x04];

/** ISO base media files (mp4, mov, heic) start with a `ftyp` box naming their brand. */
const isoBrand = (head: Uint8Array): string | undefined => (textAt(head, 4, 'ftyp') ? String.fromCharCode(...head.subarray(8, 12)) : undefined);
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif']);

/**
 * Plain text (txt, csv): no NUL byte, and valid UTF-8 (a character cut by the end of the sample
 * excepted), or a UTF-16 byte order mark. A binary file renamed `.txt` fails it.
 */
function isText(head: Uint8Array): boolean {
  if (bytesAt(head, 0, [0xff, 0xfe]) || bytesAt(head, 0, [0xfe, 0xff])) return true;
  if (head.includes(0)) return false;
  try {
    // `stream`: an incomplete sequence at the end waits for bytes that are not in the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Amazon Connect's default allowed extensions for chat attachments, with what their bytes look like. */
export const FILE_KINDS: Readonly<Record<string, FileKind>> = {
  csv: { contentTypes: ['text/csv', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel'], sniff: isText },
  doc: { contentTypes: ['application/msword'], sniff: (head) => bytesAt(head, 0, OLE2) },
  docx: { contentTypes: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'], sniff: (head) => bytesAt(head, 0, ZIP) },
  heic: { contentTypes: ['image/heic', 'image/heif'], sniff: (head) => HEIF_BRANDS.has(isoBrand(head) ?? '') },
  jfif: { contentTypes: ['image/jpeg', 'image/pjpeg'], sniff: (head) => bytesAt(head, 0, JPEG) },
  jpeg: { contentTypes: ['image/jpeg', 'image/pjpeg'], sniff: (head) => bytesAt(head, 0, JPEG) },
  jpg: { contentTypes: ['image/jpeg', 'image/pjpeg'], sniff: (head) => bytesAt(head, 0, JPEG) },
  mov: {
    contentTypes: ['video/quicktime'],
    // QuickTime files start with a `ftyp` box (brand `qt  `) or, in older files, straight with an atom.
    sniff: (head) => isoBrand(head) !== undefined || ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].some((atom) => textAt(head, 4, atom)),
  },
  mp4: {
    contentTypes: ['video/mp4', 'audio/mp4'],
    sniff: (head) => {
      const brand = isoBrand(head);
      return brand !== undefined && !HEIF_BRANDS.has(brand);
    },
  },
  pdf: { contentTypes: ['application/pdf'], sniff: (head) => textAt(head, 0, '%PDF-') },
  png: { contentTypes: ['image/png'], sniff: (head) => bytesAt(head, 0, PNG) },
  ppt: { contentTypes: ['application/vnd.ms-powerpoint'], sniff: (head) => bytesAt(head, 0, OLE2) },
  pptx: { contentTypes: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'], sniff: (head) => bytesAt(head, 0, ZIP) },
  rtf: { contentTypes: ['application/rtf', 'text/rtf'], sniff: (head) => textAt(head, 0, '{\\rtf') },
  txt: { contentTypes: ['text/plain'], sniff: isText },
  wav: {
    contentTypes: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
    sniff: (head) => textAt(head, 0, 'RIFF') && textAt(head, 8, 'WAVE'),
  },
  xls: { contentTypes: ['application/vnd.ms-excel'], sniff: (head) => bytesAt(head, 0, OLE2) },
  xlsx: { contentTypes: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'], sniff: (head) => bytesAt(head, 0, ZIP) },
};

/** How many of a file's first bytes the sniffers look at. */
export const SNIFF_BYTES = 4096;

/** What a deployment allows: Amazon Connect's two settings for chat attachments. */
export interface AttachmentSettings {
  /** Allowed file extensions, lower case, without the dot. */
  extensions: readonly string[];
  maxSizeInBytes: number;
}

/** Amazon Connect's defaults: every extension above, 20 MB. */
export const DEFAULT_ATTACHMENT_SETTINGS: AttachmentSettings = { extensions: Object.keys(FILE_KINDS), maxSizeInBytes: 20 * 1024 * 1024 };
/** Amazon Connect's ceiling for the size setting (UpdateAttachedFilesConfiguration): 100 MB. */
export const MAX_ATTACHMENT_SIZE_SETTING = 100 * 1024 * 1024;

/**
 * Reads the two settings from their text form (environment variables, CDK context): extensions
 * comma-separated (`pdf,png,jpg`), the size in bytes. Empty means the default. Throws on anything
 * else, naming what is wrong.
 */
export function attachmentSettings(extensions: string | undefined, maxSizeInBytes: string | undefined): AttachmentSettings {
  const list = extensions?.trim()
    ? [
        ...new Set(
          extensions
            .split(',')
            .map((extension) => extension.trim().toLowerCase().replace(/^\./, ''))
            .filter(Boolean),
        ),
      ]
    : DEFAULT_ATTACHMENT_SETTINGS.extensions;
  const unknown = list.filter((extension) => !Object.hasOwn(FILE_KINDS, extension));
  if (unknown.length) throw new Error(`attachment extensions ${unknown.join(', ')} are not known; known: ${Object.keys(FILE_KINDS).join(', ')}`);
  if (!list.length) throw new Error('at least one attachment extension must be allowed');
  const size = maxSizeInBytes?.trim() ? Number(maxSizeInBytes) : DEFAULT_ATTACHMENT_SETTINGS.maxSizeInBytes;
  if (!Number.isInteger(size) || size < 1 || size > MAX_ATTACHMENT_SIZE_SETTING) {
    throw new Error(`the attachment size limit must be a whole number of bytes from 1 to ${MAX_ATTACHMENT_SIZE_SETTING}, not '${maxSizeInBytes}'`);
  }
  return { extensions: list, maxSizeInBytes: size };
}

/** A file's extension: what follows its last dot, lower case; undefined without one. */
export const extensionOf = (name: string): string | undefined => /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();

/** A MIME type without its parameters, lower case (`Text/Plain; charset=utf-8` is `text/plain`). */
export const bareContentType = (contentType: string): string => contentType.split(';')[0]!.trim().toLowerCase();

/**
 * Checks a file a participant is about to upload against the settings: an allowed extension, a
 * content type that extension may have, and a size within the limit. Refusals are ValidationException,
 * as StartAttachmentUpload's model lists it, with a message a person can act on.
 */
export function checkUpload(settings: AttachmentSettings, name: string, contentType: string, size: number): FileKind {
  const extension = extensionOf(name);
  const kind = extension !== undefined && settings.extensions.includes(extension) ? FILE_KINDS[extension] : undefined;
  if (!kind) {
    throw invalidParameter(`Files of this type cannot be sent. Allowed: ${settings.extensions.join(', ')}`);
  }
  if (!kind.contentTypes.includes(bareContentType(contentType))) {
    throw invalidParameter(`ContentType ${contentType} does not match a .${extension} file (expected ${kind.contentTypes[0]})`);
  }
  if (size > settings.maxSizeInBytes) {
    throw invalidParameter(`The file is too large: at most ${formatBytes(settings.maxSizeInBytes)} (${settings.maxSizeInBytes} bytes) can be sent`);
  }
  return kind;
}

/** 20971520 is `20 MB`: binary megabytes, as Amazon Connect counts its 20 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}
