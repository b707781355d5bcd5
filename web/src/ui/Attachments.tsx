// Files in messages and in the composer: image thumbnails (sized before they load,
// so the timeline does not jump), cards for other files, the full-size image viewer,
// and the composer's pending uploads with their progress and errors.
//
// Files of encrypted messages (`ShownFile.encrypted`) look the same, but their bytes
// are downloaded and decrypted here: a photo shows once decrypted (there is no
// thumbnail, and its size is known only then), a card decrypts on click, and a file
// that cannot be decrypted says so in words.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { EncryptedFile, ShownFile } from '../client/e2eeView';
import { FileDecryptError } from '../client/encryptedFiles';
import { fileKind, fileLabel, fitImage, formatSize, isImage, looksLikeImage, uploadsFraction, type UploadItem } from '../client/files';
import { useClient, useFileUrl, useSaveFile } from './hooks';

/** Largest box a single image is shown in, in CSS pixels (thumbnails are at most 320). */
const SINGLE_MAX = { width: 320, height: 280 };

/** The box an encrypted photo takes until it is decrypted and its size known. */
const SEALED_PLACEHOLDER = { width: 240, height: 180 };

type Image = ShownFile & { width: number; height: number };
type SealedImage = ShownFile & { encrypted: EncryptedFile };

/** A photo of an encrypted message: shown inline once decrypted here. */
function isSealedImage(file: ShownFile): file is SealedImage {
  return file.encrypted !== undefined && looksLikeImage(file.content_type);
}

