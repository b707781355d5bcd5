import { describe, expect, it } from 'vitest';
import {
  addUploads,
  attachmentLabel,
  attachmentSummary,
  fileKind,
  fileLabel,
  fitImage,
  formatSize,
  isImage,
  pastedName,
  readUploadResponse,
  removeUploads,
  roomUploads,
  uploadDone,
  uploadFailed,
  uploadFailure,
  uploadProgress,
  uploadRestarted,
  uploadsFraction,
  uploadsReadiness,
  type UploadItem,
} from './files';
import { ApiError, NetworkError } from './rest';
import type { FileInfo } from './types';

const photo: FileInfo = { id: 'f1', name: 'dawn.jpg', size: 120_000, content_type: 'image/jpeg', width: 1600, height: 1200, thumbnail: { width: 320, height: 240, content_type: 'image/jpeg' } };
const pdf: FileInfo = { id: 'f2', name: 'report.pdf', size: 2_500_000, content_type: 'application/pdf' };

function item(id: string, size = 1000, roomId = 9): UploadItem {
  return { id, roomId, name: `${id}.bin`, size, mime: 'application/octet-stream', status: 'uploading', loaded: 0 };
}

describe('upload errors, in words', () => {
  it('names the server’s limit for a file that is too large', () => {
    const failure = uploadFailure(new ApiError(413, 'payload_too_large', 'a file has at most 104857600 bytes'));
    expect(failure).toEqual({ reason: 'too_large', text: 'too large (max 100 MB)', retry: false });
    // Without a number in the message, it still says what happened.
    expect(uploadFailure(new ApiError(413, 'payload_too_large', 'the request body is too large')).text).toBe('too large for this server');
  });

  it('tells a full quota, an unreadable image, a bad name and a network failure apart', () => {
    expect(uploadFailure(new ApiError(413, 'quota_exceeded', 'this upload would go past your storage quota: 12 bytes are left'))).toEqual({
      reason: 'quota',
      text: 'your storage quota is full',
      retry: false,
    });
    expect(uploadFailure(new ApiError(400, 'invalid_input', 'the image cannot be read: Format error', 'file'))).toEqual({
      reason: 'unreadable',
      text: 'this image can’t be read',
      retry: false,
    });
    expect(uploadFailure(new ApiError(400, 'invalid_input', 'the image has too many pixels (40000x40000)', 'file')).text).toBe('image too large in pixels');
    expect(uploadFailure(new ApiError(400, 'invalid_input', 'a file name needs at least one visible character', 'name')).reason).toBe('invalid');
    expect(uploadFailure(new NetworkError())).toEqual({ reason: 'network', text: 'upload failed: no connection', retry: true });
    // An upload cut short, and trouble on the server, may work the next time.
    expect(uploadFailure(new ApiError(400, 'invalid_input', 'the upload was interrupted: timeout', 'file')).retry).toBe(true);
    expect(uploadFailure(new ApiError(503, 'unavailable', 'busy')).retry).toBe(true);
  });

  it('reads the server’s answer: the file, or its refusal as an ApiError', () => {
    expect(readUploadResponse(201, JSON.stringify(pdf))).toEqual(pdf);
    expect(readUploadResponse(200, JSON.stringify(pdf))).toEqual(pdf);
    expect(() => readUploadResponse(413, JSON.stringify({ error: { code: 'quota_exceeded', message: 'full' } }))).toThrow(
      expect.objectContaining({ status: 413, code: 'quota_exceeded' }) as Error,
    );
    // A proxy's HTML error page: the status is all there is.
    expect(() => readUploadResponse(413, '<html>Request Entity Too Large</html>')).toThrow(expect.objectContaining({ code: 'payload_too_large' }) as Error);
    expect(() => readUploadResponse(502, 'Bad gateway')).toThrow(expect.objectContaining({ code: 'internal', status: 502 }) as Error);
  });
});

describe('the upload queue', () => {
  it('tracks progress without going backwards or past the size, then the file', () => {
    let list = addUploads([], [item('a'), item('b', 3000)]);
    list = uploadProgress(list, 'a', 400);
    list = uploadProgress(list, 'a', 300); // a late, smaller report
    expect(list[0]!.loaded).toBe(400);
    list = uploadProgress(list, 'a', 5000);
    expect(list[0]!.loaded).toBe(1000);
    expect(uploadsReadiness(list)).toBe('uploading');
    expect(uploadsFraction(list)).toBeCloseTo(1000 / 4000);
    list = uploadDone(list, 'a', pdf);
    list = uploadDone(list, 'b', photo);
    expect(list.map((i) => i.status)).toEqual(['done', 'done']);
    expect(uploadsReadiness(list)).toBe('ready');
    expect(uploadsFraction(list)).toBe(1);
  });

  it('keeps a failure until the file is retried or removed', () => {
    let list = addUploads([], [item('a'), item('b')]);
    list = uploadDone(list, 'a', pdf);
    list = uploadProgress(list, 'b', 500);
    list = uploadFailed(list, 'b', uploadFailure(new NetworkError()));
    expect(uploadsReadiness(list)).toBe('failed');
    expect(list[1]).toMatchObject({ status: 'failed', loaded: 500, error: { reason: 'network' } });
    list = uploadRestarted(list, 'b');
    expect(list[1]).toMatchObject({ status: 'uploading', loaded: 0, error: undefined });
    list = removeUploads(list, ['b']);
    expect(uploadsReadiness(list)).toBe('ready');
    expect(uploadsReadiness([])).toBe('none');
  });

  it('belongs to one room, and unknown ids change nothing', () => {
    const list = addUploads([], [item('a', 10, 9), item('b', 10, 12)]);
    expect(roomUploads(list, 12).map((i) => i.id)).toEqual(['b']);
    expect(uploadProgress(list, 'zzz', 5)).toBe(list);
    expect(removeUploads(list, ['zzz'])).toBe(list);
  });
});

