import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Formatted, parse, plain, safeUrl, type Inline } from './markdown';

/** The inline nodes of a message that is one paragraph. */
function parseInline(text: string): Inline[] {
  const blocks = parse(text);
  expect(blocks).toHaveLength(1);
  const [block] = blocks;
  if (block?.kind !== 'paragraph') throw new Error(`not one paragraph: ${JSON.stringify(blocks)}`);
  return block.children;
}

/** The HTML that React makes of a message, with `bob` as the reader. */
function html(text: string): string {
  return renderToStaticMarkup(createElement(Formatted, { text, isMe: (name: string) => name === 'bob' }));
}

/** What the reader sees of a message: the rendered HTML's text. */
function textContent(text: string): string {
  return html(text)
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

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

  it('parses _italic_, [text](url) links and <url> links', () => {
    expect(parseInline('_i_ [the **docs**](https://a.example/d) <https://b.example/>')).toEqual([
      { kind: 'italic', children: [{ kind: 'text', text: 'i' }] },
      { kind: 'text', text: ' ' },
      { kind: 'link', href: 'https://a.example/d', children: [{ kind: 'text', text: 'the ' }, { kind: 'bold', children: [{ kind: 'text', text: 'docs' }] }] },
      { kind: 'text', text: ' ' },
      { kind: 'link', href: 'https://b.example/', children: [{ kind: 'text', text: 'https://b.example/' }] },
    ]);
  });

  it('renders links that open in a new tab without opener or referrer', () => {
    expect(html('see https://a.example/x')).toBe(
      '<span class="md">see <a href="https://a.example/x" target="_blank" rel="noopener noreferrer nofollow">https://a.example/x</a></span>',
    );
  });

  it('keeps a bare link whole when it has emphasis marks or balanced parentheses in it', () => {
    expect(parseInline('https://a.example/__init__ https://w.example/A_(b)')).toEqual([
      { kind: 'link', href: 'https://a.example/__init__', children: [{ kind: 'text', text: 'https://a.example/__init__' }] },
      { kind: 'text', text: ' ' },
      { kind: 'link', href: 'https://w.example/A_(b)', children: [{ kind: 'text', text: 'https://w.example/A_(b)' }] },
    ]);
  });

  it('makes links of absolute http(s) URLs only', () => {
    for (const text of ['[a](/relative)', '[a](//host.example/x)', '[a](ftp://a.example)', '[a](mailto:x@y.example)', 'www.example.com', 'ftp://a.example/x', 'mailto:x@y.example', 'x@y.example', '<x@y.example>']) {
      expect(parseInline(text), text).toEqual([{ kind: 'text', text }]);
    }
  });

  it('does not load images: ![x](url) is a link to the url', () => {
    expect(parseInline('![cat](https://a.example/cat.png)')).toEqual([
      { kind: 'text', text: '!' },
      { kind: 'link', href: 'https://a.example/cat.png', children: [{ kind: 'text', text: 'cat' }] },
    ]);
    expect(html('![x](data:image/png;base64,AAAA)')).not.toContain('<img');
  });

  it('keeps rules, indented code, tables and entities as typed', () => {
    const text = 'intro\n---\n    indented\n| a | b |\n&amp; &#60;';
    expect(parseInline(text)).toEqual([{ kind: 'text', text: 'intro\n---\nindented\n| a | b |\n&amp; &#60;' }]);
  });

  it('parses headings, quotes, lists and strikethrough', () => {
    expect(parse('# Plan\n> quoted **bold**\n\n- one\n- ~~two~~\n\n3. three\n4. four')).toEqual([
      { kind: 'heading', level: 1, children: [{ kind: 'text', text: 'Plan' }] },
      { kind: 'quote', blocks: [{ kind: 'paragraph', children: [{ kind: 'text', text: 'quoted ' }, { kind: 'bold', children: [{ kind: 'text', text: 'bold' }] }] }] },
      {
        kind: 'list',
        ordered: false,
        start: 1,
        items: [[{ kind: 'paragraph', children: [{ kind: 'text', text: 'one' }] }], [{ kind: 'paragraph', children: [{ kind: 'strike', children: [{ kind: 'text', text: 'two' }] }] }]],
      },
      {
        kind: 'list',
        ordered: true,
        start: 3,
        items: [[{ kind: 'paragraph', children: [{ kind: 'text', text: 'three' }] }], [{ kind: 'paragraph', children: [{ kind: 'text', text: 'four' }] }]],
      },
    ]);
    const rendered = html('## Notes\n> - a @bob\n\n1. x\n   - y\n\n~~gone~~');
    expect(rendered).toContain('<strong class="md-heading md-heading--2">Notes</strong>');
    expect(rendered).toContain('<blockquote class="md-quote"><ul class="md-list"><li><span class="md">a <span class="mention mention--me">@bob</span></span></li></ul></blockquote>');
    expect(rendered).toContain('<ol class="md-list" start="1"><li><span class="md">x</span><ul class="md-list"><li><span class="md">y</span></li></ul></li></ol>');
    expect(rendered).toContain('<s>gone</s>');
    expect(rendered).not.toMatch(/<h[1-6]/);
    expect(plain('# Plan\n> quoted\n- one\n- two')).toBe('Plan quoted one two');
  });

  it('shows a message nested too deep whole, without its quotes and lists', () => {
    const deep = '> '.repeat(200) + 'bottom';
    expect(count(html(deep), '<blockquote')).toBe(0);
    expect(textContent(deep)).toContain('bottom');
    const lists = Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n');
    expect(count(html(lists), '<ul')).toBeLessThanOrEqual(20);
    expect(textContent(lists)).toContain('level 99');
    // A reasonable nesting keeps its structure.
    expect(count(html('> '.repeat(10) + 'x'), '<blockquote')).toBe(10);
  });

  it('keeps blank lines between paragraphs and shows code blocks apart', () => {
    expect(parse('a\nb\n\n\nc\n```js\nlet x = `y`;\n\n```\nd')).toEqual([
      { kind: 'paragraph', children: [{ kind: 'text', text: 'a\nb' }] },
      { kind: 'space', text: '\n\n\n' },
      { kind: 'paragraph', children: [{ kind: 'text', text: 'c' }] },
      { kind: 'codeblock', text: 'let x = `y`;\n' },
      { kind: 'paragraph', children: [{ kind: 'text', text: 'd' }] },
    ]);
    expect(html('```\n**x** @bob <b>\n```')).toBe('<pre class="codeblock"><code>**x** @bob &lt;b&gt;</code></pre>');
  });

  it('follows CommonMark where it differs from the old formatter', () => {
    // Backslash escapes; three backticks inside a line are inline code; an unclosed
    // fence runs to the end of the message.
    expect(parseInline('\\*not italic\\* ```x```')).toEqual([
      { kind: 'text', text: '*not italic* ' },
      { kind: 'code', text: 'x' },
    ]);
    expect(parse('```\nnever closed')).toEqual([{ kind: 'codeblock', text: 'never closed' }]);
  });

  it('shows a fence that would open an empty block at the end as typed', () => {
    expect(parse('numbers: ```\np50 4 ms\n```')).toEqual([
      { kind: 'paragraph', children: [{ kind: 'text', text: 'numbers: ```\np50 4 ms' }] },
      { kind: 'space', text: '\n' },
      { kind: 'paragraph', children: [{ kind: 'text', text: '```' }] },
    ]);
    expect(parse('```js')).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: '```js' }] }]);
    expect(parse('```\n```')).toEqual([{ kind: 'codeblock', text: '' }]);
  });
});

