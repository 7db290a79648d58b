import { attachmentSettings, checkUpload, DEFAULT_ATTACHMENT_SETTINGS, FILE_KINDS, formatBytes } from '../../lambdas/domain/attachment-types';
import { SniffingCheck } from '../../lambdas/domain/attachment-check';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part)))));
const ftyp = (brand: string) => bytes([0, 0, 0, 24], 'ftyp', brand, [0, 0, 0, 0]);
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

/** The first bytes of a real file of each kind. */
const SAMPLES: Record<string, Uint8Array> = {
  csv: bytes('name,amount\nAnn,12.50\nRenée,3\n'),
  doc: bytes(OLE2, [0, 0]),
  docx: bytes(ZIP, [20, 0, 6, 0], '[Content_Types].xml'),
  heic: ftyp('heic'),
  jfif: bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF'),
  jpeg: bytes([0xff, 0xd8, 0xff, 0xe1], 'Exif'),
  jpg: bytes([0xff, 0xd8, 0xff, 0xdb]),
  mov: ftyp('qt  '),
  mp4: ftyp('isom'),
  pdf: bytes('%PDF-1.4\n'),
  png: bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR'),
  ppt: bytes(OLE2),
  pptx: bytes(ZIP),
  rtf: bytes('{\\rtf1\\ansi Hello}'),
  txt: bytes('Hello, “world” — ünïcode\n'),
  wav: bytes('RIFF', [36, 0, 0, 0], 'WAVEfmt '),
  xls: bytes(OLE2),
  xlsx: bytes(ZIP),
};

describe('sniffing: each kind knows its own first bytes', () => {
  test.each(Object.keys(FILE_KINDS))('%s', (extension) => {
    expect(FILE_KINDS[extension]!.sniff(SAMPLES[extension]!)).toBe(true);
  });

  test('and refuses what is not its kind', () => {
    const program = bytes('MZ', [0x90, 0, 3, 0, 0, 0]);
    for (const kind of Object.values(FILE_KINDS)) expect(kind.sniff(program)).toBe(false);
    expect(FILE_KINDS.png!.sniff(SAMPLES.jpg!)).toBe(false);
    expect(FILE_KINDS.pdf!.sniff(SAMPLES.txt!)).toBe(false);
    expect(FILE_KINDS.mp4!.sniff(SAMPLES.heic!)).toBe(false);
    expect(FILE_KINDS.txt!.sniff(bytes('text', [0], 'more'))).toBe(false);
    expect(FILE_KINDS.csv!.sniff(bytes([0xc3, 0x28]))).toBe(false); // not UTF-8
  });

  test('a UTF-8 character cut by the end of the sample is still text', () => {
    expect(FILE_KINDS.txt!.sniff(bytes('ab', [0xe2, 0x80]))).toBe(true);
  });

  test('the default check reads the first bytes of the kept file and decides by its name', async () => {
    const read: [string, number][] = [];
    const check = new SniffingCheck({
      firstBytes: async (key, count) => {
        read.push([key, count]);
        return SAMPLES.pdf!;
      },
    });
    const file = { attachmentId: 'a', instanceId: 'i', key: 'k', contentType: 'application/pdf', sizeInBytes: 9 };
    await expect(check.check({ ...file, name: 'x.pdf' })).resolves.toBe('APPROVED');
    await expect(check.check({ ...file, name: 'x.png' })).resolves.toBe('REJECTED');
    expect(read).toEqual([
      ['k', 4096],
      ['k', 4096],
    ]);
  });
});

describe('settings', () => {
  test("Amazon Connect's defaults: its 18 extensions and 20 MB", () => {
    expect(attachmentSettings(undefined, undefined)).toEqual(DEFAULT_ATTACHMENT_SETTINGS);
    expect(DEFAULT_ATTACHMENT_SETTINGS.extensions).toEqual([
      'csv',
      'doc',
      'docx',
      'heic',
      'jfif',
      'jpeg',
      'jpg',
      'mov',
      'mp4',
      'pdf',
      'png',
      'ppt',
      'pptx',
      'rtf',
      'txt',
      'wav',
      'xls',
      'xlsx',
    ]);
    expect(DEFAULT_ATTACHMENT_SETTINGS.maxSizeInBytes).toBe(20_971_520);
  });

  test('a list and a size, up to 100 MB', () => {
    expect(attachmentSettings(' .PDF, png ,pdf', '104857600')).toEqual({ extensions: ['pdf', 'png'], maxSizeInBytes: 104_857_600 });
    expect(() => attachmentSettings('pdf,exe', '')).toThrow(/exe are not known/);
    for (const size of ['104857601', '0', '1.5', 'lots']) expect(() => attachmentSettings('', size)).toThrow(/from 1 to 104857600/);
  });

  test('an upload is checked by extension, content type and size', () => {
    const settings = { extensions: ['pdf', 'jpg', 'csv'], maxSizeInBytes: 1000 };
    expect(checkUpload(settings, 'A.PDF', 'application/pdf', 1000)).toBe(FILE_KINDS.pdf);
    expect(checkUpload(settings, 'photo.jpg', 'image/jpeg', 1)).toBe(FILE_KINDS.jpg);
    expect(checkUpload(settings, 'sheet.csv', 'text/csv; charset=utf-8', 1)).toBe(FILE_KINDS.csv);
    expect(() => checkUpload(settings, 'a.pdf', 'application/pdf', 1001)).toThrow(
      'The file is too large: at most 1000 bytes (1000 bytes) can be sent',
    );
    expect(() => checkUpload(settings, 'a.png', 'image/png', 1)).toThrow('Files of this type cannot be sent. Allowed: pdf, jpg, csv');
    expect(() => checkUpload(settings, 'noextension', 'application/pdf', 1)).toThrow(/Files of this type/);
    expect(() => checkUpload(settings, 'a.pdf', 'text/html', 1)).toThrow(
      'ContentType text/html does not match a .pdf file (expected application/pdf)',
    );
  });

  test('sizes in words', () => {
    expect([formatBytes(512), formatBytes(65536), formatBytes(20 * 1024 * 1024), formatBytes(1.5 * 1024 * 1024)]).toEqual([
      '512 bytes',
      '64 KB',
      '20 MB',
      '1.5 MB',
    ]);
  });
});
