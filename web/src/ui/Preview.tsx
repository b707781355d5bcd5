// One line for a message where its full body is not shown: the room list, reply
// quotes, the composer's "Replying to" line. Files show as an icon and a few words
// ("Photo", "report.pdf"), before the text if there is some.

import { attachmentLabel } from '../client/files';
import type { FileInfo, MessageBody } from '../client/types';
import { plain } from './markdown';

export interface Preview {
  icon?: 'photo' | 'file';
  text: string;
}

export function messagePreview(content: { body?: MessageBody; attachments?: FileInfo[]; deleted_at?: string }): Preview {
  if (content.deleted_at) return { text: 'Message deleted' };
  if (content.body?.type === 'encrypted') return { text: 'Encrypted message' };
  const files = attachmentLabel(content.attachments);
  const text = content.body?.type === 'text' ? plain(content.body.text).trim() : '';
  if (!files) return { text };
  return { icon: files.icon, text: text || files.text };
}

/** The preview as plain text (for labels). */
export function previewText(preview: Preview): string {
  return preview.icon && !preview.text ? (preview.icon === 'photo' ? 'Photo' : 'File') : preview.text;
}

/** The preview's icon, if any, and its text cut to `max` characters. */
export function PreviewLine({ preview, max = 200 }: { preview: Preview; max?: number }) {
  return (
    <>
      {preview.icon && <PreviewIcon icon={preview.icon} />}
      {preview.text.slice(0, max)}
    </>
  );
}

function PreviewIcon({ icon }: { icon: 'photo' | 'file' }) {
  return (
    <svg className="preview-icon" viewBox="0 0 24 24" width="14" height="14" role="img" aria-label={icon === 'photo' ? 'Photo:' : 'File:'}>
      {icon === 'photo' ? (
        <>
          <rect x="3" y="5" width="18" height="14" rx="2.5" className="stroke" />
          <circle cx="9" cy="10" r="1.6" className="stroke" />
          <path d="M4 17l5-4.5 3.5 3 3-2.5 4.5 4" className="stroke" />
        </>
      ) : (
        <path d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.2-8.2a3.4 3.4 0 0 1 4.8 4.8l-8.1 8.1a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4" className="stroke" />
      )}
    </svg>
  );
}
