import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PaymentsConfigurationError } from './domain/errors';

/**
 * The host app provides these packages (they are peerDependencies); the ranges are the ones this library is tested
 * with and must equal package.json's `peerDependencies` (a unit test compares them). Only the peers whose mismatch
 * breaks at run time in ways that are hard to trace are checked: another typeorm major (its metadata storage is a
 * process-wide global, so the library's entities meet an incompatible storage and TypeORM's connect retries run for
 * ~30 s before `filterRelationCounts is not a function`) and another Nest major.
 */
export const CHECKED_PEER_RANGES: Readonly<Record<string, string>> = {
  typeorm: '^1.1.1',
  '@nestjs/typeorm': '^12.0.2',
  '@nestjs/common': '^12.5.1',
  '@nestjs/core': '^12.5.1',
};

export interface InstalledPeer {
  name: string;
  version: string;
  /** The package.json that was read. */
  path: string;
}

/**
 * Throws PaymentsConfigurationError naming each checked peer whose installed version is outside its range. Runs when
 * `PaymentsModule.forRoot`/`forRootAsync` builds the module, before Nest instantiates anything (TypeORM's DataSource
 * included), so a mismatch stops the boot at once. A peer that cannot be found by the node_modules walk (Yarn PnP, a
 * bundle) is not judged: the check exists for the common npm layout and must not block setups it cannot inspect.
 */
export function assertSupportedPeers(fromDir: string = __dirname): void {
  const problems: string[] = [];
  for (const [name, range] of Object.entries(CHECKED_PEER_RANGES)) {
    const installed = findInstalledPeer(name, fromDir);
    if (installed && !satisfiesCaret(installed.version, range)) {
      problems.push(
        `${name} ${installed.version} is installed (${installed.path}), but nestjs-kr-payments supports ${name} ${range}: ` +
          `install a version in that range (npm install ${name}@"${range}")`,
      );
    }
  }
  if (problems.length > 0) throw new PaymentsConfigurationError(problems);
}

/**
 * The copy of `name` that `require(name)` from `fromDir` loads, found the way Node looks it up: `node_modules/<name>`
 * in `fromDir` and each parent. package.json is read directly because typeorm 1.x's `exports` does not expose it.
 */
export function findInstalledPeer(name: string, fromDir: string): InstalledPeer | undefined {
  let dir = fromDir;
  for (;;) {
    const path = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(path)) {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
      return typeof manifest.version === 'string' ? { name, version: manifest.version, path } : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * npm's caret rule for the ranges above (`^1.2.3`: >=1.2.3 <2.0.0; `^0.5.1`: >=0.5.1 <0.6.0; `^0.0.3`: only 0.0.3). A prerelease never
 * satisfies: none has been tested. Written out because the rule is this small and `semver` would be one more
 * dependency for every host.
 */
export function satisfiesCaret(version: string, range: string): boolean {
  const floor = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!floor) throw new Error(`unsupported range ${range}: only ^major.minor.patch is understood`);
  const found = /^v?(\d+)\.(\d+)\.(\d+)(?:\+.*)?$/.exec(version.trim());
  if (!found) return false;
  const [major, minor, patch] = found.slice(1, 4).map(Number);
  const [minMajor, minMinor, minPatch] = floor.slice(1, 4).map(Number);
  if (major !== minMajor) return false;
  if (minMajor === 0 && minor !== minMinor) return false;
  if (minMajor === 0 && minMinor === 0) return patch === minPatch;
  if (minor !== minMinor) return minor > minMinor;
  return patch >= minPatch;
}
