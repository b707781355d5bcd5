// The "Files" tab of a conversation's details: every file shared in it, newest
// first, a page at a time, each with a download button (images open the viewer).
// Files shared while it is open are added from the timeline, and files of messages
// deleted meanwhile leave it. In an encrypted room the server knows only ciphertext:
// each file is listed under its own name, with its key, from this device's decrypted
// messages, and the files this device cannot decrypt are left out.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { emptyLog, encryptedFileIn, shownEncryptedFile } from '../client/e2eeView';
import { fileLabel, formatSize, isImage } from '../client/files';
import type { FileInfo, RoomId, SharedFile } from '../client/types';
import { DownloadGlyph, FileIcon } from './Attachments';
import { displayName } from './Block';
import { formatListTime, useChatState, useClient, useFileUrl, useSaveFile } from './hooks';

type Image = FileInfo & { width: number; height: number };

export function RoomFiles({ roomId, onOpen, id, labelledBy }: { roomId: RoomId; onOpen: (images: Image[], index: number) => void; id: string; labelledBy: string }) {
  const client = useClient();
  const state = useChatState();
  const room = state.rooms[roomId];
  const [fetched, setFetched] = useState<SharedFile[] | null>(null);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (before?: number) => {
      setLoading(true);
      setError(null);
      try {
        const page = await client.roomFiles(roomId, before);
        setFetched((list) => (before === undefined ? page.files : [...(list ?? []), ...page.files]));
        setNext(page.next_before);
      } catch {
        setError('Could not load the files; check your connection and try again.');
      } finally {
        setLoading(false);
      }
    },
    [client, roomId],
  );

  useEffect(() => {
    void load();
  }, [load]);

  // What the timeline knows: messages newer than the first page, and deletions.
  const timeline = room?.timeline;
  const encrypted = room?.room.encrypted === true;
  const log = state.e2ee?.logs[roomId];
  const files = useMemo(() => {
    if (!fetched) return null;
    const newest = fetched[0]?.seq ?? 0;
    const deleted = new Set<number>();
    const fresh: SharedFile[] = [];
    for (const e of timeline ?? []) {
      if (e.content.type !== 'message') continue;
      if (e.content.deleted_at) deleted.add(e.seq);
      else if (e.seq > newest && e.content.attachments) {
        for (const file of e.content.attachments) fresh.push({ file, room_id: roomId, seq: e.seq, sender_id: e.sender_id, shared_at: e.created_at });
      }
    }
    fresh.sort((a, b) => b.seq - a.seq);
    const shared = [...fresh, ...fetched].filter((f) => !deleted.has(f.seq));
    if (!encrypted) return shared;
    return shared.flatMap((f) => {
      const found = encryptedFileIn(log ?? emptyLog, f.seq, f.file.id);
      return found ? [{ ...f, file: shownEncryptedFile(found) }] : [];
    });
  }, [fetched, timeline, roomId, encrypted, log]);

  return (
    <div className="room-files" role="tabpanel" id={id} aria-labelledby={labelledBy}>
      {files === null ? (
        error ? null : (
          <p className="muted center">Loading files…</p>
        )
      ) : files.length === 0 ? (
        <p className="muted center room-files__empty">No files shared yet. Attach files with the paperclip, or drop them on the conversation.</p>
      ) : (
        <ul className="shared-files" aria-label="Shared files">
          {files.map((f) => (
            <SharedFileRow key={`${f.seq}-${f.file.id}`} shared={f} sender={displayName(state.users, f.sender_id)} onOpen={onOpen} />
          ))}
        </ul>
      )}
      {error && (
        <p className="form-error small" role="alert">
          {error}{' '}
          <button type="button" className="link" onClick={() => void load(fetched && fetched.length > 0 ? next : undefined)}>
            Try again
          </button>
        </p>
      )}
      {next !== undefined && files !== null && (
        <button type="button" className="btn btn--block" disabled={loading} onClick={() => void load(next)}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}

function SharedFileRow({ shared, sender, onOpen }: { shared: SharedFile; sender: string; onOpen: (images: Image[], index: number) => void }) {
  const file = shared.file;
  const save = useSaveFile();
  const [state, setState] = useState<'idle' | 'busy' | 'failed'>('idle');
  const image = isImage(file) ? file : null;
  const download = () => {
    setState('busy');
    save(file).then(
      () => setState('idle'),
      () => setState('failed'),
    );
  };
  return (
    <li className="shared-file">
      {image ? <SmallThumb file={image} onOpen={() => onOpen([image], 0)} /> : <FileIcon name={file.name} contentType={file.content_type} size={32} />}
      <span className="shared-file__text">
        <span className="shared-file__name" title={file.name}>
          {file.name}
        </span>
        <span className="shared-file__meta">
          {state === 'failed' ? (
            <span className="form-error" role="alert">
              Download failed
            </span>
          ) : (
            <>
              {image ? 'Photo' : fileLabel(file.name, file.content_type)} · {formatSize(file.size)} · <time dateTime={shared.shared_at}>{formatListTime(shared.shared_at)}</time>
            </>
          )}
        </span>
        <span className="shared-file__meta">{sender}</span>
      </span>
      <button type="button" className="btn btn--ghost btn--icon" onClick={download} disabled={state === 'busy'} aria-label={`Download ${file.name}`} title="Download">
        {state === 'busy' ? <span className="spinner spinner--sm" aria-hidden="true" /> : <DownloadGlyph />}
      </button>
    </li>
  );
}

function SmallThumb({ file, onOpen }: { file: Image; onOpen: () => void }) {
  const { url } = useFileUrl(file.thumbnail ? file.id : undefined, 'thumbnail');
  return (
    <button type="button" className="small-thumb" onClick={onOpen} aria-label={`Open photo ${file.name}`}>
      {url ? <img src={url} alt="" width={40} height={40} draggable={false} /> : <FileIcon name={file.name} contentType={file.content_type} size={28} />}
    </button>
  );
}
