/**
 * The bench's load runner against a real HTTP server of the test's own: a finite pool of
 * requests (orders to pay, payments to replay) may be smaller than the connections, or empty.
 */
import { createServer, type Server } from 'node:http';
import { runLoad, type BenchRequest } from '../../../bench/load';
import { closeServer, listenOnLoopback } from '../../../local/loopback';

describe('runLoad on a finite pool of requests', () => {
  const received: string[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      received.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    url = await listenOnLoopback(server);
  });

  afterAll(() => closeServer(server));

  const aPool = (name: string, size: number): BenchRequest[] =>
    Array.from({ length: size }, (_, index) => ({
      method: 'GET',
      path: `/${name}/${index}`,
      headers: {},
    }));

  it.each([
    ['empty-from-the-start', 0],
    ['smaller-than-the-connections', 2],
    ['larger-than-the-connections', 7],
  ])('sends each request of a pool %s once and reports its answer', async (name, size) => {
    const pool = aPool(name, size);
    const remaining = [...pool];
    const answered: string[] = [];

    await runLoad({
      url,
      durationSeconds: 30,
      connections: 4,
      next: () => remaining.shift(),
      onResponse: (request, status) => answered.push(`${status} ${request.path}`),
    });

    const paths = pool.map((request) => request.path);
    expect(received.filter((path) => paths.includes(path)).sort()).toEqual(paths.sort());
    expect(answered.sort()).toEqual(paths.map((path) => `200 ${path}`).sort());
  });
});