describe('showing files', () => {
  it('formats sizes in powers of 1024', () => {
    expect([0, 512, 1024, 1536, 12_345, 104_857_600, 1_288_490_189].map(formatSize)).toEqual(['0 B', '512 B', '1 KB', '1.5 KB', '12.1 KB', '100 MB', '1.2 GB']);
  });

  it('shows images inline only when the server measured them', () => {
    expect(isImage(photo)).toBe(true);
    expect(isImage(pdf)).toBe(false);
    expect(isImage({ ...photo, width: undefined, height: undefined })).toBe(false);
    expect(isImage({ ...photo, content_type: 'image/svg+xml' })).toBe(false);
  });

  it('sizes a thumbnail to its shape within the box, never larger than the image', () => {
    expect(fitImage(1600, 1200, 320, 280)).toEqual({ width: 320, height: 240 });
    expect(fitImage(1200, 1600, 320, 280)).toEqual({ width: 210, height: 280 });
    expect(fitImage(100, 50, 320, 280)).toEqual({ width: 100, height: 50 });
    // A very long strip keeps a usable height (and is cut by object-fit).
    expect(fitImage(4000, 20, 320, 280)).toEqual({ width: 320, height: 48 });
  });

  it('names the kind of a file from its sniffed type, else its name', () => {
    expect(fileKind('report.pdf', 'application/pdf')).toBe('pdf');
    expect(fileKind('budget 2027.xlsx', 'application/zip')).toBe('sheet');
    expect(fileKind('assets.zip', 'application/zip')).toBe('archive');
    expect(fileKind('main.rs', 'text/plain')).toBe('code');
    expect(fileKind('README', 'text/plain')).toBe('text');
    expect(fileKind('data.bin', 'application/octet-stream')).toBe('other');
    expect(fileLabel('deck.pptx', 'application/zip')).toBe('PPTX');
    expect(fileLabel('archive.tar.gz', 'application/gzip')).toBe('GZ');
    expect(fileLabel('blob', 'application/octet-stream')).toBe('FILE');
    expect(fileLabel('notes.markdown', 'text/plain')).toBe('TEXT');
  });

  it('sums up a message’s files for previews and notifications', () => {
    expect(attachmentLabel([photo])).toEqual({ icon: 'photo', text: 'Photo' });
    expect(attachmentLabel([photo, { ...photo, id: 'f3' }])).toEqual({ icon: 'photo', text: '2 photos' });
    expect(attachmentLabel([pdf])).toEqual({ icon: 'file', text: 'report.pdf' });
    expect(attachmentLabel([photo, pdf])).toEqual({ icon: 'file', text: '2 files' });
    expect(attachmentLabel([])).toBeNull();
    expect(attachmentSummary([pdf])).toBe('📎 report.pdf');
    expect(attachmentSummary([photo])).toBe('📷 Photo');
    // A photo of an encrypted message (no measured size) is a photo too; its other files are files.
    const sealed = { id: 'f9', name: 'pier.png', size: 9, content_type: 'image/png', encrypted: { file_id: 'f9', name: 'pier.png', content_type: 'image/png', size: 9, key: 'k', iv: 'i' } };
    expect(attachmentLabel([sealed])).toEqual({ icon: 'photo', text: 'Photo' });
    expect(attachmentLabel([{ ...sealed, content_type: 'application/pdf', name: 'a.pdf' }])).toEqual({ icon: 'file', text: 'a.pdf' });
  });

  it('names pasted images by when they were pasted', () => {
    const at = new Date(2026, 10, 26, 14, 5, 9);
    expect(pastedName('image.png', 'image/png', at)).toBe('Pasted image 2026-11-26 at 14.05.09.png');
    expect(pastedName('', 'image/jpeg', at)).toBe('Pasted image 2026-11-26 at 14.05.09.jpg');
    expect(pastedName('diagram.png', 'image/png', at)).toBe('diagram.png');
  });
});
