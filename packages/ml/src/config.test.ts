import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, ValidationError } from '@vigil/core';
import { SqliteStateStore } from '@vigil/adapter-local';
import { MlConfigRepository } from './config';

describe('ML configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mlcfg-'));
  const store = new SqliteStateStore(join(dir, 'state.db'), new ManualClock(0));
  const repo = new MlConfigRepository(store);
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies defaults for a tenant without a configuration', async () => {
    const c = await repo.get('t1');
    expect(c.targets).toEqual([]);
    expect(c.drift).toMatchObject({ targets: [], window: 3_600_000, referenceOffset: 7 * 86_400_000, minSamples: 20, thresholds: { psi: 0.25 }, severity: 'warning' });
  });

  it('stores a valid configuration and reads it back with durations in ms', async () => {
    await repo.put('t1', { targets: [{ kind: 'forecast', selector: 'disk_used{host="a"}', window: '2h', horizons: ['4h', '1d'] }], drift: { referenceOffset: '1d', thresholds: { ks: 0.3 } } });
    const c = await repo.get('t1');
    expect(c.targets[0]).toEqual({ kind: 'forecast', selector: 'disk_used{host="a"}', window: 7_200_000, horizons: [14_400_000, 86_400_000] });
    expect(c.drift.referenceOffset).toBe(86_400_000);
    expect(c.drift.thresholds).toEqual({ psi: 0.25, ks: 0.3 });
  });

  it('rejects bad input with the field path of each problem', async () => {
    const err = await repo.put('t1', { targets: [{ kind: 'anomaly', selector: 'rate(x[5m])', window: 'soon' }], drift: { thresholds: { ks: 2 } }, extra: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['', 'drift.thresholds.ks', 'targets[0].selector', 'targets[0].window']);
    // The stored configuration is unchanged.
    expect((await repo.get('t1')).targets[0]!.kind).toBe('forecast');
  });

  it('bounds windows and horizons, whose size is the cost of every tick', async () => {
    const err = await repo.put('t1', { targets: [{ kind: 'forecast', selector: 'x', window: '30d', horizons: ['1y'] }], drift: { referenceOffset: '4w' } }).catch((e) => e);
    expect((err as ValidationError).issues).toEqual([
      { path: 'targets[0].window', message: 'must be at most 7d' },
      { path: 'targets[0].horizons[0]', message: 'must be at most 30d' },
      { path: 'drift.referenceOffset', message: 'must be at most 14d' },
    ]);
  });
});
