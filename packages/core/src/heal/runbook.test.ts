import { SqliteStateStore } from '@vigil/adapter-local';
import { healMessageSchema } from '@vigil/events';
import { fingerprint, ManualClock, ValidationError, type OutgoingMessage, type Queue, type QueueName } from '..';
import { enqueueRemediations, executionId, parseRunbookText, redactRunbook, restoreSecrets, runbookMatches, RunbookRepository } from '.';

const RUNBOOK = `
name: restart-web
match: ['alertname="HighLatency"', 'service=~"web|api"']
actions:
  - type: http
    url: https://ops.example.com/restart/{{ .Labels.instance }}
    headers: {Authorization: Bearer abc}
    body: '{"host": "{{ .Labels.instance }}"}'
    timeout: 5s
rollback:
  - {type: http, method: DELETE, url: 'https://ops.example.com/restart/{{ .Labels.instance }}', headers: {X-Token: t0k}}
verify: {after: 5m}
`;

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseRunbookText(text);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('runbook format', () => {
  it('applies safe defaults: approval required, small limits, retries, no dry run', () => {
    const { runbook } = parseRunbookText(RUNBOOK);
    expect(runbook).toMatchObject({
      approval: 'required',
      dry_run: false,
      limits: { max_concurrent: 1, max_per_hour: 10 },
      verify: { after: 300_000, expect: 'resolved' },
    });
    expect(runbook.actions[0]).toMatchObject({ method: 'POST', timeout: 5_000, max_attempts: 3 });
    expect(runbook.rollback[0]).toMatchObject({ method: 'DELETE', timeout: 10_000 });
  });

  it.each([
    ['an unknown field', RUNBOOK + 'aproval: none\n', ''],
    ['a bad matcher', RUNBOOK.replace('service=~"web|api"', 'service=~"(a"'), 'match[1]'],
    ['a runbook matching everything', RUNBOOK.replace(`['alertname="HighLatency"', 'service=~"web|api"']`, `'{}'`), 'match'],
    ['a bad duration', RUNBOOK.replace('timeout: 5s', 'timeout: 5'), 'actions[0].timeout'],
    ['a timeout over a minute', RUNBOOK.replace('timeout: 5s', 'timeout: 2m'), 'actions[0].timeout'],
    ['a bad template', RUNBOOK.replace('{{ .Labels.instance }}"}', '{{ .Labels.instance }"}'), 'actions[0].body'],
    ['a template function that does not exist', RUNBOOK.replace('{{ .Labels.instance }}"}', '{{ nosuch .Labels }}"}'), 'actions[0].body'],
    ['a header the client owns', RUNBOOK.replace('Authorization: Bearer abc', 'Host: evil.example'), 'actions[0].headers.Host'],
    ['credentials in the URL', RUNBOOK.replace('https://ops.example.com/restart/{{ .Labels.instance }}\n', 'https://u:p@ops.example.com/restart\n'), 'actions[0].url'],
    ['a scheme other than http(s)', RUNBOOK.replace('https://ops.example.com/restart/{{ .Labels.instance }}\n', 'file:///etc/passwd\n'), 'actions[0].url'],
    ['the reserved name', RUNBOOK.replace('name: restart-web', 'name: executions'), 'name'],
    ['no actions', RUNBOOK.replace(/actions:[\s\S]*?rollback:/, 'actions: []\nrollback:'), 'actions'],
    ['verification longer than a day', RUNBOOK.replace('after: 5m', 'after: 2d'), 'verify.after'],
  ])('refuses %s with the field path', (_what, text, path) => {
    expect(issuesOf(text).map((i) => i.path)).toContain(path);
  });

  it('names an unknown field in the message', () => {
    expect(issuesOf(RUNBOOK + 'aproval: none\n')[0]!.message).toContain('aproval');
  });

  it('reads YAML as data only: tags are refused', () => {
    expect(issuesOf(RUNBOOK.replace('name: restart-web', 'name: !!js/function restart')).length).toBeGreaterThan(0);
  });

  it('matches alerts with Alertmanager matchers (RE2, anchored)', () => {
    const { runbook } = parseRunbookText(RUNBOOK);
    expect(runbookMatches(runbook, { alertname: 'HighLatency', service: 'web' })).toBe(true);
    expect(runbookMatches(runbook, { alertname: 'HighLatency', service: 'web2' })).toBe(false);
    expect(runbookMatches(runbook, { alertname: 'Other', service: 'api' })).toBe(false);
  });

  it('reads header values back as <secret>, and a <secret> posted back keeps the stored value', () => {
    const { document } = parseRunbookText(RUNBOOK);
    const shown = redactRunbook(document);
    expect(JSON.stringify(shown)).not.toMatch(/Bearer abc|t0k/);
    expect(shown.actions[0]!.headers).toEqual({ Authorization: '<secret>' });
    const again = restoreSecrets(parseRunbookText(JSON.stringify(shown)).document, document);
    expect(again.actions[0]!.headers).toEqual({ Authorization: 'Bearer abc' });
    expect(again.rollback![0]!.headers).toEqual({ 'X-Token': 't0k' });
    expect(() => restoreSecrets(shown, undefined)).toThrow(/actions\[0\]\.headers\.Authorization/);
  });
});

