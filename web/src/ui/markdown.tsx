// Safe Markdown formatting of message text, rendered as React elements (never as HTML
// strings): ```fenced code blocks```, `inline code`, **bold**, *italic* or _italic_,
// [text](url), <url> and bare links (http and https only, rel="noopener noreferrer
// nofollow"), and @mentions. Everything else stays text as typed (docs/web.md).
//
// Parsing is markdown-it's (pinned in package.json), reduced to those rules: a
// CommonMark parser that runs in linear time on pathological input (its emphasis and
// link matching are bounded, unlike the regular expression this module used to have
// and unlike micromark, which is quadratic on nested emphasis), and whose token stream
// we turn into our own small tree here. Raw HTML, images, headings, lists, quotes and
// entities are not parsed at all, so they show as the characters the sender typed.

import MarkdownIt, { type Token } from 'markdown-it';
import { useMemo, type ReactNode } from 'react';

/** A link target, if it is an absolute http(s) URL; null otherwise (javascript:, data:, ...). */
export function safeUrl(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Inline formatting of a paragraph. */
export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'bold'; children: Inline[] }
  | { kind: 'italic'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'mention'; name: string };

/** A message is paragraphs, code blocks, and the blank lines between paragraphs. */
export type Block = { kind: 'paragraph'; children: Inline[] } | { kind: 'codeblock'; text: string } | { kind: 'space'; text: string };

/**
 * Bold, italic and links nested deeper than this render their text without a further
 * element, so a message cannot build a DOM as deep as it is long (nor deep recursion here).
 */
const MAX_DEPTH = 16;

const md = new MarkdownIt('zero', { linkify: true });
md.block.ruler.enable(['fence']);
// `linkify` here is the inline rule, for URLs written with their scheme; the core rule
// of that name, which also links `www.` names and e-mail addresses, stays off.
md.inline.ruler.enable(['newline', 'escape', 'backticks', 'emphasis', 'link', 'autolink', 'linkify']);
md.inline.ruler2.enable(['emphasis']);
// markdown-it's own check refuses only a few schemes; this one lets http(s) alone
// through. It looks at the scheme and nothing else: a bare URL it refused would be
// scanned again from its next ':', so a costlier check could make a long run of
// refused URLs quadratic. `toInlines` checks every link again with `safeUrl`.
md.validateLink = (url: string): boolean => /^https?:/i.test(url);
// Show a link's text as typed, not with its host decoded from punycode.
md.normalizeLinkText = (url: string): string => url;
// Bare links only for http(s): the other schemes linkify-it knows stay text.
for (const schema of ['ftp:', 'mailto:', '//']) md.linkify.add(schema, null);

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWord = (c: number): boolean => isAlnum(c) || c === 95; // [A-Za-z0-9_]
const isNameChar = (c: number): boolean => isWord(c) || c === 46 || c === 45; // and . -
const AT = 64;
const NAME_MAX = 33;

/**
 * Splits text into text and @mentions: what `(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.-]{1,31}[A-Za-z0-9_])`
 * matches, by one forward scan (at most NAME_MAX characters looked at per `@`).
 */
function splitMentions(text: string, out: Inline[] = []): Inline[] {
  let last = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    let next = at + 1;
    const before = at > 0 ? text.charCodeAt(at - 1) : -1;
    if (!isWord(before) && before !== AT && isAlnum(text.charCodeAt(at + 1))) {
      const limit = Math.min(text.length, at + 1 + NAME_MAX);
      let end = at + 2;
      while (end < limit && isNameChar(text.charCodeAt(end))) end++;
      while (!isWord(text.charCodeAt(end - 1))) end--; // the name ends on [A-Za-z0-9_]
      if (end - at - 1 >= 3) {
        pushText(out, text.slice(last, at));
        out.push({ kind: 'mention', name: text.slice(at + 1, end) });
        last = end;
        next = end;
      }
    }
    at = text.indexOf('@', next);
  }
  pushText(out, text.slice(last));
  return out;
}

/** Appends text, merged into a text node just before it. */
function pushText(out: Inline[], text: string): void {
  if (!text) return;
  const prev = out[out.length - 1];
  if (prev?.kind === 'text') prev.text += text;
  else out.push({ kind: 'text', text });
}

