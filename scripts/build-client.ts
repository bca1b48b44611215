/**
 * `npm run build:client`, also the package's `prepare` step (run by `npm ci`, `npm pack` and a
 * git install): the client SDK as the package ships it, in `dist/`.
 *
 * - `dist/client/index.js`: one CommonJS bundle of the client and the plain-data modules of
 *   `lambda/http/` it uses at run time (problem catalogue, Idempotency-Key grammar), with its
 *   source map. The signing packages stay `require`s, loaded on first signed request; so would
 *   zod, which the client must never load at run time (a test checks it loads no package).
 * - `dist/**\/*.d.ts`: the declarations (`tsconfig.client.json`), the request and response types
 *   coming from the handlers' schemas as zod types. tsc declares every module the client's
 *   program touches; only those `dist/client/index.d.ts` reaches are kept.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const repositoryRoot = path.resolve(__dirname, '..');
const dist = path.join(repositoryRoot, 'dist');

async function main(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.client.json'],
    { cwd: repositoryRoot, stdio: 'inherit' },
  );
  const needed = declarationsReachedFrom(path.join(dist, 'client', 'index.d.ts'));
  for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    const absolute = path.join(dist, file);
    if (absolute.endsWith('.d.ts') && !needed.has(absolute)) rmSync(absolute);
  }
  await build({
    absWorkingDir: repositoryRoot,
    entryPoints: ['client/index.ts'],
    outfile: 'dist/client/index.js',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    sourcesContent: true,
    external: ['@smithy/*', '@aws-sdk/*', 'zod', 'zod/*'],
    logLevel: 'warning',
  });
}

/** The declaration files `entry` imports, directly or not (relative specifiers only). */
function declarationsReachedFrom(entry: string): Set<string> {
  const reached = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (reached.has(file)) continue;
    reached.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier = ''] of source.matchAll(
      /(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    )) {
      pending.push(path.resolve(path.dirname(file), `${specifier.replace(/\.js$/, '')}.d.ts`));
    }
  }
  return reached;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
