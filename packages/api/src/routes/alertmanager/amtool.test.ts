import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManualClock, systemClock } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../../../../../test/helpers/local';
import { requireTool } from '../../../../../test/helpers/tools';

/**
 * amtool 0.25 (Debian's prometheus-alertmanager) against Vigil. amtool sends no API key of its
 * own; its `--http.config.file` with `authorization: {credentials: KEY}` sends
 * `Authorization: Bearer KEY`, which is how the rest of the API authenticates.
 */
const run = promisify(execFile);
const CONFIG = `
alertmanager_config: |
  route:
    receiver: ops
    group_by: [alertname]
    routes:
      - receiver: pager
        matchers: [severity="critical"]
        continue: true
      - receiver: db
        matchers: [team=~"db|storage"]
  receivers:
    - name: ops
      webhook_configs: [{url: 'http://127.0.0.1:9/ops'}]
    - name: pager
      webhook_configs: [{url: 'http://127.0.0.1:9/pager', http_config: {authorization: {credentials: hunter2}}}]
    - name: db
`;

describe('amtool against Vigil', () => {
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  let amtool: (...args: string[]) => Promise<string>;
  let amtoolAs: (httpConfig: string, ...args: string[]) => Promise<string>;

  beforeAll(async () => {
    const bin = requireTool('amtool', 'apt-get install prometheus-alertmanager (amtool 0.25), or run test/setup/ensure-tools.sh');
    // Real time: amtool stamps silences with its own clock.
    vigil = await startManual(dir, new ManualClock(), { clock: systemClock });
    expect((await client(vigil.url).post('/api/v1/alerts', CONFIG)).status).toBe(201);
    const goodConfig = join(dir, 'http.yml');
    writeFileSync(goodConfig, 'authorization:\n  credentials: test-admin-key\n');
    amtoolAs = async (httpConfig, ...args) =>
      (await run(bin, [`--alertmanager.url=${vigil.url}/alertmanager`, `--http.config.file=${httpConfig}`, ...args], { env: { HOME: dir, PATH: process.env.PATH ?? '' } })).stdout;
    amtool = (...args) => amtoolAs(goodConfig, ...args);
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  let id = '';
  it('silence add / query / expire', async () => {
    id = (await amtool('silence', 'add', 'alertname=Down', 'team=~"db|web"', '--author=ops', '--comment=maintenance', '--duration=2h')).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const listed = JSON.parse(await amtool('silence', 'query', '-o', 'json'));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, createdBy: 'ops', comment: 'maintenance', status: { state: 'active' } });
    expect(listed[0].matchers).toEqual(
      expect.arrayContaining([
        { name: 'alertname', value: 'Down', isRegex: false, isEqual: true },
        { name: 'team', value: 'db|web', isRegex: true, isEqual: true },
      ]),
    );
    expect((await amtool('silence', 'query', '-q', 'alertname=Down')).trim()).toBe(id);
    expect((await amtool('silence', 'query', '-q', 'alertname=Other')).trim()).toBe('');
    await amtool('silence', 'expire', id);
    expect((await amtool('silence', 'query', '-q')).trim()).toBe('');
    expect((await amtool('silence', 'query', '-q', '--expired')).trim()).toBe(id);
  });

  it('silence import re-creates exported silences', async () => {
    const second = (await amtool('silence', 'add', 'job=api', '--author=ops', '--comment=deploy', '--duration=1h')).trim();
    const exported = await amtool('silence', 'query', '-o', 'json');
    const file = join(dir, 'silences.json');
    writeFileSync(file, exported);
    await amtool('silence', 'expire', second);
    await amtool('silence', 'import', file);
    const active = JSON.parse(await amtool('silence', 'query', '-o', 'json'));
    expect(active).toHaveLength(1);
    expect(active[0].id).not.toBe(second);
    expect(active[0]).toMatchObject({ comment: 'deploy', matchers: [{ name: 'job', value: 'api', isRegex: false, isEqual: true }] });
  });

  it('alert add / query, with silenced alerts hidden unless asked', async () => {
    await amtool('alert', 'add', 'alertname=Down', 'team=db', 'severity=critical', '--annotation=summary=down');
    await amtool('alert', 'add', 'alertname=Slow', 'team=web');
    await vigil.drain();
    const all = JSON.parse(await amtool('alert', 'query', '-o', 'json'));
    expect(all.map((a: any) => a.labels.alertname).sort()).toEqual(['Down', 'Slow']);
    const down = all.find((a: any) => a.labels.alertname === 'Down');
    expect(down.receivers.map((r: any) => r.name)).toEqual(['pager', 'db']);
    expect(down.annotations).toEqual({ summary: 'down' });
    const sid = (await amtool('silence', 'add', 'alertname=Slow', '--author=ops', '--comment=noise', '--duration=1h')).trim();
    expect((await amtool('alert', 'query', '-o', 'json')).includes('Slow')).toBe(false);
    const withSilenced = JSON.parse(await amtool('alert', 'query', '-s', '-o', 'json'));
    expect(withSilenced.find((a: any) => a.labels.alertname === 'Slow').status.silencedBy).toEqual([sid]);
    expect(await amtool('alert', 'query', 'team=db')).toContain('Down');
  });

  it('config routes test and show read the configuration from the status API', async () => {
    expect((await amtool('config', 'routes', 'test', 'severity=critical', 'team=db')).trim()).toBe('pager,db');
    expect((await amtool('config', 'routes', 'test', 'team=storage')).trim()).toBe('db');
    expect((await amtool('config', 'routes', 'test', 'alertname=X')).trim()).toBe('ops');
    await expect(amtool('config', 'routes', 'test', '--verify.receivers=ops', 'team=db')).rejects.toThrow();
    const tree = await amtool('config', 'routes');
    expect(tree).toContain('pager');
    const status = await amtool('config', 'show');
    expect(status).toContain('<secret>');
    expect(status).not.toContain('hunter2');
  });

  it('is refused without a valid key', async () => {
    const badConfig = join(dir, 'bad.yml');
    writeFileSync(badConfig, 'authorization:\n  credentials: wrong-key\n');
    await expect(amtoolAs(badConfig, 'silence', 'query')).rejects.toThrow();
    await expect(amtoolAs(badConfig, 'alert', 'add', 'alertname=X')).rejects.toThrow();
  });
});
