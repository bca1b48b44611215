/**
 * For the integration-http project: every `call()` of the suite goes over real HTTP to the local
 * server, started in this test process on the test file's own application (the handlers built
 * with the dependencies the file injected).
 */
import type { Server } from 'node:http';
import { createLocalServer } from '../../../local/server';
import { useHttpTransport } from './api';
import { testApplication } from './application';
import { closeServer, listenOnLoopback } from '../../../local/loopback';

let server: Server;

beforeAll(async () => {
  server = createLocalServer({
    // Looked up per request: a file may build its application after this server started.
    handlerFor: (route) => testApplication().handlerFor(route),
    log: () => {},
  });
  useHttpTransport(await listenOnLoopback(server));
});

afterAll(() => closeServer(server));
