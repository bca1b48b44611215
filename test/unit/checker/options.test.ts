import { parseCheckOptions } from '../../../scripts/exactly-once/options';

describe('the checker command line', () => {
  it('has the defaults of a run by hand', () => {
    expect(parseCheckOptions([], {})).toEqual({
      requests: 1000,
      seed: 1,
      concurrency: 16,
      kills: 5,
      faultRate: 0.01,
      families: {
        'lost-replies': true,
        pauses: true,
        'racing-payers': true,
        'key-retention': true,
        'skewed-clocks': true,
        sweeper: true,
      },
    });
  });

  it('leaves out the families --without names, and refuses one it does not know', () => {
    const options = parseCheckOptions(['--without', 'pauses, key-retention'], {});

    expect(options).toMatchObject({
      families: { pauses: false, 'key-retention': false, 'lost-replies': true },
    });
    expect(() => parseCheckOptions(['--without', 'pause'], {})).toThrow(
      /--without: no family pause/,
    );
  });

  it('takes a flag over its environment variable, and the variable over the default', () => {
    const options = parseCheckOptions(['--requests', '10000', '--fault-rate', '0.05'], {
      CHECK_REQUESTS: '5',
      CHECK_SEED: '7',
    });

    expect(options).toMatchObject({ requests: 10000, seed: 7, faultRate: 0.05 });
  });

  it.each([
    [['--kills', 'many'], /--kills must be a number, got many/],
    [['--seed=-1'], /--seed must be a number, got -1/],
    [['--request', '5'], /Unknown option '--request'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCheckOptions(argv, {})).toThrow(message);
  });

  it('answers --help', () => {
    expect(parseCheckOptions(['--help'], {})).toBe('help');
  });
});
