// The preview the server fetched for a message's first link: a compact card under the
// message's text with the site's name, the page's title (a link to it), its
// description (three lines at most) and its picture, left of the text on a wide screen
// and above it on a phone. The picture's box has its shape from the start, so the
// timeline does not jump when it loads; without a picture the card is text only. The
// sender of the message may remove the preview (`onRemove`).

import type { CSSProperties } from 'react';
import { fitImage } from '../client/files';
import { previewImageId } from '../client/media';
import type { LinkPreview, RoomId, Seq } from '../client/types';
import { useFileUrl } from './hooks';
import './linkPreview.css';

/** The picture's box beside the text, in CSS pixels (on a phone it takes the card's width). */
const SIDE_MAX = { width: 120, height: 120 };

export function LinkPreviewCard({ roomId, seq, preview, onRemove }: { roomId: RoomId; seq: Seq; preview: LinkPreview; onRemove?: () => void }) {
  const image = preview.image;
  const { url } = useFileUrl(image ? previewImageId(roomId, seq, preview.url) : undefined, 'preview');
  const title = preview.title.trim() || preview.url;
  // The box's shape before the picture loads: its own, at the width it takes beside the text.
  const box = image && ({ aspectRatio: `${image.width} / ${image.height}`, '--side-width': `${fitImage(image.width, image.height, SIDE_MAX.width, SIDE_MAX.height).width}px` } as CSSProperties);
  return (
    <div className={`link-preview${image ? ' link-preview--picture' : ''}`}>
      {image && (
        <a
          className="link-preview__picture"
          href={preview.url}
          target="_blank"
          rel="noopener noreferrer nofollow"
          tabIndex={-1}
          aria-hidden="true"
          style={box || undefined}
        >
          {url && <img src={url} alt="" width={image.width} height={image.height} draggable={false} />}
        </a>
      )}
      <div className="link-preview__text">
        {preview.site_name.trim() && <span className="link-preview__site">{preview.site_name}</span>}
        <a className="link-preview__title" href={preview.url} target="_blank" rel="noopener noreferrer nofollow">
          {title}
        </a>
        {preview.description.trim() && <p className="link-preview__description">{preview.description}</p>}
      </div>
      {onRemove && (
        <button type="button" className="link-preview__remove" aria-label="Remove preview" title="Remove preview" onClick={onRemove}>
          ×
        </button>
      )}
    </div>
  );
}
