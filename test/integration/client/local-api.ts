/**
 * The local server, in this test process on the test file's application (so its observed
 * processor sees every charge), and optionally a fault-injecting proxy in front of it.
 */
import type { Server } from 'node:http';
import { createLocalServer } from '../../../local/server';
import { testApplication } from '../support/application';
import { closeServer, listenOnLoopback } from '../../../local/loopback';

export interface LocalApi {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLocalApi(): Promise<LocalApi> {
  const server: Server = createLocalServer({
    handlerFor: (route) => testApplication().handlerFor(route),
    log: () => {},
  });
  return {
    url: await listenOnLoopback(server),
    close: () => closeServer(server),
  };
}
