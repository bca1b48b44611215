/**
 * The benchmark's results as JSON, a markdown table and an SVG chart of the latency
 * percentiles, written side by side.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResults } from './results';

/** Writes `<out>.json`, `<out>.md` and `<out>.svg`; returns the markdown. */
export function writeResults(results: BenchResults, out: string): string {
  const markdown = renderMarkdown(results, path.basename(out));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${out}.md`, markdown);
  writeFileSync(`${out}.svg`, renderChart(results));
  return markdown;
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const num = (value: number | null, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));

export function renderMarkdown(results: BenchResults, name: string): string {
  const lines: string[] = [];
  lines.push(
    `### Benchmark \`${name}\`: commit ${results.commit}, ${results.date.slice(0, 16)}Z`,
    '',
    `${results.machine.cpus} cores (load average ${results.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')} at the end), ` +
      `Node.js ${results.machine.node}; ${results.options.durationSeconds} s per scenario after ` +
      `${results.options.warmupSeconds} s of warm-up, ${results.options.connections} connections.`,
    '',
    '| Scenario | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | non-2xx | server CPU µs/request | DynamoDB calls/request |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const s of results.scenarios) {
    const calls =
      s.callsPerRequest === null
        ? 'n/a'
        : `${num(s.totalCallsPerRequest)}` +
          (Object.keys(s.callsPerRequest).length > 0
            ? ` (${Object.entries(s.callsPerRequest)
                .map(([op, count]) => `${op} ${num(count)}`)
                .join(', ')})`
            : '');
    lines.push(
      `| ${s.id}: ${s.title} | ${Math.round(s.requestsPerSecond)} | ${ms(s.latencyMs.p50)} | ` +
        `${ms(s.latencyMs.p90)} | ${ms(s.latencyMs.p99)} | ${ms(s.latencyMs.max)} | ${s.errors} | ` +
        `${s.non2xx} | ${num(s.serverCpuMicrosecondsPerRequest, 0)} | ${calls} |`,
    );
  }
  if (results.inProcessCachedReplays) {
    const { microsecondsPerReplay, replaysPerSecond } = results.inProcessCachedReplays;
    lines.push(
      '',
      `Cached replay of create-order called in one process, without HTTP: ` +
        `${microsecondsPerReplay.toFixed(1)} µs each, ${Math.round(replaysPerSecond)} replays/s on one core.`,
    );
  }
  lines.push('', '| Ratio | Value |', '| --- | ---: |');
  for (const [ratio, value] of Object.entries(results.ratios))
    lines.push(`| ${ratio} | ${num(value)} |`);
  lines.push('', '| Target | Value | Limit | Result |', '| --- | ---: | --- | --- |');
  for (const target of results.targets) {
    const verdict = target.pass === null ? 'n/a' : target.pass ? 'PASS' : 'FAIL';
    lines.push(
      `| ${target.name} | ${num(target.value)} | ${target.limit} | ${verdict}${target.asserted ? ' (asserted)' : ''} |`,
    );
  }
  const { floor } = results;
  lines.push(
    '',
    `Floor (a bare SDK v3 DynamoDB client making one GetItem, the functions' esbuild settings): ` +
      `${(floor.bundle.bytes / 1000).toFixed(1)} KB minified, cold start ` +
      (floor.coldStart
        ? `${ms(floor.coldStart.medianTotalMs)} ms (${ms(floor.coldStart.medianLoadMs)} + ` +
          `${ms(floor.coldStart.medianFirstRequestMs)}) over ${floor.coldStart.samples.length} samples.`
        : 'not measured.'),
    '',
    '| Function | SDK | minified KB | × floor | gzip KB | cold start median ms (load + first request) | × floor alongside | biggest inputs (KB) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const bundle of [...results.bundles, floor.bundle]) {
    const cold =
      bundle === floor.bundle
        ? floor.coldStart
        : results.coldStarts.find(
            (c) => c.functionId === bundle.functionId && c.sdk === bundle.sdk,
          );
    lines.push(
      `| ${bundle.functionId} | ${bundle.sdk} | ${(bundle.bytes / 1000).toFixed(1)} | ` +
        `${num(bundle.bytes / floor.bundle.bytes)} | ${(bundle.gzipBytes / 1000).toFixed(1)} | ` +
        `${cold ? `${ms(cold.medianTotalMs)} (${ms(cold.medianLoadMs)} + ${ms(cold.medianFirstRequestMs)})` : 'n/a'} | ` +
        `${cold ? num(cold.medianTotalMs / cold.floorMedianTotalMs) : 'n/a'} | ` +
        `${bundle.biggestInputs
          .slice(0, 5)
          .map((input) => `${input.name} ${(input.bytes / 1000).toFixed(0)}`)
          .join(', ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const PERCENTILES = [
  ['p50', '#4c78a8'],
  ['p90', '#f58518'],
  ['p99', '#e45756'],
] as const;

/** Horizontal bars, one group per scenario, on a log scale: cached replays and first executions differ by 10×. */
export function renderChart(results: BenchResults): string {
  const rowHeight = 16;
  const groupGap = 14;
  const left = 330;
  const width = 900;
  const plotWidth = width - left - 60;
  const top = 50;
  const scenarios = results.scenarios;
  const height = top + scenarios.length * (rowHeight * PERCENTILES.length + groupGap) + 40;
  const values = scenarios.flatMap((s) => PERCENTILES.map(([p]) => s.latencyMs[p]));
  const minLog = Math.floor(Math.log10(Math.max(0.1, Math.min(...values))));
  const maxLog = Math.ceil(Math.log10(Math.max(...values, 1)));
  const x = (value: number) =>
    left +
    ((Math.log10(Math.max(value, 10 ** minLog)) - minLog) / (maxLog - minLog || 1)) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Latency per scenario (ms, log scale), commit ${escape(results.commit)}</text>`,
  ];
  PERCENTILES.forEach(([p, colour], i) => {
    parts.push(
      `<rect x="${left + i * 70}" y="30" width="10" height="10" fill="${colour}"/>`,
      `<text x="${left + i * 70 + 14}" y="39">${p}</text>`,
    );
  });
  for (let power = minLog; power <= maxLog; power++) {
    const gx = x(10 ** power);
    parts.push(
      `<line x1="${gx}" y1="${top - 5}" x2="${gx}" y2="${height - 30}" stroke="#ddd"/>`,
      `<text x="${gx}" y="${height - 15}" text-anchor="middle">${10 ** power}</text>`,
    );
  }
  scenarios.forEach((scenario, index) => {
    const groupTop = top + index * (rowHeight * PERCENTILES.length + groupGap);
    parts.push(
      `<text x="${left - 8}" y="${groupTop + rowHeight * 1.8}" text-anchor="end">${escape(scenario.id)} (${Math.round(scenario.requestsPerSecond)} req/s)</text>`,
    );
    PERCENTILES.forEach(([p, colour], row) => {
      const value = scenario.latencyMs[p];
      const y = groupTop + row * rowHeight;
      parts.push(
        `<rect x="${left}" y="${y}" width="${Math.max(1, x(value) - left)}" height="${rowHeight - 3}" fill="${colour}"/>`,
        `<text x="${x(value) + 4}" y="${y + rowHeight - 5}">${ms(value)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
