import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * `prepack`: compiles what the package ships (tsconfig.package.json) into dist/, then deletes the files there that
 * this compile did not write. tsc never removes the output of a source that was deleted or renamed, and such a file
 * would be published. The published folders are pruned instead of emptied first because the demo and the benchmarks
 * of a working tree run from dist/ and may be running while someone packs.
 * Progress goes to stderr: `npm pack --json` prints its answer on stdout after this script.
 */
const root = resolve(__dirname, '..');
const PUBLISHED = ['dist/libs/payments/src', 'dist/libs/testing/src', 'dist/migrations'];

const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.package.json', '--listEmittedFiles'],
  { cwd: root, encoding: 'utf8' },
);
if (tsc.status !== 0) {
  process.stderr.write(tsc.stdout + tsc.stderr);
  process.exit(tsc.status ?? 1);
}
const emitted = new Set(
  tsc.stdout
    .split('\n')
    .filter((line) => line.startsWith('TSFILE: '))
    .map((line) => resolve(line.slice('TSFILE: '.length).trim())),
);

let pruned = 0;
function prune(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (!emitted.has(path) && !entry.name.endsWith('.map')) {
      // Maps are not published and this compile writes none; the ones a full `npm run build` left stay for it.
      rmSync(path);
      pruned += 1;
      process.stderr.write(`build-package: removed ${relative(root, path)} (no source)\n`);
    }
  }
}
for (const folder of PUBLISHED) {
  const dir = join(root, folder);
  if (existsSync(dir)) prune(dir);
}
process.stderr.write(`build-package: ${emitted.size} files compiled, ${pruned} stale removed\n`);
