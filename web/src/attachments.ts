import { bareContentType, extensionOf, FILE_KINDS, formatBytes } from '../../lambdas/domain/attachment-types';
import { type ChatConnection, type Item, plainWords } from './api';

/** The file kinds a browser can show as a picture. */
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/pjpeg']);
/** While a file is checked its item says so; the page asks again this often, this many times (a push usually comes first). */
const RECHECK_MS = 1500;
const RECHECKS = 8;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** The file picker's hint: every kind Amazon Connect allows by default (the service may allow fewer, and says so). */
export const ACCEPT = Object.keys(FILE_KINDS)
  .map((extension) => `.${extension}`)
  .join(',');

/** The type to declare: the browser's, or the one the extension stands for when the browser knows none (HEIC on most desktops). */
export function declaredType(file: File): string {
  const extension = extensionOf(file.name);
  const kind = extension !== undefined && Object.hasOwn(FILE_KINDS, extension) ? FILE_KINDS[extension] : undefined;
  return bareContentType(file.type) || kind?.contentTypes[0] || 'application/octet-stream';
}

/** The file's status, as the item carries it. */
export const statusOf = (item: Item): string | undefined => item.Attachments?.[0]?.Status;

class UploadRefused extends Error {
  constructor(status: number) {
    super(`the file store refused the upload (HTTP ${status})`);
    this.name = 'UploadRefused';
  }
}

/** PUTs the file to its pre-signed URL with the headers it was given, reporting progress (fetch cannot report an upload's). */
function putFile(url: string, headers: Record<string, string>, file: File, onProgress: (loaded: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (event) => onProgress(event.loaded));
    request.addEventListener('load', () => (request.status >= 200 && request.status < 300 ? resolve() : reject(new UploadRefused(request.status))));
    // As fetch reports a network failure: plainWords then asks the person to check their connection.
    request.addEventListener('error', () => reject(new TypeError('the upload did not get through')));
    request.send(file);
  });
}

/**
 * Files being sent, each with a progress bar: StartAttachmentUpload, the PUT to the pre-signed URL,
 * CompleteAttachmentUpload; the file's item then arrives in the log like a message.
 */
export class Uploads {
  readonly element: HTMLUListElement;

  constructor(
    private readonly connection: ChatConnection,
    private readonly onError: (message: string | undefined) => void,
  ) {
    this.element = el('ul', { className: 'uploads' });
    this.element.setAttribute('aria-label', 'Files being sent');
  }

  async send(file: File): Promise<void> {
    if (file.size === 0) {
      this.onError(`We couldn't send ${file.name}: the file is empty.`);
      return;
    }
    const progress = el('progress', { max: file.size, value: 0 });
    progress.setAttribute('aria-label', `Uploading ${file.name}`);
    const row = el('li', {}, el('span', { textContent: `${file.name} · ${formatBytes(file.size)}` }), progress);
    this.element.append(row);
    try {
      const upload = await this.connection.startUpload({ name: file.name, contentType: declaredType(file), size: file.size });
      await putFile(upload.url, upload.headers, file, (loaded) => (progress.value = loaded));
      await this.connection.completeUpload(upload.attachmentId);
      this.onError(undefined);
    } catch (error) {
      this.onError(plainWords(error, `send ${file.name}`));
    } finally {
      row.remove();
    }
  }
}

/**
 * What an `ATTACHMENT` item shows: the file's name, size and a download link once approved (a small
 * preview for pictures); while it is checked, that it is; if refused, that it can't be downloaded.
 */
export function fileCard(
  item: Item,
  connection: ChatConnection,
  onError: (message: string | undefined) => void,
  onChecked: (status: string) => void,
): HTMLElement {
  const attachment = item.Attachments?.[0];
  const name = attachment?.AttachmentName ?? 'file';
  const card = el('div', { className: 'file' });
  switch (attachment?.Status) {
    case 'APPROVED':
      approved(card, attachment.AttachmentId!, name, attachment.ContentType ?? '', connection, onError);
      break;
    case 'REJECTED':
      card.append(
        el('p', {
          className: 'file-status refused',
          textContent: `${name} was refused: it is not the kind of file its name says, or a check rejected it. It can't be downloaded.`,
        }),
      );
      break;
    default:
      card.append(el('p', { className: 'file-status', textContent: `${name} · checking the file…` }));
      // A status pushed while the page was polling would be missed: ask again, until the card is replaced.
      void recheck(card, attachment?.AttachmentId, connection, onChecked);
  }
  return card;
}

async function recheck(
  card: HTMLElement,
  attachmentId: string | undefined,
  connection: ChatConnection,
  onChecked: (status: string) => void,
): Promise<void> {
  if (!attachmentId) return;
  for (let i = 0; i < RECHECKS; i++) {
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS * (i + 1)));
    if (!card.isConnected) return; // replaced by the pushed verdict
    try {
      await connection.attachment(attachmentId);
      return onChecked('APPROVED');
    } catch (error) {
      if (error instanceof Error && /rejected/.test(error.message)) return onChecked('REJECTED');
    }
  }
}

function approved(
  card: HTMLElement,
  attachmentId: string,
  name: string,
  contentType: string,
  connection: ChatConnection,
  onError: (message: string | undefined) => void,
): void {
  const size = el('span', { className: 'file-size', textContent: '' });
  const link = el('a', { className: 'file-link', href: '#', textContent: name });
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void download(attachmentId, name, connection).catch((error: unknown) => onError(plainWords(error, `download ${name}`)));
  });
  card.append(el('p', { className: 'file-line' }, link, ' ', size));
  // The size (GetAttachment says it) and, for a picture, a preview: fetched once, shown from a blob: URL.
  void (async () => {
    try {
      const file = await connection.attachment(attachmentId);
      size.textContent = formatBytes(file.size);
      if (!PREVIEWABLE.has(bareContentType(contentType))) return;
      const blob = await (await fetch(file.url)).blob();
      const preview = el('img', { className: 'preview', src: URL.createObjectURL(blob), alt: `Picture: ${name}` });
      card.prepend(preview);
    } catch (error) {
      console.warn('attachment details not loaded', error);
    }
  })();
}

/** As chatjs' downloadAttachment: a fresh URL, the bytes, then saved under the file's own name. */
async function download(attachmentId: string, name: string, connection: ChatConnection): Promise<void> {
  const { url } = await connection.attachment(attachmentId);
  const response = await fetch(url);
  if (!response.ok) throw new UploadRefused(response.status);
  const href = URL.createObjectURL(await response.blob());
  const save = el('a', { href, download: name, hidden: true });
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
