/**
 * The local server in this test process, verifying SigV4 (`LOCAL_AUTH=sigv4`) with one fresh
 * credential of its own.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalServer } from '../../../local/server';
import { sigV4Authentication } from '../../../local/sigv4-authentication';
import type { LocalCredential } from '../../../local/sigv4';
import { testApplication } from '../support/application';

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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region,
    credentials,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
