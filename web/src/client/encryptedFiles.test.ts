// Files of encrypted rooms: AES-256-GCM both ways, refusals of wrong keys and changed
// bytes, the `EncryptedFile` wire shape (crates/confab-proto's `mls::EncryptedFile`),
// and the in-memory cache of decrypted files.
import { describe, expect, it } from 'vitest';
import { encodeContent, parseContent, type EncryptedFile } from './e2eeView';
import { decryptFile, describeFile, EncryptedFiles, encryptFile, FileDecryptError, IV_BYTES, KEY_BYTES, DECRYPTED_URLS_KEPT } from './encryptedFiles';
import { fromBase64, toBase64 } from './mls/identity';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('encryptFile and decryptFile', () => {
  it('round-trip, with a new 32-byte key and 12-byte iv each time and the 16-byte tag at the end', async () => {
    const plaintext = bytes('%PDF-1.4 the quarterly report');
    const a = await encryptFile(new Blob([plaintext]));
    const b = await encryptFile(new Blob([plaintext]));
    expect(fromBase64(a.key)).toHaveLength(KEY_BYTES);
    expect(fromBase64(a.iv)).toHaveLength(IV_BYTES);
    expect(a.ciphertext).toHaveLength(plaintext.length + 16);
    expect(a.key).not.toBe(b.key);
    expect(a.iv).not.toBe(b.iv);
    expect(toBase64(a.ciphertext)).not.toBe(toBase64(b.ciphertext));
    expect(await decryptFile(a.ciphertext, a)).toEqual(plaintext);
    // An empty file too.
    const empty = await encryptFile(new Blob([]));
    expect(await decryptFile(empty.ciphertext, empty)).toEqual(new Uint8Array());
  });

  it('matches WebCrypto AES-GCM without associated data (what OpenMLS decrypts)', async () => {
    const sealed = await encryptFile(new Blob([bytes('same as the Rust client')]));
    const key = await crypto.subtle.importKey('raw', new Uint8Array(fromBase64(sealed.key)), 'AES-GCM', false, ['decrypt']);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(fromBase64(sealed.iv)), tagLength: 128 }, key, sealed.ciphertext);
    expect(new TextDecoder().decode(plain)).toBe('same as the Rust client');
  });

  it('refuses a wrong key, a wrong iv, a changed or cut ciphertext, and malformed keys', async () => {
    const sealed = await encryptFile(new Blob([bytes('secret plans')]));
    const other = await encryptFile(new Blob([bytes('secret plans')]));
    await expect(decryptFile(sealed.ciphertext, { key: other.key, iv: sealed.iv })).rejects.toBeInstanceOf(FileDecryptError);
    await expect(decryptFile(sealed.ciphertext, { key: sealed.key, iv: other.iv })).rejects.toBeInstanceOf(FileDecryptError);
    const changed = sealed.ciphertext.slice();
    changed[3] = (changed[3] as number) ^ 0x80;
    await expect(decryptFile(changed, sealed)).rejects.toBeInstanceOf(FileDecryptError);
    await expect(decryptFile(sealed.ciphertext.slice(0, -1), sealed)).rejects.toBeInstanceOf(FileDecryptError);
    await expect(decryptFile(sealed.ciphertext, { key: 'not base64!', iv: sealed.iv })).rejects.toBeInstanceOf(FileDecryptError);
    await expect(decryptFile(sealed.ciphertext, { key: toBase64(new Uint8Array(16)), iv: sealed.iv })).rejects.toBeInstanceOf(FileDecryptError);
    await expect(decryptFile(sealed.ciphertext, { key: sealed.key, iv: toBase64(new Uint8Array(16)) })).rejects.toBeInstanceOf(FileDecryptError);
  });
});

