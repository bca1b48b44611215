import path from 'node:path';
import { parseBenchOptions, resultsDir, scenarioIds } from '../../../bench/options';

describe('the bench command line', () => {
  it('defaults to a full run written into the git-ignored results directory', () => {
    expect(parseBenchOptions([])).toEqual({
      durationSeconds: 10,
      connections: 10,
      warmupSeconds: 2,
      coldStarts: 11,
      allowUncounted: false,
      skip: new Set(),
      only: [],
      profileServerDir: null,
      outputPath: path.join(resultsDir, 'latest'),
    });
  });

  it('runs only the named scenarios, into results of its own', () => {
    const options = parseBenchOptions(['--only', 'orders-first,get-order', '--duration', '3']);

    expect(options).toMatchObject({
      durationSeconds: 3,
      only: ['orders-first', 'get-order'],
      outputPath: path.join(resultsDir, 'partial'),
    });
    expect(options !== 'help' && [...options.skip]).toEqual(
      scenarioIds.filter((id) => id !== 'orders-first' && id !== 'get-order'),
    );
  });

  it.each([
    [['--only', 'orders-last'], /--only: no scenario orders-last/],
    [['--duration', '0'], /--duration must be a positive number/],
    [['--connections', 'many'], /--connections must be a positive number/],
    [['--warmup=-1'], /--warmup must be/],
    [['--unknown'], /Unknown option '--unknown'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });

  it('answers --help', () => {
    expect(parseBenchOptions(['--help'])).toBe('help');
  });
});
