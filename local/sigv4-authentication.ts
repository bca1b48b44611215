/**
 * `LOCAL_AUTH=sigv4`: the local server refuses what API Gateway's IAM authorization refuses, with
 * the problem body the deployed stack sends, and hands the functions the verified principal.
 */
import { randomUUID } from 'node:crypto';
import { gatewayProblemResponse } from './gateway-problem';
import type { LocalAuth } from './local-auth';
import type { Authenticate } from './server';
import { sigV4Verifier } from './sigv4';

export function sigV4Authentication(
  auth: Extract<LocalAuth, { type: 'sigv4' }>,
  now?: () => Date,
): Authenticate {
  const verify = sigV4Verifier({ region: auth.region, credentials: auth.credentials, now });
  return (request) => {
    const verification = verify(request);
    if (verification.verified) {
      const { principal, accessKeyId } = verification.credential;
      return { authenticated: true, caller: { principal, accessKey: accessKeyId } };
    }
    return {
      authenticated: false,
      response: gatewayProblemResponse(verification.refusal, {
        message: verification.message,
        requestId: randomUUID(),
      }),
    };
  };
}
