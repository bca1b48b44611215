/**
 * `npm run smoke`: the journey a deployment is checked with passes against `npm start` (through
 * `npm run smoke:local`, as CI runs it), and fails — exit 1, the deviating step named — against
 * a server that departs from the contract: a loopback proxy that alters one kind of answer, and
 * a server that does not verify signatures.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { localAuthFromEnvironment } from '../../local/local-auth';
import { createLocalServer, type LocalServerOptions } from '../../local/server';
import { sigV4Authentication } from '../../local/sigv4-authentication';
import { startFaultProxy, type UpstreamAnswer } from '../support/fault-proxy';
import { testApplication } from './support/application';
import { closeServer, listenOnLoopback } from '../../local/loopback';

const run = promisify(execFile);
const repositoryRoot = path.resolve(__dirname, '../..');
const CREDENTIALS_FILE = 'local/credentials.example.json';
const STEPS = 13;
// Each test runs the smoke CLI (and one of them `npm start`) in processes of their own.
const SLOW_MS = 240_000;

interface Outcome {
  readonly code: number;
  readonly lines: string[];
}

/** Runs an npm script to its end; its exit code and the journey's step lines. */
async function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  const { code, stdout } = await run('npm', ['run', '--silent', script, '--', ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  return { code, lines: stdout.split('\n').filter((line) => /^(ok|FAIL|skip) /.test(line)) };
}

/** The example file's session credentials, in the environment the default chain reads first. */
function signingEnvironment(): NodeJS.ProcessEnv {
  const example = JSON.parse(readFileSync(path.join(repositoryRoot, CREDENTIALS_FILE), 'utf8')) as {
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }[];
  };
  const session = example.credentials.find((c) => c.sessionToken !== undefined);
  return {
    AWS_REGION: example.region,
    AWS_ACCESS_KEY_ID: session?.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session?.secretAccessKey,
    AWS_SESSION_TOKEN: session?.sessionToken,
  };
}

/** The local server in this process (source handlers, the test run's engine). */
async function startServer(options: Partial<LocalServerOptions> = {}) {
  const server: Server = createLocalServer({
    handlerFor: (route) => testApplication().handlerFor(route),
    log: () => {},
    ...options,
  });
  return {
    url: await listenOnLoopback(server),
    close: () => closeServer(server),
  };
}

const verifyingSignatures = () => {
  const auth = localAuthFromEnvironment({
    LOCAL_AUTH: 'sigv4',
    LOCAL_CREDENTIALS_FILE: path.join(repositoryRoot, CREDENTIALS_FILE),
  });
  if (auth.type !== 'sigv4') throw new Error('LOCAL_AUTH=sigv4 was not read');
  return sigV4Authentication(auth);
};

const withoutHeader =
  (name: string) =>
  ({ headers: { [name]: _dropped, ...headers }, ...answer }: UpstreamAnswer): UpstreamAnswer => ({
    ...answer,
    headers,
  });

const withoutMember =
  (member: string) =>
  (answer: UpstreamAnswer): UpstreamAnswer => {
    const { [member]: _dropped, ...body } = JSON.parse(answer.body.toString()) as Record<
      string,
      unknown
    >;
    return { ...answer, body: Buffer.from(JSON.stringify(body)) };
  };

describe('npm run smoke', () => {
  it(
    'passes against npm start, one line per step',
    async () => {
      const { code, lines } = await npmRun('smoke:local', [], {});

      expect(lines).toHaveLength(STEPS);
      expect(lines.filter((line) => !line.startsWith('ok '))).toEqual([]);
      expect(code).toBe(0);
    },
    SLOW_MS,
  );

  it.each([
    [
      'a replay without Idempotent-Replayed',
      { method: 'POST', path: '/payments', rewrite: withoutHeader('idempotent-replayed') },
      /^FAIL +6 replay the payment .*: the replay lacks Idempotent-Replayed: true/,
    ],
    [
      'a created order without its currency',
      { method: 'POST', path: '/orders', rewrite: withoutMember('currency') },
      /^FAIL +1 create an order: POST \/orders → 201 departs from the OpenAPI document: body \/ must have required property 'currency'/,
    ],
  ])(
    'exits 1 and names the step when a proxy answers %s',
    async (_, { method, path: routePath, rewrite }, failure) => {
      const server = await startServer({ authenticate: verifyingSignatures() });
      const proxy = await startFaultProxy(server.url);
      proxy.addRule({
        method,
        path: routePath,
        fault: { kind: 'rewrite-response', rewrite },
        times: Infinity,
      });
      try {
        const { code, lines } = await npmRun('smoke', ['--url', proxy.url], signingEnvironment());

        expect(lines).toHaveLength(STEPS);
        expect(lines.filter((line) => line.startsWith('FAIL'))).toEqual([
          expect.stringMatching(failure),
        ]);
        expect(code).toBe(1);
      } finally {
        await proxy.close();
        await server.close();
      }
    },
    SLOW_MS,
  );

  it(
    'exits 1 against a server that does not verify signatures',
    async () => {
      const server = await startServer();
      try {
        const { code, lines } = await npmRun('smoke', ['--url', server.url], signingEnvironment());

        expect(lines.filter((line) => line.startsWith('FAIL'))).toEqual([
          expect.stringMatching(
            /^FAIL +13 an unsigned request is refused: expected 403 missing_authentication, got 200/,
          ),
        ]);
        expect(code).toBe(1);
      } finally {
        await server.close();
      }
    },
    SLOW_MS,
  );
});
