/**
 * For the integration-http project: every `call()` of the suite goes over real HTTP to the local
 * server, started in this test process on the test file's own application (the handlers built
 * with the dependencies the file injected).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLocalServer } from '../../../local/server';
import { useHttpTransport } from './api';
import { testApplication } from './application';

let server: Server;

beforeAll(async () => {
  server = createLocalServer({
    // Looked up per request: a file may build its application after this server started.
    handlerFor: (route) => testApplication().handlerFor(route),
    log: () => {},
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  useHttpTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});
