import { describe, expect, it } from 'vitest';
import { parse, plain, safeUrl, type Inline } from './markdown';

/** The inline nodes of a message that is one paragraph. */
function parseInline(text: string): Inline[] {
  const blocks = parse(text);
  expect(blocks).toHaveLength(1);
  const [block] = blocks;
  if (block?.kind !== 'paragraph') throw new Error(`not one paragraph: ${JSON.stringify(blocks)}`);
  return block.children;
}

describe('formatting', () => {
  it('allows only http and https links', () => {
    expect(safeUrl('https://example.org/a')).toBe('https://example.org/a');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,<b>')).toBeNull();
    expect(parseInline('[x](javascript:alert(1))')).toEqual([{ kind: 'text', text: '[x](javascript:alert(1))' }]);
  });

  it('parses bold, italic, code, links and mentions', () => {
    expect(parseInline('**b** *i* `c` @bob https://a.example/x.')).toEqual([
      { kind: 'bold', children: [{ kind: 'text', text: 'b' }] },
      { kind: 'text', text: ' ' },
      { kind: 'italic', children: [{ kind: 'text', text: 'i' }] },
      { kind: 'text', text: ' ' },
      { kind: 'code', text: 'c' },
      { kind: 'text', text: ' ' },
      { kind: 'mention', name: 'bob' },
      { kind: 'text', text: ' ' },
      { kind: 'link', href: 'https://a.example/x', children: [{ kind: 'text', text: 'https://a.example/x' }] },
      { kind: 'text', text: '.' },
    ]);
  });

  it('leaves e-mail addresses and markup-looking text as text', () => {
    expect(parseInline('mail x@example.com <b>hi</b>')).toEqual([{ kind: 'text', text: 'mail x@example.com <b>hi</b>' }]);
  });
});

describe('previews', () => {
  it('drop formatting marks and line breaks', () => {
    expect(plain('**Bold** and *it* and `x`\n```\ncode\n```')).toBe('Bold and it and x code');
  });
});
