/**
 * The Node.js versions the repository names agree with each other and with its dependencies:
 * `.nvmrc` (what CI and a developer run) is the deployed runtime, and `engines.node` promises no
 * version that a locked dependency declares it does not support.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { functionBundling } from '../../lib/bundling';

const root = path.resolve(__dirname, '../..');
const readJson = (file: string): unknown =>
  JSON.parse(readFileSync(path.join(root, file), 'utf8')) as unknown;

type Version = readonly [number, number, number];

/** `>=22.14.0`, `>= 20`, `>=18.12`: a plain lower bound, or undefined for any other range. */
function lowerBound(range: string): Version | undefined {
  const match = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const show = (version: Version): string => version.join('.');

interface Lockfile {
  packages: Record<string, { engines?: { node?: string } }>;
}

/** Each locked package (by install path) whose `engines.node` is a plain lower bound. */
function lockedLowerBounds(): { readonly name: string; readonly minimum: Version }[] {
  const lock = readJson('package-lock.json') as Lockfile;
  return Object.entries(lock.packages).flatMap(([installPath, entry]) => {
    const minimum = entry.engines?.node === undefined ? undefined : lowerBound(entry.engines.node);
    return installPath === '' || minimum === undefined
      ? []
      : [{ name: installPath.replace(/^.*node_modules\//, ''), minimum }];
  });
}

const manifest = readJson('package.json') as { engines?: { node?: string } };
const nvmrc = readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();

describe('Node.js versions', () => {
  it('.nvmrc names the major version of the deployed runtime', () => {
    expect(nvmrc).toMatch(/^\d+$/);
    expect(functionBundling.target).toBe(`node${nvmrc}`);
  });

  it('engines.node is a plain lower bound that the .nvmrc version meets', () => {
    const minimum = lowerBound(manifest.engines?.node ?? '');

    expect(minimum).toBeDefined();
    expect(Number(nvmrc)).toBeGreaterThanOrEqual(minimum![0]);
  });

  it('engines.node is the highest minimum any locked dependency declares', () => {
    const minimum = lowerBound(manifest.engines?.node ?? '')!;
    const bounds = lockedLowerBounds();
    const stricter = bounds
      .filter((bound) => compare(bound.minimum, minimum) > 0)
      .map((bound) => `${bound.name} needs >=${show(bound.minimum)}`);

    expect(stricter).toEqual([]);
    // And no higher than some dependency needs: a bound nothing explains refuses versions that work.
    expect(bounds.some((bound) => compare(bound.minimum, minimum) === 0)).toBe(true);
  });
});