/** A message's files: images as thumbnails (a grid when there are several), the rest as cards. */
export function MessageAttachments({ files, onOpen }: { files: ShownFile[]; onOpen: (images: Image[], index: number) => void }) {
  const images = files.filter(isImage);
  const sealed = files.filter(isSealedImage);
  const others = files.filter((f) => !isImage(f) && !isSealedImage(f));
  const columns = images.length === 2 || images.length === 4 ? 2 : 3;
  return (
    <div className="attachments">
      {images.length === 1 && images[0] && <ImageThumb file={images[0]} onOpen={() => onOpen(images, 0)} />}
      {images.length > 1 && (
        <ul className={`attach-grid attach-grid--${columns}`} aria-label={`${images.length} photos`}>
          {images.map((image, i) => (
            <li key={image.id}>
              <ImageThumb file={image} tile onOpen={() => onOpen(images, i)} />
            </li>
          ))}
        </ul>
      )}
      {sealed.length === 1 && sealed[0] && <SealedThumb file={sealed[0]} onOpen={(measured) => onOpen([measured], 0)} />}
      {sealed.length > 1 && (
        <ul className={`attach-grid attach-grid--${sealed.length === 2 || sealed.length === 4 ? 2 : 3}`} aria-label={`${sealed.length} photos`}>
          {sealed.map((image) => (
            <li key={image.id}>
              <SealedThumb file={image} tile onOpen={(measured) => onOpen([measured], 0)} />
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <ul className="file-cards" aria-label={others.length === 1 ? 'File' : `${others.length} files`}>
          {others.map((file) => (
            <li key={file.id}>
              <FileCard file={file} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * An image's thumbnail as a button that opens the viewer. Its box has the image's
 * shape from the start (an SVG of that size holds the place), with a shimmer until
 * the thumbnail is there.
 */
export function ImageThumb({ file, tile = false, onOpen }: { file: Image; tile?: boolean; onOpen: () => void }) {
  const { url, failed } = useFileUrl(file.thumbnail ? file.id : undefined, 'thumbnail');
  const [painted, setPainted] = useState(false);
  const size = fitImage(file.width, file.height, SINGLE_MAX.width, SINGLE_MAX.height);
  const missing = failed || !file.thumbnail;
  return (
    <button
      type="button"
      className={`thumb${tile ? ' thumb--tile' : ''}${painted ? ' thumb--loaded' : ''}`}
      onClick={onOpen}
      aria-label={`Open photo ${file.name}`}
      title={file.name}
    >
      {!tile && <svg className="thumb__sizer" width={size.width} height={size.height} viewBox={`0 0 ${size.width} ${size.height}`} aria-hidden="true" />}
      {url && <img className="thumb__img" src={url} alt={file.name} width={size.width} height={size.height} draggable={false} onLoad={() => setPainted(true)} />}
      {missing && (
        <span className="thumb__missing">
          <FileIcon name={file.name} contentType={file.content_type} />
          <span className="ellipsis">{file.name}</span>
        </span>
      )}
    </button>
  );
}

/**
 * A photo of an encrypted message, decrypted into an object URL while it is shown. It
 * takes a placeholder's box until decrypted, then its own shape; it opens the viewer
 * with its measured size. A photo that cannot be decrypted (or downloaded) says so.
 */
function SealedThumb({ file, tile = false, onOpen }: { file: SealedImage; tile?: boolean; onOpen: (image: Image) => void }) {
  const { url, failed, error } = useFileUrl(file.id, 'full', file.encrypted);
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);
  const size = natural ? fitImage(natural.width, natural.height, SINGLE_MAX.width, SINGLE_MAX.height) : SEALED_PLACEHOLDER;
  if (failed) {
    return (
      <p className="file-card file-card--failed sealed-error" role="note" title={file.name}>
        <FileIcon name={file.name} contentType={file.content_type} />
        <span className="file-card__text">
          <span className="file-card__name">{file.name}</span>
          <span className="file-card__meta">{failureText(error)}</span>
        </span>
      </p>
    );
  }
  return (
    <button
      type="button"
      className={`thumb${tile ? ' thumb--tile' : ''}${natural ? ' thumb--loaded' : ''}`}
      onClick={() => natural && onOpen({ ...file, ...natural })}
      disabled={!natural}
      aria-label={natural ? `Open photo ${file.name}` : `Decrypting photo ${file.name}`}
      title={file.name}
    >
      {!tile && <svg className="thumb__sizer" width={size.width} height={size.height} viewBox={`0 0 ${size.width} ${size.height}`} aria-hidden="true" />}
      {url && (
        <img
          className="thumb__img"
          src={url}
          alt={file.name}
          width={size.width}
          height={size.height}
          draggable={false}
          onLoad={(e) => setNatural({ width: e.currentTarget.naturalWidth || 1, height: e.currentTarget.naturalHeight || 1 })}
        />
      )}
    </button>
  );
}

/** What went wrong with a file of an encrypted message, in words. */
function failureText(error: unknown): string {
  return error instanceof FileDecryptError ? 'Could not be decrypted: the file is damaged or its key is wrong' : 'Could not be downloaded · it may have been deleted';
}

/** A file that is not shown inline: its kind, name and size; the whole card downloads it (decrypting it first if need be). */
export function FileCard({ file }: { file: ShownFile }) {
  const save = useSaveFile();
  const [state, setState] = useState<'idle' | 'busy' | 'failed' | 'undecryptable'>('idle');
  const download = () => {
    setState('busy');
    save(file).then(
      () => setState('idle'),
      (error: unknown) => setState(error instanceof FileDecryptError ? 'undecryptable' : 'failed'),
    );
  };
  const label = fileLabel(file.name, file.content_type);
  return (
    <button
      type="button"
      className={`file-card${state === 'failed' || state === 'undecryptable' ? ' file-card--failed' : ''}`}
      onClick={download}
      disabled={state === 'busy'}
      aria-label={`Download ${file.name} (${label}, ${formatSize(file.size)})`}
      title={file.name}
    >
      <FileIcon name={file.name} contentType={file.content_type} />
      <span className="file-card__text">
        <span className="file-card__name">{file.name}</span>
        <span className="file-card__meta" role={state === 'undecryptable' ? 'alert' : undefined}>
          {state === 'busy'
            ? file.encrypted
              ? 'Downloading and decrypting…'
              : 'Downloading…'
            : state === 'failed'
              ? 'Download failed · try again'
              : state === 'undecryptable'
                ? 'Could not be decrypted: the file is damaged or its key is wrong'
                : `${label} · ${formatSize(file.size)}`}
        </span>
      </span>
      <span className="file-card__action" aria-hidden="true">
        {state === 'busy' ? <span className="spinner spinner--sm" /> : <DownloadGlyph />}
      </span>
    </button>
  );
}

export function DownloadGlyph() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
      <path d="M12 4v11M7 10.5l5 5 5-5M5 19.5h14" className="stroke" />
    </svg>
  );
}

/** A page with its corner folded and the file's kind on a coloured band (PDF, ZIP, ...). */
export function FileIcon({ name, contentType, size = 40 }: { name: string; contentType: string; size?: number }) {
  const kind = fileKind(name, contentType);
  const label = fileLabel(name, contentType);
  return (
    <svg className={`file-icon file-icon--${kind}`} viewBox="0 0 40 48" width={size} height={(size * 48) / 40} aria-hidden="true">
      <path className="file-icon__page" d="M4 3.5A2.5 2.5 0 0 1 6.5 1H26l10 10v33.5a2.5 2.5 0 0 1-2.5 2.5h-27A2.5 2.5 0 0 1 4 44.5z" />
      <path className="file-icon__fold" d="M26 1v7.5a2.5 2.5 0 0 0 2.5 2.5H36z" />
      <rect className="file-icon__band" x="0" y="25" width="32" height="14" rx="3" />
      <text className="file-icon__label" x="16" y="35" textAnchor="middle" textLength={label.length > 3 ? 26 : undefined} lengthAdjust="spacingAndGlyphs">
        {label}
      </text>
    </svg>
  );
}

/** Elements of the viewer that take focus, for keeping Tab inside it. */
function focusables(root: HTMLElement | null): HTMLElement[] {
  return root ? [...root.querySelectorAll<HTMLElement>('button:not([disabled]), [href], [tabindex]:not([tabindex="-1"])')] : [];
}

/**
 * The full-size image viewer: a dark overlay with the image (its thumbnail until the
 * whole file is there), its name, a download button, and the message's other images
 * with ← and → (or the buttons). Escape, ✕ or a click beside the image closes it.
 */
export function ImageViewer({ images, start, close }: { images: Image[]; start: number; close: () => void }) {
  const [index, setIndex] = useState(Math.min(Math.max(start, 0), images.length - 1));
  const file = images[index] as Image;
  const full = useFileUrl(file.id, 'full', file.encrypted);
  const thumb = useFileUrl(file.thumbnail ? file.id : undefined, 'thumbnail');
  const save = useSaveFile();
  const [saving, setSaving] = useState<'idle' | 'busy' | 'failed'>('idle');
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(close);
  useLayoutEffect(() => {
    closeRef.current = close;
  });
  const count = images.length;
  const go = useCallback((step: number) => setIndex((i) => Math.min(Math.max(i + step, 0), count - 1)), [count]);

  // Focus moves in (to the close button) and back where it was when the viewer closes.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('.viewer__close')?.focus();
    return () => before?.focus();
  }, []);

  const onKeyDown = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      closeRef.current();
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      go(-1);
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      go(1);
    } else if (e.key === 'Tab') {
      const items = focusables(ref.current);
      const first = items[0];
      const last = items.at(-1);
      if (!first || !last) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };

  const download = () => {
    setSaving('busy');
    save(file).then(
      () => setSaving('idle'),
      () => setSaving('failed'),
    );
  };
  const shown = full.url ?? thumb.url;
  const position = count > 1 ? `${index + 1} of ${count}` : '';

  return (
    <div
      className="viewer"
      role="dialog"
      aria-modal="true"
      aria-label={`Photo: ${file.name}${position ? `, ${position}` : ''}`}
      ref={ref}
      onKeyDown={onKeyDown}
      onMouseDown={(e) => {
        if (e.target === e.currentTarget || (e.target as HTMLElement).classList.contains('viewer__stage')) close();
      }}
    >
      <header className="viewer__bar">
        <div className="viewer__title">
          <span className="ellipsis viewer__name">{file.name}</span>
          <span className="viewer__meta">
            {[position, `${file.width} × ${file.height}`, formatSize(file.size)].filter(Boolean).join(' · ')}
            {saving === 'failed' && <span role="alert"> · Download failed</span>}
          </span>
        </div>
        <button type="button" className="btn viewer__btn" onClick={download} disabled={saving === 'busy'} aria-label={`Download ${file.name}`}>
          <DownloadGlyph />
          <span className="btn__label">{saving === 'busy' ? 'Downloading…' : 'Download'}</span>
        </button>
        <button type="button" className="btn viewer__btn viewer__close" onClick={close} aria-label="Close photo viewer">
          <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" className="stroke" />
          </svg>
        </button>
      </header>
      <div className="viewer__stage">
        {count > 1 && (
          <button type="button" className="viewer__nav viewer__nav--prev" onClick={() => go(-1)} disabled={index === 0} aria-label="Previous photo">
            <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
              <path d="M15 5l-7 7 7 7" className="stroke" />
            </svg>
          </button>
        )}
        {shown ? (
          <img key={file.id} className={`viewer__img${full.url ? '' : ' viewer__img--preview'}`} src={shown} alt={file.name} width={file.width} height={file.height} draggable={false} />
        ) : (
          !full.failed && <span className="spinner" aria-hidden="true" />
        )}
        {!full.url && !full.failed && (
          <span className="sr-only" role="status">
            Loading the photo…
          </span>
        )}
        {full.failed && (
          <p className="viewer__error" role="alert">
            This photo could not be loaded.
          </p>
        )}
        {count > 1 && (
          <button type="button" className="viewer__nav viewer__nav--next" onClick={() => go(1)} disabled={index === count - 1} aria-label="Next photo">
            <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
              <path d="M9 5l7 7-7 7" className="stroke" />
            </svg>
          </button>
        )}
      </div>
    </div>
  );
}

/** The composer's pending files: one chip each with progress, errors, Retry and Remove. */
export function UploadTray({ items }: { items: UploadItem[] }) {
  const uploading = items.filter((i) => i.status === 'uploading');
  const failed = items.filter((i) => i.status === 'failed');
  const summary =
    failed.length > 0
      ? `${failed.length === 1 ? 'A file' : `${failed.length} files`} could not be uploaded: retry or remove ${failed.length === 1 ? 'it' : 'them'} to send.`
      : uploading.length > 0
        ? `Uploading ${uploading.length === 1 ? '1 file' : `${uploading.length} files`}… ${Math.floor(uploadsFraction(items) * 100)}%`
        : `${items.length === 1 ? '1 file' : `${items.length} files`} ready to send`;
  return (
    <div className="uploads">
      <p className={`uploads__summary${failed.length > 0 ? ' uploads__summary--error' : ''}`} id="uploads-summary">
        {summary}
      </p>
      <ul className="uploads__list" aria-label="Files to send">
        {items.map((item) => (
          <UploadChip key={item.id} item={item} />
        ))}
      </ul>
    </div>
  );
}

function UploadChip({ item }: { item: UploadItem }) {
  const client = useClient();
  const preview = useLocalPreview(item);
  const failed = item.status === 'failed';
  const percent = item.size > 0 ? Math.floor((item.loaded / item.size) * 100) : 0;
  const meta =
    item.status === 'uploading'
      ? `${formatSize(item.loaded)} of ${formatSize(item.size)}`
      : failed
        ? (item.error?.text ?? 'upload failed')
        : formatSize(item.size);
  return (
    <li className={`upload upload--${item.status}`} aria-label={`${item.name}, ${item.status === 'uploading' ? `uploading, ${percent}%` : failed ? `failed: ${meta}` : `uploaded, ${meta}`}`}>
      <span className="upload__thumb">
        {preview ? <img src={preview} alt="" draggable={false} /> : <FileIcon name={item.name} contentType={item.file?.content_type ?? item.mime} size={28} />}
      </span>
      <span className="upload__text">
        <span className="upload__name" title={item.name}>
          {item.name}
        </span>
        <span className={failed ? 'upload__meta upload__meta--error' : 'upload__meta'} role={failed ? 'alert' : undefined}>
          {meta}
        </span>
        {item.status === 'uploading' && <progress className="upload__bar" value={item.loaded} max={Math.max(item.size, 1)} aria-label={`Uploading ${item.name}`} />}
      </span>
      {failed && item.error?.retry && (
        <button type="button" className="btn btn--sm upload__retry" onClick={() => client.retryUpload(item.id)} aria-label={`Retry uploading ${item.name}`}>
          Retry
        </button>
      )}
      <button type="button" className="upload__remove" onClick={() => client.removeUpload(item.id)} aria-label={`Remove ${item.name}`} title="Remove">
        <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
          <path d="M6 6l12 12M18 6L6 18" className="stroke" />
        </svg>
      </button>
    </li>
  );
}

/** A preview of a picked image from its local bytes, revoked when the chip goes. */
function useLocalPreview(item: UploadItem): string | null {
  const client = useClient();
  const [url, setUrl] = useState<string | null>(null);
  const image = looksLikeImage(item.mime);
  useEffect(() => {
    const blob = image ? client.pendingBlob(item.id) : undefined;
    if (!blob) return;
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => {
      URL.revokeObjectURL(made);
      setUrl(null);
    };
  }, [client, item.id, image]);
  return url;
}
