import { extensionOf, FILE_KINDS, SNIFF_BYTES } from './attachment-types';
import type { AttachmentStatus } from './model';
import type { AttachmentFiles } from './ports';

/** A completed upload, as the check sees it: where its bytes are and what the participant declared. */
export interface UploadedFile {
  attachmentId: string;
  instanceId: string;
  /** The object in the transcript bucket. */
  key: string;
  name: string;
  contentType: string;
  sizeInBytes: number;
}

/**
 * Decides whether participants may download a file. CompleteAttachmentUpload adds the file's item as
 * `IN_PROGRESS`, asks this, and then makes the item `APPROVED` or `REJECTED`; GetAttachment serves
 * approved files only. A deployment that scans for malware implements this port (deps.ts chooses it).
 * Throwing counts as a rejection: a file nobody could check is not handed out.
 */
export interface AttachmentCheck {
  check(file: UploadedFile): Promise<Exclude<AttachmentStatus, 'IN_PROGRESS'>>;
}

/** The default check: the file's first bytes must be those of the kind its name and type declare (a `.pdf` must be a PDF). */
export class SniffingCheck implements AttachmentCheck {
  constructor(private readonly files: Pick<AttachmentFiles, 'firstBytes'>) {}

  async check(file: UploadedFile): Promise<'APPROVED' | 'REJECTED'> {
    const extension = extensionOf(file.name);
    const kind = extension !== undefined && Object.hasOwn(FILE_KINDS, extension) ? FILE_KINDS[extension] : undefined;
    if (!kind) return 'REJECTED';
    return kind.sniff(await this.files.firstBytes(file.key, SNIFF_BYTES)) ? 'APPROVED' : 'REJECTED';
  }
}
