/**
 * The docs' tables of routes against the route table the stack and the local server read
 * (`lib/api-routes.ts`): a route, alias path or function setting changed in the code and not in
 * the docs fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiRoutes, pathsOf } from '../../../lib/api-routes';

const root = path.resolve(__dirname, '../../..');

/** The body rows of the first table after `heading`, each as its trimmed cells. */
function tableUnder(file: string, heading: string): string[][] {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`${file} has no heading ${heading}`);
  const firstRow = lines.findIndex((line, index) => index > start && line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > firstRow && !line.startsWith('|'));
  return lines.slice(firstRow + 2, end === -1 ? undefined : end).map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

describe('the docs list the routes of lib/api-routes.ts', () => {
  it('docs/configuration.md: each route, its alias paths, function, timeout and memory', () => {
    const rows = tableUnder('docs/configuration.md', '### Routes').map(
      ([routes = '', functionId = '', timeout, memory]) => ({
        routes: codeSpans(routes),
        functionId: codeSpans(functionId)[0],
        timeout,
        memory,
      }),
    );

    expect(rows).toEqual(
      apiRoutes.map((route) => ({
        routes: pathsOf(route).map((routePath) => `${route.method} ${routePath}`),
        functionId: route.functionId,
        timeout: `${route.timeoutSeconds} s`,
        memory: `${route.memoryMb} MB`,
      })),
    );
  });

  it('docs/architecture.md: each function box of the diagram with the paths it serves', () => {
    const diagram = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
    const boxes = apiRoutes.map(({ functionId }) => {
      const label = new RegExp(`"${functionId}<br/>([^"]*)"`).exec(diagram)?.[1];
      return { functionId, routes: label?.split('<br/>') };
    });

    expect(boxes).toEqual(
      apiRoutes.map((route) => ({
        functionId: route.functionId,
        routes: pathsOf(route).map((routePath) => `${route.method} ${routePath}`),
      })),
    );
  });

  it('docs/api.md: every method and path served, aliases included', () => {
    const rows = tableUnder('docs/api.md', '## Endpoints').map(
      ([method = '', routePath = '']) => `${method} ${codeSpans(routePath)[0] ?? routePath}`,
    );

    expect(rows.sort()).toEqual(
      apiRoutes.flatMap((route) => pathsOf(route).map((p) => `${route.method} ${p}`)).sort(),
    );
  });
});
