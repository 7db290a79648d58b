import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/**
 * The README and docs/ link only inside the repository, to files that exist and headings that exist;
 * the README stays a page a newcomer reads to the end.
 */
const ROOT = resolve(__dirname, '../..');
const README_MAX_LINES = 200;

const markdownFiles = (): string[] => [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name)),
];

/** The text outside fenced code blocks, where a line starting with `#` is a heading. */
const outsideFences = (markdown: string): string => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');

/** The text outside fenced code blocks and inline code, where a `[x](y)` is a link. */
const prose = (markdown: string): string => outsideFences(markdown).replace(/`[^`\n]*`/g, '');

/** Every `[text](target)` and `![alt](target)`, with an optional title after the target. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown file's headings, repeats numbered as GitHub numbers them (`-1`, `-2`, ...). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of outsideFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** What is wrong with one link of `file`, or undefined when it is fine. External links are not checked. */
function linkProblem(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return /^(https?|mailto):/i.test(target) ? undefined : `unexpected scheme in ${target}`;
  const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
  const path = decodeURIComponent(rawPath);
  if (isAbsolute(path)) return `${target} is an absolute path`;
  const resolved = path === '' ? file : resolve(dirname(file), path);
  const inside = relative(ROOT, resolved);
  if (inside.startsWith('..') || isAbsolute(inside)) return `${target} points outside the repository`;
  if (!existsSync(resolved)) return `${target}: no such file`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!resolved.endsWith('.md') || statSync(resolved).isDirectory()) return undefined;
  return anchors(readFileSync(resolved, 'utf8')).has(anchor) ? undefined : `${target}: no heading with anchor #${anchor}`;
}

describe('documentation links', () => {
  for (const file of markdownFiles()) {
    test(`${relative(ROOT, file)}: every relative link reaches a file and heading inside the repository`, () => {
      const problems = links(readFileSync(file, 'utf8'))
        .map((target) => linkProblem(file, target))
        .filter((problem): problem is string => problem !== undefined);
      expect(problems).toEqual([]);
    });
  }

  test(`README.md has at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  test('the checks themselves: slugs as GitHub makes them, and what counts as broken', () => {
    expect(slug('The widget route: `POST /widget/chat`')).toBe('the-widget-route-post-widgetchat');
    expect(slug('Real-time delivery over WebSocket (amazon-connect-chatjs)')).toBe('real-time-delivery-over-websocket-amazon-connect-chatjs');
    expect(slug('Node.js versions')).toBe('nodejs-versions');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
    expect(links('[a](x.md) `[b](y.md)` ![c](img.png "t")\n```\n[d](z.md)\n```\n')).toEqual(['x.md', 'img.png']);
    const readme = join(ROOT, 'README.md');
    expect(linkProblem(readme, 'docs/no-such-file.md')).toMatch(/no such file/);
    expect(linkProblem(readme, '../outside.md')).toMatch(/outside the repository/);
    expect(linkProblem(readme, 'docs/architecture.md#no-such-heading')).toMatch(/no heading/);
    expect(linkProblem(readme, 'https://docs.aws.amazon.com/connect/')).toBeUndefined();
  });
});
