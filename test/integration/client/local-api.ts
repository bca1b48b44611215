/**
 * The local server, in this test process on the test file's application (so its observed
 * processor sees every charge), and optionally a fault-injecting proxy in front of it.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalServer } from '../../../local/server';
import { testApplication } from '../support/application';

export interface LocalApi {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLocalApi(): Promise<LocalApi> {
  const server: Server = createLocalServer({
    handlerFor: (route) => testApplication().handlerFor(route),
    log: () => {},
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