describe('enqueueRemediations', () => {
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const store = new SqliteStateStore(':memory:', clock);
  const sent: { queue: QueueName; message: OutgoingMessage }[] = [];
  const queue: Queue = {
    send: async (q, m) => void sent.push({ queue: q, message: m }),
    sendBatch: async (q, ms) => void ms.forEach((m) => sent.push({ queue: q, message: m })),
  };
  const ctx = { store, queue, clock };
  const alert = (labels: Record<string, string>, endsAt = clock.now() + 60_000) => ({ labels, annotations: {}, startsAt: clock.now() - 1000, endsAt, generatorURL: '' });

  it('sends one valid heal message per firing alert and matching runbook, keyed by the execution', async () => {
    expect(await enqueueRemediations(ctx, 't1', 'ns/g', [alert({ alertname: 'HighLatency', service: 'web' })])).toBe(0); // no runbooks yet
    const repo = new RunbookRepository(store);
    await repo.put('t1', parseRunbookText(RUNBOOK).document, clock.now());
    await repo.put('t1', parseRunbookText(RUNBOOK.replace('name: restart-web', 'name: page-db').replace('service=~"web|api"', 'service="db"')).document, clock.now());
    const firing = alert({ alertname: 'HighLatency', service: 'web', instance: 'i-1' });
    const n = await enqueueRemediations(ctx, 't1', 'ns/g', [firing, alert({ alertname: 'HighLatency', service: 'web' }, clock.now() - 1), alert({ alertname: 'Other' })]);
    expect(n).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.queue).toBe('heal');
    expect(healMessageSchema.parse(sent[0]!.message.body)).toEqual({ kind: 'alert', tenant: 't1', alert: firing, runbook: 'restart-web', group: 'ns/g' });
    expect(sent[0]!.message.dedupKey).toBe(`heal:t1:${executionId('t1', 'restart-web', fingerprint(firing.labels), firing.startsAt)}`);
  });

  it('derives one execution ID per tenant, runbook, alert and start, latest first in key order', () => {
    const a = executionId('t', 'rb', 'fp', 1000);
    expect(executionId('t', 'rb', 'fp', 1000)).toBe(a);
    expect(new Set([executionId('u', 'rb', 'fp', 1000), executionId('t', 'rb2', 'fp', 1000), executionId('t', 'rb', 'fp2', 1000), executionId('t', 'rb', 'fp', 1001)]).has(a)).toBe(false);
    expect(executionId('t', 'rb', 'fp', 2000) > a).toBe(true);
  });
});
