import { limitsFromEnv, ManualClock } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../helpers/local';

/** Operators set ingest limits with VIGIL_LIMITS; rejections name the limit hit. */
describe('VIGIL_LIMITS', () => {
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  beforeAll(async () => {
    const limits = limitsFromEnv('{"default":{"maxLabelNamesPerSeries":3},"tenants":{"big":{"maxLabelNamesPerSeries":10}}}');
    vigil = await startManual(dir, new ManualClock(1_763_800_000_000), { limits });
    await vigil.ctx.services.apiKeys.create('big-key', { tenant: 'big', scopes: ['metrics:write'], name: 'w', createdAt: 0 });
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  const sample = { metric: 'm', labels: { a: '1', b: '2', c: '3' }, value: 1, timestamp: 1_763_800_000_000 };

  it('applies the default to every tenant and names the limit', async () => {
    const res = await client(vigil.url).post('/v1/metrics', { samples: [sample] });
    expect(res.status).toBe(400);
    expect(res.text).toContain('max_label_names_per_series');
    expect(await vigil.ctx.services.series.metricNames('default')).toEqual([]);
  });

  it('applies a tenant override', async () => {
    expect((await client(vigil.url, 'big-key').post('/v1/metrics', { samples: [sample] })).status).toBe(200);
  });

  it('refuses a bad configuration at start-up, naming the field', () => {
    expect(() => limitsFromEnv('{"default":{"ingestionRate":-1}}')).toThrow(/VIGIL_LIMITS: default.ingestionRate/);
    expect(() => limitsFromEnv('{nope')).toThrow(/not valid JSON/);
    expect(() => limitsFromEnv('{"defaults":{}}')).toThrow(/VIGIL_LIMITS/);
  });
});
