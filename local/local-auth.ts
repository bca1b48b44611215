/**
 * How the local server learns who calls it (`LOCAL_AUTH`).
 *
 * - `tenant-header` (default): the `X-Tenant-Id` header names the tenant, nothing is verified.
 * - `sigv4`: every request to a route must be signed with SigV4 (service `execute-api`), as the
 *   deployed API's IAM authorization demands, by one of the credentials in the JSON file
 *   `LOCAL_CREDENTIALS_FILE`, each mapped to the IAM principal it authenticates as. The tenant is
 *   derived from that principal exactly as deployed; `X-Tenant-Id` means nothing.
 *
 * The file (see `local/credentials.example.json`):
 *
 * ```json
 * { "region": "us-east-1",
 *   "credentials": [
 *     { "accessKeyId": "…", "secretAccessKey": "…", "principal": "arn:aws:iam::000000000000:user/local" },
 *     { "accessKeyId": "…", "secretAccessKey": "…", "sessionToken": "…", "expiration": "2030-01-01T00:00:00Z",
 *       "principal": "arn:aws:sts::000000000000:assumed-role/checkout/session-1" } ] }
 * ```
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import type { LocalCredential } from './sigv4';

// zod/mini ships without messages: a mistake in the file is explained in English.
z.config(en());

export type LocalAuth =
  | { readonly type: 'tenant-header' }
  | {
      readonly type: 'sigv4';
      /** The region signatures must be scoped to. */
      readonly region: string;
      readonly credentials: readonly LocalCredential[];
    };

const PRINCIPAL = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/;

const credentialsFileSchema = z.object({
  region: z._default(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/)), 'us-east-1'),
  credentials: z
    .array(
      z.object({
        accessKeyId: z.string().check(z.regex(/^[A-Z0-9]{16,128}$/)),
        secretAccessKey: z.string().check(z.minLength(1)),
        sessionToken: z.optional(z.string().check(z.minLength(1))),
        expiration: z.optional(z.iso.datetime({ offset: true })),
        principal: z.string().check(z.regex(PRINCIPAL)),
      }),
    )
    .check(
      z.minLength(1),
      z.refine(
        (credentials) => new Set(credentials.map((c) => c.accessKeyId)).size === credentials.length,
        'each accessKeyId may appear once',
      ),
    ),
});

/**
 * Reads `LOCAL_AUTH` (and, for `sigv4`, `LOCAL_CREDENTIALS_FILE`).
 *
 * @throws Error naming the variable or the file, and what is wrong with it
 */
export function localAuthFromEnvironment(env: NodeJS.ProcessEnv): LocalAuth {
  const mode = env.LOCAL_AUTH ?? 'tenant-header';
  if (mode === 'tenant-header') return { type: 'tenant-header' };
  if (mode !== 'sigv4') {
    throw new Error(`LOCAL_AUTH must be tenant-header or sigv4, not ${JSON.stringify(mode)}`);
  }
  const file = env.LOCAL_CREDENTIALS_FILE;
  if (!file) {
    throw new Error(
      'LOCAL_AUTH=sigv4 needs LOCAL_CREDENTIALS_FILE: a JSON file of the credentials the local API accepts and the principal each one is (see local/credentials.example.json)',
    );
  }
  return { type: 'sigv4', ...readCredentialsFile(file) };
}

/** @throws Error naming the file and what is wrong with it */
export function readCredentialsFile(
  file: string,
): Omit<Extract<LocalAuth, { type: 'sigv4' }>, 'type'> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`LOCAL_CREDENTIALS_FILE ${file}: ${(error as Error).message}`);
  }
  const parsed = z.safeParse(credentialsFileSchema, json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(file)'}: ${i.message}`,
    );
    throw new Error(`LOCAL_CREDENTIALS_FILE ${file}: ${problems.join('; ')}`);
  }
  return {
    region: parsed.data.region,
    credentials: parsed.data.credentials.map(({ expiration, sessionToken, ...credential }) => ({
      ...credential,
      ...(sessionToken !== undefined && { sessionToken }),
      ...(expiration !== undefined && { expiration: new Date(expiration) }),
    })),
  };
}
