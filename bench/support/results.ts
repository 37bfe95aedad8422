import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest directory above this file whose package.json is this project's. Found by
 * walking up, so the same code works compiled (dist/bench/support) and run from source (bench/support).
 */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'nestjs-kr-payments') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no nestjs-kr-payments package.json above ${__dirname}`);
    dir = parent;
  }
}

/**
 * Writes `bench/results/<name>.json`. Written to a temporary file first and renamed, so a run killed midway never
 * leaves a truncated result that a later comparison would read as real figures.
 */
export function writeResult(name: string, result: object): string {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`unsafe benchmark name ${name}`);
  const directory = join(repoRoot(), 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const target = join(directory, `${name}.json`);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(temporary, target);
  return target;
}

/** A Markdown-syntax table (`| metric | value |`), readable in a terminal and pasteable into an issue. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  return [line(headers), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
