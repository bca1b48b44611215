/**
 * `npm run smoke -- --url <ApiUrl> [--region <region>]`: the smoke test of a running API, deployed
 * or local. Signs with SigV4 (the client SDK's signer) from the AWS SDK's default credential
 * chain, walks the journey (`journey.ts`), prints one line per step and exits 1 on any deviation.
 *
 * The region is `--region`, else the one in an execute-api URL, else `AWS_REGION` /
 * `AWS_DEFAULT_REGION`.
 */
import { parseArgs } from 'node:util';
import { sigV4Authenticator } from '../../client/auth';
import { runJourney, type StepResult } from './journey';

const USAGE = 'usage: npm run smoke -- --url <ApiUrl> [--region <region>] [--timeout-ms <ms>]';

/** The region of `https://{api}.execute-api.{region}.amazonaws.com/…`, if it is one. */
function regionOfExecuteApiUrl(url: URL): string | undefined {
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

const line = ({ step, name, outcome, detail }: StepResult) =>
  `${outcome.padEnd(4)} ${String(step).padStart(2)} ${name}: ${detail}`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      region: { type: 'string' },
      'timeout-ms': { type: 'string', default: '30000' },
    },
    strict: true,
  });
  if (values.url === undefined) {
    console.error(USAGE);
    return 2;
  }
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    console.error(`--url ${values.url} is not a URL\n${USAGE}`);
    return 2;
  }
  const region =
    values.region ??
    regionOfExecuteApiUrl(url) ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION;
  if (region === undefined) {
    console.error(`no region: pass --region or set AWS_REGION\n${USAGE}`);
    return 2;
  }
  const timeoutMs = Number(values['timeout-ms']);
  console.log(`smoke test of ${url.href} (SigV4, ${region}, default credential chain)`);
  const failed = await runJourney({
    baseUrl: url.href,
    authenticate: sigV4Authenticator(region),
    report: (result) => console.log(line(result)),
    timeoutMs,
  });
  console.log(failed === 0 ? 'smoke test passed' : 'smoke test FAILED');
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
