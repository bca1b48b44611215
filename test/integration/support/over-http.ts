/**
 * For the integration-http project: every `call()` of the suite goes over real HTTP to the local
 * server, started in this test process with the source handlers (so spies still reach them).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLocalServer } from '../../../local/server';
import { sourceHandlerFor, useHttpTransport } from './api';

let server: Server;

beforeAll(async () => {
  server = createLocalServer({ handlerFor: sourceHandlerFor, log: () => {} });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  useHttpTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});