/** Turns one paragraph's inline tokens into our tree, without recursion. */
function toInlines(tokens: Token[]): Inline[] {
  const root: Inline[] = [];
  // One entry per open token: the list its children go into, and whether it is a link
  // made from a bare or <angle> URL (whose text is the URL: no mentions there).
  const open: { into: Inline[]; url: boolean }[] = [];
  let into = root;
  let inUrl = false;
  let depth = 0;
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
        if (inUrl) pushText(into, token.content);
        else splitMentions(token.content, into);
        break;
      case 'code_inline':
        into.push({ kind: 'code', text: token.content });
        break;
      case 'softbreak':
      case 'hardbreak':
        pushText(into, '\n');
        break;
      case 'strong_open':
      case 'em_open':
      case 'link_open': {
        open.push({ into, url: inUrl });
        const href = token.type === 'link_open' ? safeUrl(String(token.attrGet('href') ?? '')) : null;
        const wrap = depth < MAX_DEPTH && (token.type !== 'link_open' || href !== null);
        if (token.type === 'link_open' && token.markup !== '') inUrl = true; // 'linkify' or 'autolink'
        if (!wrap) break;
        const children: Inline[] = [];
        if (token.type === 'strong_open') into.push({ kind: 'bold', children });
        else if (token.type === 'em_open') into.push({ kind: 'italic', children });
        else into.push({ kind: 'link', href: href ?? '', children });
        into = children;
        depth += 1;
        break;
      }
      case 'strong_close':
      case 'em_close':
      case 'link_close': {
        const frame = open.pop();
        if (!frame) break;
        if (frame.into !== into) depth -= 1;
        into = frame.into;
        inUrl = frame.url;
        break;
      }
      default:
        // Rules that are not enabled make no other tokens; should one appear, its
        // characters are still text.
        pushText(into, token.content);
    }
  }
  return root;
}

/** Parses message text into blocks. Exported for tests. */
export function parse(text: string): Block[] {
  const blocks: Block[] = [];
  let lastLine = -1; // where the previous paragraph ended, to keep the blank lines after it
  const paragraph = (token: Token, children: Inline[]): void => {
    const startLine = token.map?.[0] ?? 0;
    if (lastLine >= 0) blocks.push({ kind: 'space', text: '\n'.repeat(Math.max(1, startLine - lastLine + 1)) });
    blocks.push({ kind: 'paragraph', children });
    lastLine = token.map?.[1] ?? startLine + 1;
  };
  for (const token of md.parse(text, {})) {
    if (token.type === 'inline') {
      paragraph(token, toInlines(token.children ?? []));
    } else if (token.type === 'fence' && token.map && token.map[1] - token.map[0] <= 1) {
      // An opening fence on the last line, closed by nothing, would be an empty block:
      // a message of backticks, or ``` typed after text ("see ```", code, "```").
      // Its characters are shown instead.
      paragraph(token, [{ kind: 'text', text: token.markup + token.info }]);
    } else if (token.type === 'fence') {
      blocks.push({ kind: 'codeblock', text: token.content.replace(/\n$/, '') });
      lastLine = -1;
    }
  }
  return blocks;
}

function inlineText(nodes: Inline[], out: string[]): void {
  for (const node of nodes) {
    if (node.kind === 'text' || node.kind === 'code') out.push(node.text);
    else if (node.kind === 'mention') out.push(`@${node.name}`);
    else inlineText(node.children, out);
  }
}

/**
 * How much of a message `plain` reads. Previews are redrawn often and show one line
 * or a few hundred characters, so a long message need not be parsed whole for them.
 */
const PREVIEW_SOURCE_MAX = 2_000;

/** The start of a message's text without its formatting marks, on one line, for previews. */
export function plain(text: string): string {
  const out: string[] = [];
  for (const block of parse(text.slice(0, PREVIEW_SOURCE_MAX))) {
    if (block.kind === 'paragraph') inlineText(block.children, out);
    else out.push(block.kind === 'codeblock' ? ` ${block.text} ` : ' ');
  }
  return out.join('').replace(/\s+/g, ' ').trim();
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
  const blocks = useMemo(() => parse(text), [text]);
  return blocks.map((block, i) =>
    block.kind === 'codeblock' ? (
      <pre key={i} className="codeblock">
        <code>{block.text}</code>
      </pre>
    ) : block.kind === 'space' ? (
      block.text
    ) : (
      <span key={i} className="md">
        {renderInline(block.children, isMe, `${i}:`)}
      </span>
    ),
  );
}
