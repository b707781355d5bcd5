// "Change photo" and "Remove photo" for my avatar (Settings) and a group's picture
// (its panel): the picked image is uploaded (with progress), then made the avatar by
// the server, which crops its centre to a 256x256 square.

import { useRef, useState } from 'react';
import { ApiError } from '../client/client';
import { looksLikeImage, uploadFailure } from '../client/files';
import { useClient } from './hooks';

export function PhotoPicker({
  hasPhoto,
  what,
  apply,
  remove,
}: {
  hasPhoto: boolean;
  /** "your photo", "the group photo": for labels and messages. */
  what: string;
  apply: (fileId: string) => Promise<void>;
  remove: () => Promise<void>;
}) {
  const client = useClient();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const pick = async (file: File) => {
    setMessage(null);
    if (!looksLikeImage(file.type)) {
      setMessage({ ok: false, text: 'Choose a PNG, JPEG, GIF or WebP image.' });
      return;
    }
    setBusy('Uploading… 0%');
    try {
      const uploaded = await client.uploadImage(file, file.name, (loaded) => setBusy(`Uploading… ${file.size ? Math.floor((loaded / file.size) * 100) : 100}%`));
      setBusy('Saving…');
      await apply(uploaded.id);
      setMessage({ ok: true, text: 'Photo updated.' });
    } catch (e) {
      const failure = uploadFailure(e);
      const text =
        e instanceof ApiError && e.field === 'file_id'
          ? 'This file can’t be used as a photo: choose a PNG, JPEG, GIF or WebP image.'
          : e instanceof ApiError && e.code === 'forbidden'
            ? 'Only admins can change the group photo.'
            : `Could not change ${what}: ${failure.text}.`;
      setMessage({ ok: false, text });
    } finally {
      setBusy(null);
    }
  };

  const drop = async () => {
    setMessage(null);
    setBusy('Removing…');
    try {
      await remove();
      setMessage({ ok: true, text: 'Photo removed.' });
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? `Could not remove ${what}: ${e.message}.` : `Could not remove ${what}; check your connection and try again.` });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="photo-picker">
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        hidden
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void pick(file);
        }}
      />
      <div className="photo-picker__buttons">
        <button type="button" className="btn btn--sm" disabled={busy !== null} onClick={() => input.current?.click()}>
          Change photo
        </button>
        {hasPhoto && (
          <button type="button" className="btn btn--sm btn--danger" disabled={busy !== null} onClick={() => void drop()}>
            Remove photo
          </button>
        )}
      </div>
      {(busy || message) && (
        <p className={busy ? 'muted small flush' : message?.ok ? 'ok small flush' : 'form-error small flush photo-picker__error'} role={busy ? 'status' : message?.ok ? 'status' : 'alert'}>
          {busy ?? message?.text}
        </p>
      )}
    </div>
  );
}
