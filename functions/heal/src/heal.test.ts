import { heal, ManualClock, processBatch, silentLogger, type Context, type DomainEvent, type StateStore } from '@vigil/core';
import { healMessageSchema, type HealMessage, type PostableAlert } from '@vigil/events';
import { QueueWorker, type LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../../../test/helpers/local';
import { WebhookReceiver } from '../../../test/helpers/webhook-receiver';
import { ExecutionBusyError, handle, LEASE_MS } from '.';

/**
 * heal on the local runtime and virtual time, against a real HTTP server on loopback (which the
 * outbound policy allows explicitly, as VIGIL_OUTBOUND_ALLOW=127.0.0.1/32 does): an alert that
 * fires runs its runbook once however often it is delivered, failures roll back, verification
 * reads the alert state, and the guards (dry run, approval, blast-radius limits, SSRF policy) hold.
 */
const T0 = Date.parse('2026-03-02T10:00:00Z');
const TENANT = 'default';

describe('heal', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  const target = new WebhookReceiver();
  let vigil: LocalRuntime;
  let ctx: Context;
  let api: ReturnType<typeof client>;
  let healWorker: QueueWorker;
  const events: DomainEvent[] = [];

  const runbook = (name: string, extra: string, match = `alertname="${name}"`) => `
name: ${name}
match: ['${match}']
actions:
  - type: http
    name: restart
    url: ${target.url}/${name}/restart/{{ .Labels.instance }}
    headers: {Authorization: Bearer s3cret-token}
    body: '{"instance": "{{ .Labels.instance }}", "execution": "{{ .ExecutionID }}"}'
    max_attempts: 2
rollback:
  - type: http
    name: undo
    url: ${target.url}/${name}/undo/{{ .Labels.instance }}
${extra}`;
  const putRunbook = async (yaml: string) => {
    const res = await api.post('/v1/runbooks', yaml);
    expect([200, 201]).toContain(res.status);
  };
  const alert = (alertname: string, instance: string, endsAt = clock.now() + 3_600_000): PostableAlert => ({
    labels: { alertname, instance },
    annotations: {},
    startsAt: clock.now(),
    endsAt,
    generatorURL: '',
  });
  const message = (a: PostableAlert, runbookName = a.labels.alertname!): HealMessage => ({ kind: 'alert', tenant: TENANT, alert: a, runbook: runbookName });
  const requestsTo = (prefix: string) => target.requests.filter((r) => r.path.startsWith(prefix));
  const execution = async (id: string) => (await api.get(`/v1/runbooks/executions/${id}`)).json.data;
  /** Advances virtual time in 1 s steps, running the scheduler, every queue and heal's. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      await vigil.scheduler.tick();
      await vigil.drain();
      await healWorker.drain();
    }
  };

  beforeAll(async () => {
    await target.start();
    vigil = await startManual(dir, clock);
    ctx = vigil.ctx;
    api = client(vigil.url);
    vigil.events.subscribe((e) => void (e.type === 'RemediationRan' && events.push(e)));
    healWorker = new QueueWorker({
      queue: vigil.queue,
      name: 'heal',
      handler: (m) => processBatch(m, healMessageSchema, (input) => handle(input, ctx), silentLogger),
      visibilityTimeoutMs: 60_000,
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await vigil.stop();
    await target.stop();
    remove();
  });

  it('runs the runbook of an alert evaluate fires, then verifies it resolved', async () => {
    await putRunbook(runbook('HighLatency', 'approval: none\nverify: {after: 2m}'));
    const rules = `
name: web
interval: 10s
rules:
  - alert: HighLatency
    expr: latency_seconds > 1
`;
    expect((await api.post('/prometheus/config/v1/rules/app', rules)).status).toBe(202);
    vigil.scheduler.refresh(TENANT);
    const push = (value: number) => api.post('/v1/metrics', { samples: [{ metric: 'latency_seconds', labels: { instance: 'web-1' }, value, timestamp: clock.now() }] });

    expect((await push(3)).status).toBe(200);
    await run(11_000);
    const calls = requestsTo('/HighLatency/restart/web-1');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.authorization).toBe('Bearer s3cret-token');
    expect(calls[0]!.json.instance).toBe('web-1');
    const id: string = calls[0]!.json.execution;
    expect(calls[0]!.headers['idempotency-key']).toBe(`${id}:action:0`);
    expect((await execution(id)).execution).toMatchObject({ status: 'verifying', group: 'app/web' });

    // Resends of the firing alert on every evaluation start nothing new.
    await run(30_000);
    expect(requestsTo('/HighLatency/restart')).toHaveLength(1);

    expect((await push(0.2)).status).toBe(200);
    await run(120_000);
    const done = await execution(id);
    expect(done.execution.status).toBe('succeeded');
    expect(done.execution.document.actions[0].headers.Authorization).toBe('<secret>');
    expect(JSON.stringify(done)).not.toContain('s3cret-token');
    expect(done.audit.map((a: { event: string }) => a.event)).toEqual(['created', 'started', 'action_started', 'action_succeeded', 'verify_scheduled', 'succeeded']);
    expect(requestsTo('/HighLatency/undo')).toHaveLength(0);
    expect(events.filter((e) => e.detail.executionId === id)).toEqual([expect.objectContaining({ type: 'RemediationRan', tenant: TENANT, detail: expect.objectContaining({ status: 'succeeded', runbook: 'HighLatency' }) })]);
  });

  it('rolls back and records failed_verification when the alert still fires after verify.after', async () => {
    await putRunbook(runbook('Stuck', 'approval: none\nverify: {after: 1m}'));
    const result = await handle(message(alert('Stuck', 'db-1')), ctx);
    expect(result.status).toBe('verifying');
    await run(59_000);
    expect(requestsTo('/Stuck/undo')).toHaveLength(0);
    await run(2_000);
    expect(requestsTo('/Stuck/undo/db-1')).toHaveLength(1);
    const { execution: e, audit } = await execution(result.executionId!);
    expect(e).toMatchObject({ status: 'failed_verification', rollback: [expect.objectContaining({ ok: true, name: 'undo' })] });
    expect(audit.map((a: { event: string }) => a.event)).toContain('verification_failed');
  });

  it('sends a lost verification again when the alert is resent after it was due', async () => {
    await putRunbook(runbook('Lost', 'approval: none\nverify: {after: 1m}'));
    const m = message(alert('Lost', 'l-1', clock.now() + 30_000));
    const started = await handle(m, ctx);
    expect(started.status).toBe('verifying');
    // The verification message is lost: taken off the queue and never handled.
    clock.advance(61_000);
    for (const lost of await vigil.queue.receive('heal', 10, 60_000)) await vigil.queue.ack(lost.id);
    await run(120_000); // past due plus the grace a queue hop may take
    expect((await execution(started.executionId!)).execution.status).toBe('verifying');
    expect(await handle(m, ctx)).toMatchObject({ status: 'verifying', reason: 'overdue verification sent again' });
    await run(1_000);
    expect((await execution(started.executionId!)).execution.status).toBe('succeeded');
  });

  it('rolls back when an action fails after its retries', async () => {
    await putRunbook(runbook('Broken', 'approval: none'));
    target.statuses = [500, 503];
    const result = await handle(message(alert('Broken', 'x-1')), ctx);
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('HTTP 503') });
    expect(requestsTo('/Broken/restart')).toHaveLength(2); // max_attempts: 2
    expect(requestsTo('/Broken/undo/x-1')).toHaveLength(1);
    const { execution: e, audit } = await execution(result.executionId!);
    expect(e.actions).toEqual([expect.objectContaining({ ok: false, attempts: 2, httpStatus: 503 })]);
    expect(e.reason).toContain('rollback succeeded');
    expect(audit.map((a: { event: string }) => a.event)).toEqual(['created', 'started', 'action_started', 'action_failed', 'rollback_started', 'rollback_action_started', 'rollback_action_succeeded', 'failed']);
  });

  it('records a dry run and sends nothing', async () => {
    await putRunbook(runbook('Rehearsal', 'dry_run: true'));
    const before = target.requests.length;
    const result = await handle(message(alert('Rehearsal', 'r-1')), ctx);
    expect(result.status).toBe('dry_run');
    expect(target.requests.length).toBe(before);
    const { execution: e } = await execution(result.executionId!);
    expect(e.plan).toEqual([
      expect.objectContaining({ phase: 'action', method: 'POST', url: `${target.url}/Rehearsal/restart/r-1`, body: expect.stringContaining('"instance": "r-1"'), headers: expect.objectContaining({ Authorization: '<secret>' }) }),
      expect.objectContaining({ phase: 'rollback', url: `${target.url}/Rehearsal/undo/r-1` }),
    ]);
  });

  it('waits for approval, then runs what was approved; a rejected execution never runs', async () => {
    await putRunbook(runbook('Risky', '')); // approval is required unless the runbook says none
    const waiting = await handle(message(alert('Risky', 'a-1')), ctx);
    expect(waiting.status).toBe('awaiting_approval');
    await run(5_000);
    expect(requestsTo('/Risky')).toHaveLength(0);

    const approved = await api.post(`/v1/runbooks/executions/${waiting.executionId}/approve`, {});
    expect(approved.status).toBe(202);
    expect(approved.json.data.execution).toMatchObject({ status: 'approved', approvedBy: 'admin' });
    await run(1_000);
    expect(requestsTo('/Risky/restart/a-1')).toHaveLength(1);
    expect((await execution(waiting.executionId!)).execution.status).toBe('succeeded');
    expect((await api.post(`/v1/runbooks/executions/${waiting.executionId}/approve`, {})).status).toBe(409);

    const other = await handle(message(alert('Risky', 'a-2')), ctx);
    expect((await api.post(`/v1/runbooks/executions/${other.executionId}/reject`, {})).status).toBe(200);
    expect((await api.post(`/v1/runbooks/executions/${other.executionId}/approve`, {})).status).toBe(409);
    await run(1_000);
    expect(requestsTo('/Risky/restart/a-2')).toHaveLength(0);
    expect((await execution(other.executionId!)).execution.status).toBe('rejected');
  });

  it('cancels an approved execution whose alert resolved meanwhile', async () => {
    const waiting = await handle(message(alert('Risky', 'a-3', clock.now() + 10_000)), ctx);
    clock.advance(20_000);
    expect((await api.post(`/v1/runbooks/executions/${waiting.executionId}/approve`, {})).status).toBe(202);
    await run(1_000);
    expect(requestsTo('/Risky/restart/a-3')).toHaveLength(0);
    expect((await execution(waiting.executionId!)).execution.status).toBe('cancelled');
  });

  it('refuses executions beyond the blast-radius limits', async () => {
    await putRunbook(runbook('Fleet', 'approval: none\nverify: {after: 5m}\nlimits: {max_concurrent: 1, max_per_hour: 2}'));
    // Alerts that end within the verification delay: each execution verifies as succeeded.
    const shortAlert = (instance: string) => alert('Fleet', instance, clock.now() + 4 * 60_000);
    const t0 = clock.now();
    const first = await handle(message(shortAlert('f-1')), ctx);
    expect(first.status).toBe('verifying'); // and holds its slot until verified
    const second = await handle(message(shortAlert('f-2')), ctx);
    expect(second).toMatchObject({ status: 'limited', reason: expect.stringContaining('max_concurrent') });
    expect(requestsTo('/Fleet/restart/f-2')).toHaveLength(0);

    await run(5 * 60_000 + 1000);
    expect((await execution(first.executionId!)).execution.status).toBe('succeeded');
    const third = await handle(message(shortAlert('f-3')), ctx);
    expect(third.status).toBe('verifying');
    await run(5 * 60_000 + 1000);
    expect((await execution(third.executionId!)).execution.status).toBe('succeeded');

    const fourth = await handle(message(shortAlert('f-4')), ctx);
    expect(fourth).toMatchObject({ status: 'limited', reason: expect.stringContaining('max_per_hour') });
    // An hour after f-1 started, its start no longer counts.
    clock.set(t0 + 3_600_000 + 1000);
    const fifth = await handle(message(shortAlert('f-5')), ctx);
    expect(fifth.status).toBe('verifying');
    expect(requestsTo('/Fleet/restart').map((r) => r.path)).toEqual(['/Fleet/restart/f-1', '/Fleet/restart/f-3', '/Fleet/restart/f-5']);
    expect(events.filter((e) => e.detail.runbook === 'Fleet' && e.detail.status === 'limited')).toHaveLength(2);
    await run(5 * 60_000 + 1000);
  });

  it('runs one execution however often and however concurrently the same message arrives', async () => {
    await putRunbook(runbook('Twice', 'approval: none'));
    const m = message(alert('Twice', 't-1'));
    const settled = await Promise.allSettled([handle(m, ctx), handle(m, ctx), handle(m, ctx)]);
    const fulfilled = settled.filter((s): s is PromiseFulfilledResult<Awaited<ReturnType<typeof handle>>> => s.status === 'fulfilled').map((s) => s.value);
    expect(fulfilled.filter((r) => r.status === 'succeeded')).toHaveLength(1);
    // The others saw the execution taken, and said so rather than running it again.
    for (const s of settled) if (s.status === 'rejected') expect(String(s.reason)).toMatch(/ExecutionBusyError|condition failed/);
    expect(await handle(m, ctx)).toMatchObject({ status: 'skipped', reason: 'execution is succeeded' });
    await ctx.queue.send('heal', { body: m });
    await ctx.queue.send('heal', { body: m });
    await run(1_000);
    expect(requestsTo('/Twice/restart/t-1')).toHaveLength(1);
    const listed = (await api.get('/v1/runbooks/executions')).json.data.executions.filter((e: heal.Execution) => e.runbook === 'Twice');
    expect(listed).toHaveLength(1);

    // Pages come latest first, with a cursor to the next page.
    const first = (await api.get('/v1/runbooks/executions?limit=2')).json.data;
    const second = (await api.get(`/v1/runbooks/executions?limit=2&cursor=${first.cursor}`)).json.data;
    expect(first.executions).toHaveLength(2);
    expect(second.executions.length).toBeGreaterThan(0);
    const ids = [...first.executions, ...second.executions].map((e: heal.Execution) => e.id);
    expect([...ids].sort().reverse()).toEqual(ids);
  });

  it('resumes an execution whose worker died mid-run once its lease has passed', async () => {
    await putRunbook(`
name: Crash
match: ['alertname="Crash"']
approval: none
actions:
  - {type: http, name: first, url: '${target.url}/Crash/first'}
  - {type: http, name: second, url: '${target.url}/Crash/second'}
`);
    // The store fails the write recording the first action's result once: the worker "dies"
    // after the call went out and before anyone knew.
    let failed = false;
    const store: StateStore = Object.create(ctx.store);
    store.transact = async (ops) => {
      if (!failed && ops.some((op) => op.type === 'put' && (op.value as { event?: string }).event === 'action_succeeded')) {
        failed = true;
        throw new Error('connection reset');
      }
      return ctx.store.transact(ops);
    };
    const m = message(alert('Crash', 'c-1'));
    await expect(handle(m, { ...ctx, store })).rejects.toThrow('connection reset');
    await expect(handle(m, ctx)).rejects.toThrow(ExecutionBusyError);
    expect(requestsTo('/Crash/second')).toHaveLength(0);

    clock.advance(LEASE_MS + 60_000 + 1);
    const resumed = await handle(m, ctx);
    expect(resumed.status).toBe('succeeded');
    // The interrupted action ran again (at least once), with the same idempotency key.
    const first = requestsTo('/Crash/first');
    expect(first).toHaveLength(2);
    expect(first[1]!.headers['idempotency-key']).toBe(first[0]!.headers['idempotency-key']);
    expect(requestsTo('/Crash/second')).toHaveLength(1);
    expect((await execution(resumed.executionId!)).audit.map((a: { event: string }) => a.event)).toContain('resumed');
  });

  it('refuses action URLs the outbound policy does not allow, without retrying', async () => {
    await putRunbook(`
name: Metadata
match: ['alertname="Metadata"']
approval: none
actions:
  - {type: http, url: 'http://169.254.169.254/latest/meta-data/', max_attempts: 5}
  - {type: http, url: 'http://10.0.0.1/restart'}
`);
    const result = await handle(message(alert('Metadata', 'm-1')), ctx);
    expect(result.status).toBe('failed');
    const { execution: e } = await execution(result.executionId!);
    expect(e.actions).toEqual([expect.objectContaining({ ok: false, attempts: 1, error: expect.stringContaining('refused') })]);
  });
});
