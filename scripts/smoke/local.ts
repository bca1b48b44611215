/**
 * `npm run smoke:local`: the smoke test against `npm start`, as CI runs it. The local server
 * verifies SigV4 (`LOCAL_AUTH=sigv4`, `local/credentials.example.json`), and `npm run smoke`
 * signs with the example's session credentials through the default credential chain (the
 * environment), exactly as it would sign for a deployed API.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalServerProcess } from '../../local/server-process';

const repositoryRoot = path.resolve(__dirname, '../..');
const CREDENTIALS_FILE = 'local/credentials.example.json';

interface ExampleFile {
  readonly region: string;
  readonly credentials: readonly {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  }[];
}

async function main(): Promise<number> {
  const example = JSON.parse(
    readFileSync(path.join(repositoryRoot, CREDENTIALS_FILE), 'utf8'),
  ) as ExampleFile;
  const signer = example.credentials.find((c) => c.sessionToken !== undefined);
  if (!signer) throw new Error(`${CREDENTIALS_FILE} has no session credentials to sign with`);

  const server = await startLocalServerProcess({
    LOCAL_AUTH: 'sigv4',
    LOCAL_CREDENTIALS_FILE: CREDENTIALS_FILE,
  });
  try {
    const smoke = spawn('npm', ['run', '--silent', 'smoke', '--', '--url', server.url], {
      cwd: repositoryRoot,
      stdio: 'inherit',
      env: {
        ...process.env,
        AWS_REGION: example.region,
        AWS_ACCESS_KEY_ID: signer.accessKeyId,
        AWS_SECRET_ACCESS_KEY: signer.secretAccessKey,
        AWS_SESSION_TOKEN: signer.sessionToken,
      },
    });
    const [code] = (await once(smoke, 'exit')) as [number | null];
    if (code !== 0) console.error(`the local server said:\n${server.output()}`);
    return code ?? 1;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
