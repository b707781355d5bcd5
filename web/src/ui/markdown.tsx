// Safe Markdown formatting of message text, rendered as React elements (never as HTML
// strings): ```fenced code blocks```, `inline code`, **bold**, *italic* or _italic_,
// ~~strikethrough~~, [text](url), <url> and bare links (http and https only,
// rel="noopener noreferrer nofollow"), @mentions, and the blocks "> quote", "- item"
// or "1. item" lists and "# heading" lines. Everything else stays text as typed
// (docs/web.md).
//
// Parsing is markdown-it's (pinned in package.json), reduced to those rules: a
// CommonMark parser that runs in linear time on pathological input (its emphasis and
// link matching are bounded, unlike the regular expression this module used to have
// and unlike micromark, which is quadratic on nested emphasis), and whose token stream
// we turn into our own small tree here: an allow-list, since only the tokens of the
// rules enabled below exist. Raw HTML, images, tables, rules, indented code and
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
  | { kind: 'strike'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'mention'; name: string };

/**
 * A message is paragraphs, headings, code blocks, quotes and lists (which hold blocks
 * of their own), and the blank lines between paragraphs.
 */
export type Block =
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'heading'; level: number; children: Inline[] }
  | { kind: 'codeblock'; text: string }
  | { kind: 'quote'; blocks: Block[] }
  | { kind: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { kind: 'space'; text: string };

/**
 * Bold, italic and links nested deeper than this render their text without a further
 * element, so a message cannot build a DOM as deep as it is long (nor deep recursion here).
 */
const MAX_DEPTH = 16;

/**
 * How deep markdown-it nests block tokens (a list item takes three levels: the list,
 * the item, its paragraph). Past it, markdown-it drops the rest of the message, so a
 * message that reaches it is parsed again without quotes, lists and headings (`flat`).
 */
const BLOCK_NESTING = 40;

/** A markdown-it reduced to the rules listed here and to http(s) links. */
function parser(blockRules: string[]): ReturnType<typeof MarkdownIt> {
  const md = new MarkdownIt('zero', { linkify: true, maxNesting: BLOCK_NESTING });
  md.block.ruler.enable(blockRules);
  // `linkify` here is the inline rule, for URLs written with their scheme; the core rule
  // of that name, which also links `www.` names and e-mail addresses, stays off.
  md.inline.ruler.enable(['newline', 'escape', 'backticks', 'emphasis', 'strikethrough', 'link', 'autolink', 'linkify']);
  md.inline.ruler2.enable(['emphasis', 'strikethrough']);
  // markdown-it's own check refuses only a few schemes; this one lets http(s) alone
  // through. It looks at the scheme and nothing else: a bare URL it refused would be
  // scanned again from its next ':', so a costlier check could make a long run of
  // refused URLs quadratic. `toInlines` checks every link again with `safeUrl`.
  md.validateLink = (url: string): boolean => /^https?:/i.test(url);
  // Show a link's text as typed, not with its host decoded from punycode.
  md.normalizeLinkText = (url: string): string => url;
  // Bare links only for http(s): the other schemes linkify-it knows stay text.
  for (const schema of ['ftp:', 'mailto:', '//']) md.linkify.add(schema, null);
  return md;
}

const md = parser(['fence', 'blockquote', 'list', 'heading']);
const flat = parser(['fence']);

/** The tokens of a message, whole: parsed `flat` if it nests too deep for `md`. */
function tokenize(text: string): Token[] {
  const tokens = md.parse(text, {});
  const tooDeep = tokens.some((token: Token) => token.nesting === 1 && token.level >= BLOCK_NESTING - 1);
  return tooDeep ? flat.parse(text, {}) : tokens;
}

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
      case 's_open':
      case 'link_open': {
        open.push({ into, url: inUrl });
        const href = token.type === 'link_open' ? safeUrl(String(token.attrGet('href') ?? '')) : null;
        const wrap = depth < MAX_DEPTH && (token.type !== 'link_open' || href !== null);
        if (token.type === 'link_open' && token.markup !== '') inUrl = true; // 'linkify' or 'autolink'
        if (!wrap) break;
        const children: Inline[] = [];
        if (token.type === 'strong_open') into.push({ kind: 'bold', children });
        else if (token.type === 'em_open') into.push({ kind: 'italic', children });
        else if (token.type === 's_open') into.push({ kind: 'strike', children });
        else into.push({ kind: 'link', href: href ?? '', children });
        into = children;
        depth += 1;
        break;
      }
      case 'strong_close':
      case 'em_close':
      case 's_close':
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

/** Where blocks go while parsing: the message, a quote, or a list item. */
interface Container {
  blocks: Block[];
  /** Where the previous paragraph ended, to keep the blank lines after it; -1 after other blocks. */
  lastLine: number;
  /** The list this container is an item of. */
  list?: Extract<Block, { kind: 'list' }>;
}

/** Parses message text into blocks. Exported for tests. */
export function parse(text: string): Block[] {
  const root: Container = { blocks: [], lastLine: -1 };
  const stack: Container[] = [root];
  let here = root;
  let heading = 0; // the level of the heading whose text comes next, if any
  const paragraph = (token: Token, children: Inline[]): void => {
    const startLine = token.map?.[0] ?? 0;
    if (here.lastLine >= 0) here.blocks.push({ kind: 'space', text: '\n'.repeat(Math.max(1, startLine - here.lastLine + 1)) });
    here.blocks.push({ kind: 'paragraph', children });
    here.lastLine = token.map?.[1] ?? startLine + 1;
  };
  const enter = (container: Container): void => {
    stack.push(container);
    here = container;
  };
  const leave = (): void => {
    if (stack.length > 1) stack.pop();
    here = stack[stack.length - 1]!;
    here.lastLine = -1;
  };
  for (const token of tokenize(text)) {
    switch (token.type) {
      case 'inline': {
        const children = toInlines(token.children ?? []);
        if (heading > 0) {
          here.blocks.push({ kind: 'heading', level: heading, children });
          here.lastLine = -1;
        } else {
          paragraph(token, children);
        }
        break;
      }
      case 'heading_open':
        heading = Number(token.tag.slice(1)) || 1;
        break;
      case 'heading_close':
        heading = 0;
        break;
      case 'fence':
        if (token.map && token.map[1] - token.map[0] <= 1) {
          // An opening fence on the last line, closed by nothing, would be an empty block:
          // a message of backticks, or ``` typed after text ("see ```", code, "```").
          // Its characters are shown instead.
          paragraph(token, [{ kind: 'text', text: token.markup + token.info }]);
        } else {
          here.blocks.push({ kind: 'codeblock', text: token.content.replace(/\n$/, '') });
          here.lastLine = -1;
        }
        break;
      case 'blockquote_open': {
        const quote: Extract<Block, { kind: 'quote' }> = { kind: 'quote', blocks: [] };
        here.blocks.push(quote);
        enter({ blocks: quote.blocks, lastLine: -1 });
        break;
      }
      case 'bullet_list_open':
      case 'ordered_list_open': {
        const ordered = token.type === 'ordered_list_open';
        const start = ordered ? Number(token.attrGet('start') ?? 1) : 1;
        const list: Extract<Block, { kind: 'list' }> = { kind: 'list', ordered, start: Number.isSafeInteger(start) ? start : 1, items: [] };
        here.blocks.push(list);
        enter({ blocks: here.blocks, lastLine: here.lastLine, list });
        break;
      }
      case 'list_item_open': {
        const item: Block[] = [];
        here.list?.items.push(item);
        enter({ blocks: item, lastLine: -1 });
        break;
      }
      case 'blockquote_close':
      case 'list_item_close':
      case 'bullet_list_close':
      case 'ordered_list_close':
        leave();
        break;
      default:
        // paragraph_open and _close: paragraphs are made from their inline tokens.
        break;
    }
  }
  return root.blocks;
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
  blocksText(parse(text.slice(0, PREVIEW_SOURCE_MAX)), out);
  return out.join('').replace(/\s+/g, ' ').trim();
}

function blocksText(blocks: Block[], out: string[]): void {
  for (const block of blocks) {
    switch (block.kind) {
      case 'paragraph':
      case 'heading':
        inlineText(block.children, out);
        out.push(' ');
        break;
      case 'codeblock':
        out.push(` ${block.text} `);
        break;
      case 'quote':
        blocksText(block.blocks, out);
        break;
      case 'list':
        for (const item of block.items) blocksText(item, out);
        break;
      case 'space':
        out.push(' ');
        break;
    }
  }
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
      case 'strike':
        return <s key={k}>{renderInline(node.children, mine, `${k}.`)}</s>;
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

function renderBlocks(blocks: Block[], mine: (name: string) => boolean, key = ''): ReactNode[] {
  return blocks.map((block, i) => {
    const k = `${key}${i}`;
    switch (block.kind) {
      case 'codeblock':
        return (
          <pre key={k} className="codeblock">
            <code>{block.text}</code>
          </pre>
        );
      case 'space':
        return block.text;
      case 'paragraph':
        return (
          <span key={k} className="md">
            {renderInline(block.children, mine, `${k}:`)}
          </span>
        );
      case 'heading':
        // Not an <h1>-<h6>: a message's heading is not a landmark of the page.
        return (
          <strong key={k} className={`md-heading md-heading--${Math.min(block.level, 3)}`}>
            {renderInline(block.children, mine, `${k}:`)}
          </strong>
        );
      case 'quote':
        return (
          <blockquote key={k} className="md-quote">
            {renderBlocks(block.blocks, mine, `${k}.`)}
          </blockquote>
        );
      case 'list': {
        const items = block.items.map((item, j) => <li key={j}>{renderBlocks(item, mine, `${k}.${j}.`)}</li>);
        return block.ordered ? (
          <ol key={k} className="md-list" start={block.start}>
            {items}
          </ol>
        ) : (
          <ul key={k} className="md-list">
            {items}
          </ul>
        );
      }
    }
  });
}

/** Renders message text. `isMe` tells which @name is the reader, to highlight it. */
export function Formatted({ text, isMe }: { text: string; isMe: (name: string) => boolean }): ReactNode {
  const blocks = useMemo(() => parse(text), [text]);
  return renderBlocks(blocks, isMe);
}
