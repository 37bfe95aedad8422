import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaymentsConfigurationError } from 'nestjs-kr-payments';
import {
  assertSupportedPeers,
  CHECKED_PEER_RANGES,
  findInstalledPeer,
  satisfiesCaret,
} from '../../libs/payments/src/peer-dependencies';

/**
 * The boot-time peer check (a host with another typeorm or Nest major stops at PaymentsModule.forRoot instead of
 * after TypeORM's connect retries). The consumer test (npm run test:consumer) boots a real install; this covers the
 * rule and a host layout with typeorm 0.3 without installing one.
 */
describe('peer dependency check', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kr-payments-peers-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A host app's node_modules with the library installed in it; returns the library's compiled source folder. */
  function hostWith(versions: Record<string, string>): string {
    for (const [name, version] of Object.entries(versions)) {
      const dir = join(root, 'node_modules', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version }));
    }
    const library = join(root, 'node_modules', 'nestjs-kr-payments', 'dist', 'libs', 'payments', 'src');
    mkdirSync(library, { recursive: true });
    return library;
  }

  const supported = {
    typeorm: '1.1.1',
    '@nestjs/typeorm': '12.0.2',
    '@nestjs/common': '12.5.1',
    '@nestjs/core': '12.6.0',
  };

  it('checks the ranges package.json declares as peerDependencies', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    for (const [name, range] of Object.entries(CHECKED_PEER_RANGES)) {
      expect([name, manifest.peerDependencies[name]]).toEqual([name, range]);
    }
  });

  it('passes a host whose peers are in range', () => {
    expect(() => assertSupportedPeers(hostWith(supported))).not.toThrow();
  });

  it('stops a host on typeorm 0.3 with the package, the installed version and the supported range', () => {
    const library = hostWith({ ...supported, typeorm: '0.3.31' });
    let thrown: unknown;
    try {
      assertSupportedPeers(library);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PaymentsConfigurationError);
    const problems = (thrown as PaymentsConfigurationError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('typeorm 0.3.31 is installed');
    expect(problems[0]).toContain(`supports typeorm ${CHECKED_PEER_RANGES.typeorm}`);
    expect(problems[0]).toContain(join(root, 'node_modules', 'typeorm', 'package.json'));
  });

  it('names every peer out of range at once', () => {
    const library = hostWith({ ...supported, '@nestjs/common': '11.1.6', '@nestjs/core': '13.0.0' });
    expect(() => assertSupportedPeers(library)).toThrow(
      /@nestjs\/common 11\.1\.6 is installed[\s\S]*@nestjs\/core 13\.0\.0 is installed/,
    );
  });

  it('reads the copy nearest to the library, as require does', () => {
    const library = hostWith(supported);
    const nested = join(root, 'node_modules', 'nestjs-kr-payments', 'node_modules', 'typeorm');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(nested, 'package.json'), JSON.stringify({ name: 'typeorm', version: '0.3.31' }));
    expect(findInstalledPeer('typeorm', library)).toEqual({
      name: 'typeorm',
      version: '0.3.31',
      path: join(nested, 'package.json'),
    });
  });

  it('does not judge a peer it cannot find (Yarn PnP, a bundle)', () => {
    const library = join(root, 'bundle');
    mkdirSync(library);
    expect(findInstalledPeer('typeorm', library)).toBeUndefined();
    expect(() => assertSupportedPeers(library)).not.toThrow();
  });

  it.each([
    ['1.1.1', '^1.1.1', true],
    ['1.9.0', '^1.1.1', true],
    ['1.1.0', '^1.1.1', false],
    ['2.0.0', '^1.1.1', false],
    ['0.3.31', '^1.1.1', false],
    ['1.2.0-beta.1', '^1.1.1', false],
    ['0.5.9', '^0.5.1', true],
    ['0.6.0', '^0.5.1', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['not a version', '^1.1.1', false],
  ])('%s satisfies %s: %s', (version, range, expected) => {
    expect(satisfiesCaret(version, range)).toBe(expected);
  });
});
