/**
 * A small run of the exactly-once checker (`npm run check:exactly-once`): local servers as child
 * processes on one engine, SIGKILLed and restarted, random faults at every step, concurrent
 * clients retrying with the same keys, and every workload family of issue 12. 10,000 requests
 * are run by hand (docs/idempotency.md).
 */
import { FAMILIES, type Family } from '../../scripts/exactly-once/options';
import { printReport } from '../../scripts/exactly-once/report';
import { runExactlyOnceCheck } from '../../scripts/exactly-once/run';

it('finds no violation in a few hundred requests with kills, faults and every family of issue 12', async () => {
  const report = await runExactlyOnceCheck({
    requests: 250,
    seed: 4,
    concurrency: 16,
    kills: 2,
    faultRate: 0.01,
    families: Object.fromEntries(FAMILIES.map((family) => [family, true])) as Record<
      Family,
      boolean
    >,
  });
  const lines: string[] = [];
  printReport(report, (line) => lines.push(line));

  expect(report.violations).toEqual([]);
  expect(report.requests).toBeGreaterThanOrEqual(250);
  expect(report.server.kills).toBe(2);
  expect(report.server.restarts).toBe(3);
  expect(report.families.enabled).toEqual(FAMILIES);
  expect(report.server.sweeps).toBeGreaterThan(0);
  expect(report.server.faults).toBeGreaterThan(0);
  expect(report.retries).toBeGreaterThan(0);
  // The run's figures, for whoever reads the test output.
  console.log(lines.join('\n'));
}, 240_000);