describe('the EncryptedFile in a message', () => {
  it('has exactly the Rust field names, and a text content carries it both ways', async () => {
    const sealed = await encryptFile(new Blob([bytes('x')]));
    const file = describeFile('01HX-file', { name: 'Quarterly report (final).pdf', contentType: 'application/pdf', size: 1 }, sealed);
    expect(Object.keys(file).sort()).toEqual(['content_type', 'file_id', 'iv', 'key', 'name', 'size']);
    expect(file).toEqual({ file_id: '01HX-file', name: 'Quarterly report (final).pdf', content_type: 'application/pdf', size: 1, key: sealed.key, iv: sealed.iv });
    // The browser may not know a file's type: the content says octet-stream.
    expect(describeFile('f', { name: 'notes', contentType: '', size: 0 }, sealed).content_type).toBe('application/octet-stream');

    const json = JSON.parse(new TextDecoder().decode(encodeContent({ type: 'text', text: 'see attached', reply_to: 4, attachments: [file] }))) as unknown;
    expect(json).toEqual({ type: 'text', text: 'see attached', reply_to: 4, attachments: [file] });
    expect(parseContent(encodeContent({ type: 'text', text: 'see attached', attachments: [file] }))).toEqual({ type: 'text', text: 'see attached', attachments: [file] });
  });

  it('reads what the Rust client writes, and leaves out malformed attachments', () => {
    // serde_json of `EncryptedContent::Text` with one file (crates/confab-proto, field order as declared).
    const rust =
      '{"type":"text","text":"","attachments":[{"file_id":"abc","name":"a.png","content_type":"image/png","size":68,"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","iv":"AAAAAAAAAAAAAAAA"}]}';
    const parsed = parseContent(bytes(rust));
    expect(parsed).toEqual({
      type: 'text',
      text: '',
      attachments: [{ file_id: 'abc', name: 'a.png', content_type: 'image/png', size: 68, key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', iv: 'AAAAAAAAAAAAAAAA' }],
    });
    const bad = { type: 'text', text: 'hi', attachments: [{ file_id: 'x', name: 'n', content_type: 't', size: -1, key: 'k', iv: 'i' }, { file_id: 1 }, null] };
    expect(parseContent(bytes(JSON.stringify(bad)))).toEqual({ type: 'text', text: 'hi' });
  });
});

describe('EncryptedFiles', () => {
  const urls = () => {
    const live = new Set<string>();
    let n = 0;
    return { live, create: () => { const url = `blob:${++n}`; live.add(url); return url; }, revoke: (url: string) => void live.delete(url) };
  };

  it('downloads and decrypts a file into a typed blob, and names a failure', async () => {
    const sealed = await encryptFile(new Blob([bytes('\x89PNG...')]));
    const store = new Map([['f1', sealed.ciphertext]]);
    const files = new EncryptedFiles(async (id) => new Blob([store.get(id) ?? new Uint8Array()]), urls());
    const file: EncryptedFile = describeFile('f1', { name: 'a.png', contentType: 'image/png', size: 7 }, sealed);
    const blob = await files.blob(file);
    expect(blob.type).toBe('image/png');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes('\x89PNG...'));
    const wrong = await encryptFile(new Blob([bytes('other')]));
    await expect(files.blob({ ...file, key: wrong.key })).rejects.toThrow(/could not be decrypted/);
  });

  it('keeps at most DECRYPTED_URLS_KEPT decrypted files nobody shows, and revokes all at clear', async () => {
    const sealed = await encryptFile(new Blob([bytes('photo')]));
    const objectUrls = urls();
    const files = new EncryptedFiles(async () => new Blob([sealed.ciphertext]), objectUrls);
    const many = Array.from({ length: DECRYPTED_URLS_KEPT + 5 }, (_, i) => describeFile(`f${i}`, { name: 'p.png', contentType: 'image/png', size: 5 }, sealed));
    for (const file of many) {
      const held = files.show(file);
      await held.url;
      held.release();
    }
    expect(objectUrls.live.size).toBe(DECRYPTED_URLS_KEPT);
    // The newest are kept, the oldest revoked.
    expect(files.peek(many.at(-1) as EncryptedFile)).not.toBeNull();
    expect(files.peek(many[0] as EncryptedFile)).toBeNull();
    files.clear();
    expect(objectUrls.live.size).toBe(0);
  });
});