describe('mentions', () => {
  it('highlight the reader', () => {
    expect(html('@bob @carol')).toBe('<span class="md"><span class="mention mention--me">@bob</span> <span class="mention">@carol</span></span>');
  });

  it('follow the username rules', () => {
    expect(parseInline('x@bob @bob.smith. @ab @abc @a-b- @@bob (@dave) @_x')).toEqual([
      { kind: 'text', text: 'x@bob ' },
      { kind: 'mention', name: 'bob.smith' },
      { kind: 'text', text: '. @ab ' },
      { kind: 'mention', name: 'abc' },
      { kind: 'text', text: ' ' },
      { kind: 'mention', name: 'a-b' },
      { kind: 'text', text: '- @@bob (' },
      { kind: 'mention', name: 'dave' },
      { kind: 'text', text: ') @_x' },
    ]);
    // At most 33 characters: the rest of a longer run is text.
    const long = 'a'.repeat(40);
    expect(parseInline(`@${long}`)).toEqual([
      { kind: 'mention', name: long.slice(0, 33) },
      { kind: 'text', text: long.slice(33) },
    ]);
  });

  it('match what the username pattern matches', () => {
    const pattern = /(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.-]{1,31}[A-Za-z0-9_])/g;
    const alphabet = 'ab9.-@ @@x';
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 500; round++) {
      let text = 'z';
      const length = 1 + random(60);
      for (let i = 0; i < length; i++) text += alphabet[random(alphabet.length)];
      const expected = [...text.matchAll(pattern)].map((m) => m[1]);
      const found = parse(text).flatMap((b) => (b.kind === 'paragraph' ? b.children : [])).flatMap((n) => (n.kind === 'mention' ? [n.name] : []));
      expect(found, text).toEqual(expected);
    }
  });

  it('are not looked for in code or link URLs', () => {
    expect(parseInline('`@bob` https://a.example/@bob [@bob](https://a.example/@carol)')).toEqual([
      { kind: 'code', text: '@bob' },
      { kind: 'text', text: ' ' },
      { kind: 'link', href: 'https://a.example/@bob', children: [{ kind: 'text', text: 'https://a.example/@bob' }] },
      { kind: 'text', text: ' ' },
      { kind: 'link', href: 'https://a.example/@carol', children: [{ kind: 'mention', name: 'bob' }] },
    ]);
    expect(parse('```\n@bob\n```')).toEqual([{ kind: 'codeblock', text: '@bob' }]);
  });
});

