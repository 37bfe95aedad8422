import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Every relative link in README.md, CHANGELOG.md and docs/**\/*.md points at a file or folder that exists, and every
 * `#anchor` (in the same file or in another Markdown file) names a heading there, slugged the way GitHub does it.
 * External links (http, https, mailto) are not fetched.
 */
const ROOT = resolve(__dirname, '../..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const CHECKED = [join(ROOT, 'README.md'), join(ROOT, 'CHANGELOG.md'), ...markdownFiles(join(ROOT, 'docs'))];

/** The text outside fenced code blocks and inline code spans: links in examples are not links. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, (code) => (code.includes('](') ? '' : code));
  });
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered -1, -2, ... */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    const html = [...line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)].map((m) => m[1]);
    html.forEach((id) => anchors.add(id));
    if (!heading) continue;
    const text = heading[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/`/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** `[text](target)` and `![alt](target)` targets, with the line they are on. */
function links(markdown: string): Array<{ target: string; line: number }> {
  const found: Array<{ target: string; line: number }> = [];
  prose(markdown).forEach((text, index) => {
    for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ target: match[1], line: index + 1 });
    }
  });
  return found;
}

function brokenLinks(file: string): string[] {
  const markdown = readFileSync(file, 'utf8');
  const problems: string[] = [];
  for (const { target, line } of links(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const where = `${relative(ROOT, file)}:${line}: ${target}`;
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    if (!path.startsWith(ROOT)) {
      problems.push(`${where} (outside the repository)`);
      continue;
    }
    if (!existsSync(path)) {
      problems.push(`${where} (no such file)`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!path.endsWith('.md')) {
      problems.push(`${where} (an anchor into a file that is not Markdown)`);
      continue;
    }
    if (!headingAnchors(readFileSync(path, 'utf8')).has(decodeURIComponent(anchor))) {
      problems.push(`${where} (no heading with that anchor in ${relative(ROOT, path)})`);
    }
  }
  return problems;
}

describe('Markdown links', () => {
  it('slugs headings the way GitHub does', () => {
    const anchors = headingAnchors(
      [
        "## Keeping the library's tables apart",
        '### `PaymentsService.list` (paged)',
        '## Billing keys (자동결제)',
        '## Errors',
        '## Errors',
        '```sh',
        '# not a heading',
        '```',
      ].join('\n'),
    );
    expect([...anchors]).toEqual([
      'keeping-the-librarys-tables-apart',
      'paymentsservicelist-paged',
      'billing-keys-자동결제',
      'errors',
      'errors-1',
    ]);
  });

  it('checks README.md, CHANGELOG.md and every Markdown file under docs/', () => {
    expect(CHECKED.map((file) => relative(ROOT, file))).toEqual(
      expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/architecture.md', 'docs/gateways/toss.md']),
    );
  });

  it.each(CHECKED.map((file) => [relative(ROOT, file), file]))(
    'every relative link and anchor in %s resolves',
    (_name, file) => {
      expect(brokenLinks(file)).toEqual([]);
    },
  );
});
