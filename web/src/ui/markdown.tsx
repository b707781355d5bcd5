// Safe Markdown-style formatting of message text, rendered as React elements (never
// as HTML strings): ```code blocks```, `inline code`, **bold**, *italic* or _italic_,
// [text](url) and bare links (http and https only, rel="noopener noreferrer"), and
// @mentions. Anything else stays plain text.

import type { ReactNode } from 'react';

/** A link target, if it is an absolute http(s) URL; null otherwise (javascript:, data:, ...). */
export function safeUrl(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Message text without its formatting marks, on one line, for previews. */
export function plain(text: string): string {
  return text
    .replace(/```[a-z0-9+-]*\n?/gi, ' ')
    .replace(/\*\*(.+?)\*\*|(?<![\w*])\*([^*\n]+?)\*(?![\w*])|(?<![\w_])_([^_\n]+?)_(?![\w_])|`([^`\n]+)`/g, (_m: string, a?: string, b?: string, c?: string, d?: string) => a ?? b ?? c ?? d ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'bold'; children: Inline[] }
  | { kind: 'italic'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'mention'; name: string };

// Order matters: earlier alternatives win at the same position.
const INLINE =
  /`([^`\n]+)`|\*\*([^*\n]+?)\*\*|(?<![\w*])\*([^*\n]+?)\*(?![\w*])|(?<![\w_])_([^_\n]+?)_(?![\w_])|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])|(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.-]{1,31}[A-Za-z0-9_])/g;

/** Parses one paragraph of inline formatting. Exported for tests. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: 'text', text: text.slice(last, at) });
    if (m[1] !== undefined) out.push({ kind: 'code', text: m[1] });
    else if (m[2] !== undefined) out.push({ kind: 'bold', children: parseInline(m[2]) });
    else if (m[3] !== undefined) out.push({ kind: 'italic', children: parseInline(m[3]) });
    else if (m[4] !== undefined) out.push({ kind: 'italic', children: parseInline(m[4]) });
    else if (m[5] !== undefined && m[6] !== undefined) {
      const href = safeUrl(m[6]);
      if (href) out.push({ kind: 'link', href, children: parseInline(m[5]) });
      else out.push({ kind: 'text', text: m[0] });
    } else if (m[7] !== undefined) {
      const href = safeUrl(m[7]);
      out.push(href ? { kind: 'link', href, children: [{ kind: 'text', text: m[7] }] } : { kind: 'text', text: m[7] });
    } else if (m[8] !== undefined) out.push({ kind: 'mention', name: m[8] });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

function renderInline(nodes: Inline[], mine: (name: string) => boolean, key = ''): ReactNode[] {
  return nodes.map((node, i) => {
    const k = `${key}${i}`;
    switch (node.kind) {
      case 'text':
        return node.text;
      case 'code':
        return <code key={k}>{node.text}</code>;
      case 'bold':
        return <strong key={k}>{renderInline(node.children, mine, `${k}.`)}</strong>;
      case 'italic':
        return <em key={k}>{renderInline(node.children, mine, `${k}.`)}</em>;
      case 'link':
        return (
          <a key={k} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(node.children, mine, `${k}.`)}
          </a>
        );
      case 'mention':
        return (
          <span key={k} className={mine(node.name) ? 'mention mention--me' : 'mention'}>
            @{node.name}
          </span>
        );
    }
  });
}

/** Renders message text. `isMe` tells which @name is the reader, to highlight it. */
export function Formatted({ text, isMe }: { text: string; isMe: (name: string) => boolean }): ReactNode {
  const parts = text.split(/```(?:[a-z0-9+-]*\n)?([\s\S]*?)```/gi);
  return parts.map((part, i) =>
    i % 2 === 1 ? (
      <pre key={i} className="codeblock">
        <code>{part.replace(/\n$/, '')}</code>
      </pre>
    ) : part ? (
      <span key={i} className="md">
        {renderInline(parseInline(part), isMe, `${i}:`)}
      </span>
    ) : null,
  );
}
