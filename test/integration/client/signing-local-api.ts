/**
 * The local server in this test process, verifying SigV4 (`LOCAL_AUTH=sigv4`) with one fresh
 * credential of its own.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createLocalServer } from '../../../local/server';
import { sigV4Authentication } from '../../../local/sigv4-authentication';
import type { LocalCredential } from '../../../local/sigv4';
import { testApplication } from '../support/application';
import { closeServer, listenOnLoopback } from '../../../local/loopback';

export interface SigningLocalApi {
  readonly url: string;
  readonly region: string;
  /** The one credential it accepts; a user of its own tenant. */
  readonly credentials: LocalCredential;
  close(): Promise<void>;
}

export async function startSigningLocalApi(region = 'eu-west-1'): Promise<SigningLocalApi> {
  const credentials: LocalCredential = {
    accessKeyId: `LOCAL${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`,
    secretAccessKey: randomUUID(),
    principal: `arn:aws:iam::000000000000:user/signer-${randomUUID().slice(0, 8)}`,
  };
  const server: Server = createLocalServer({
    handlerFor: (route) => testApplication().handlerFor(route),
    log: () => {},
    authenticate: sigV4Authentication({ type: 'sigv4', region, credentials: [credentials] }),
  });
  return {
    url: await listenOnLoopback(server),
    region,
    credentials,
    close: () => closeServer(server),
  };
}