describe('unsafe input renders inert', () => {
  const cases = [
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](java\\script:alert(1))',
    '[x]( javascript:alert(1) )',
    '[x](<javascript:alert(1)>)',
    '[x](data:text/html;base64,PHNjcmlwdD4=)',
    '[x](vbscript:msgbox(1))',
    '<javascript:alert(1)>',
    '<JAVASCRIPT:alert(1)>',
    'javascript:alert(1)',
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://a.example"></iframe>',
    '![x](javascript:alert(1))',
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    '&#60;img src=x onerror=alert(1)&#62;',
    '[x](https://a.example/" onmouseover="alert(1))',
    '```"><script>alert(1)</script>\nx\n```',
  ];
  for (const text of cases) {
    it(text, () => {
      // Every element and attribute is one of ours, and every href an http(s) URL;
      // whatever else was typed is text (React escapes < and " in it).
      for (const [, tag, attributes = ''] of html(text).matchAll(/<(\w+)([^>]*)>/g)) {
        expect(['span', 'a', 'code', 'pre', 'strong', 'em'], text).toContain(tag);
        const rest = attributes.replace(/\s([\w-]+)="([^"]*)"/g, (_all, name: string, value: string) => {
          expect(['class', 'href', 'target', 'rel'], text).toContain(name);
          if (name === 'href') expect(value).toMatch(/^https?:\/\/[^\s]+$/);
          return '';
        });
        expect(rest, text).toBe('');
      }
    });
  }

  it('keeps the characters of raw HTML and entities as typed', () => {
    expect(textContent('<img src=x onerror=alert(1)> &lt;b&gt;')).toBe('<img src=x onerror=alert(1)> &lt;b&gt;');
    expect(textContent('<javascript:alert(1)>')).toBe('<javascript:alert(1)>');
  });
});

describe('pathological input is parsed, in linear time, to the expected text', () => {
  it.each([
    ['16,000 [', '['.repeat(16_000)],
    ['16,000 *', '*'.repeat(16_000)],
    ['16,000 _', '_'.repeat(16_000)],
    ['16,000 ` after text', `x${'`'.repeat(16_000)}`],
    ['[a]( 4,000 times', '[a]('.repeat(4_000)],
    ['16,000 @', '@'.repeat(16_000)],
    ['*a_ 4,000 times', '*a_ '.repeat(4_000).trimEnd()],
    ['[ 8,000 deep', `${'['.repeat(8_000)}a${']'.repeat(8_000)}`],
  ])('%s', (_name, text) => {
    expect(textContent(text)).toBe(text);
  });

  it('16,000 ` alone: text, not an empty code block', () => {
    const text = '`'.repeat(16_000);
    expect(parse(text)).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text }] }]);
    expect(textContent(text)).toBe(text);
  });

  it('emphasis 5,000 deep: the text, in at most 16 nested elements', () => {
    const text = `${'*a '.repeat(5_000)}x${' a*'.repeat(5_000)}`;
    const out = html(text);
    expect(textContent(text)).toBe(`${'a '.repeat(5_000)}x${' a'.repeat(5_000)}`);
    expect(count(out, '<em>')).toBe(16);
  });

  it('@ 16,000 times before a name: one mention', () => {
    expect(parseInline(`${'@'.repeat(16_000)}bob @bob`)).toEqual([
      { kind: 'text', text: `${'@'.repeat(16_000)}bob ` },
      { kind: 'mention', name: 'bob' },
    ]);
  });

  it('a 100 KB message', () => {
    const line = 'Hello @bob, see **this** and `code` https://a.example/x?y=1 [link](https://b.example/) _it_ <b>x</b>';
    const lines = Array.from({ length: Math.ceil(100_000 / line.length) }, () => line);
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(100_000);
    const out = html(text);
    expect(textContent(text)).toBe(lines.map(() => 'Hello @bob, see this and code https://a.example/x?y=1 link it <b>x</b>').join('\n'));
    expect(count(out, '<a ')).toBe(2 * lines.length);
    expect(count(out, 'mention--me')).toBe(lines.length);
    expect(plain(text)).toMatch(/^Hello @bob, see this and code https:\/\/a\.example\/x\?y=1 link it <b>x<\/b> Hello @bob/);
    expect(plain(text).length).toBeLessThan(2_000);
  });
});

describe('previews', () => {
  it('drop formatting marks and line breaks', () => {
    expect(plain('**Bold** and *it* and `x`\n```\ncode\n```')).toBe('Bold and it and x code');
  });

  it('show link text, mentions and typed characters', () => {
    expect(plain('[the docs](https://a.example) for @bob\n\n<b> &amp; [x](javascript:alert(1))')).toBe('the docs for @bob <b> &amp; [x](javascript:alert(1))');
  });
});
