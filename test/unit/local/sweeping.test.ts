import { localSweepIntervalMs } from '../../../local/sweeping';

describe('localSweepIntervalMs', () => {
  it.each([
    [{}, 10_000],
    [{ LOCAL_SWEEP_INTERVAL_SECONDS: '' }, 10_000],
    [{ LOCAL_SWEEP_INTERVAL_SECONDS: '2' }, 2_000],
    [{ LOCAL_SWEEP_INTERVAL_SECONDS: '0' }, undefined],
    // The exactly-once checker's server sweeps only when the checker asks.
    [{ FAULT_INJECTION: '1' }, undefined],
    [{ FAULT_INJECTION: '1', LOCAL_SWEEP_INTERVAL_SECONDS: '1' }, 1_000],
  ])('reads %j as %p ms', (environment, expected) => {
    expect(localSweepIntervalMs(environment)).toBe(expected);
  });

  it.each(['-1', '1.5', 'often'])('refuses LOCAL_SWEEP_INTERVAL_SECONDS=%s, naming it', (raw) => {
    expect(() => localSweepIntervalMs({ LOCAL_SWEEP_INTERVAL_SECONDS: raw })).toThrow(
      `LOCAL_SWEEP_INTERVAL_SECONDS must be a whole number of seconds (0: no sweeper), got "${raw}"`,
    );
  });
});
