/**
 * The AWS SDK's default credential provider as the function bundles have it: the credentials in
 * the environment, and nothing else.
 *
 * Lambda hands a function its execution role's temporary credentials in its environment
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), the first place the SDK's
 * default chain looks. The rest of that chain (SSO, ini files, credential processes, web
 * identity, container and instance metadata, and the STS and SSO clients they use) is never
 * reached in Lambda, yet weighed about 135 KB in every bundle. `lib/bundling.ts` substitutes this
 * module for `@aws-sdk/credential-provider-node` when bundling; nothing imports it directly.
 * `test/integration/lambda-bundles.test.ts` runs the bundles as Lambda does and shows the
 * environment is all they need.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** Same name and parameter as `@aws-sdk/credential-provider-node`'s, which the SDK clients call. */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
