import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent, ScheduledEvent } from 'aws-lambda';
import { ManualClock, silentLogger, ValidationError } from '@vigil/core';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createTable, dynamoClient, sqsClient } from '../index';
import { createAwsRuntime, setRuntime, type AwsRuntime } from './context';
import { handler as api } from './api';
import { handler as ingest } from './ingest';
import { handler as evaluate } from './evaluate';
import { handler as notify } from './notify';
import { handler as schedule } from './schedule';
import { handler as predict } from './predict';
import { handler as driftDetect } from './drift-detect';
import { handler as heal } from './heal';
import { tickHandler } from './tick';
import { predictMessageSchema } from '@vigil/events';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  createTestQueues,
  deliverAll,
  lambdaContext,
  startMoto,
  type RunningEmulator,
  type SqsLambda,
  type TestQueues,
} from '../../../../test/helpers/emulators/aws';
import { WebhookReceiver } from '../../../../test/helpers/webhook-receiver';
import postRules from '../../../../events/aws/apigw-v2-post-rules.json';
import postMetrics from '../../../../events/aws/apigw-v2-post-metrics.json';
import getAlerts from '../../../../events/aws/apigw-v2-get-alerts.json';
import getQuery from '../../../../events/aws/apigw-v2-get-query.json';
import sqsIngest from '../../../../events/aws/sqs-ingest.json';
import sqsEvaluate from '../../../../events/aws/sqs-evaluate.json';
import sqsNotify from '../../../../events/aws/sqs-notify.json';
import scheduled from '../../../../events/aws/eventbridge-scheduled.json';
import scheduledPredict from '../../../../events/aws/eventbridge-scheduled-predict.json';
import sqsHeal from '../../../../events/aws/sqs-heal.json';

/**
 * Every trigger wrapper, fed the recorded AWS events, on ports backed by moto_server
 * (DynamoDB, SQS, EventBridge). The recorded events belong to one story: a rule group is
 * uploaded, samples arrive over HTTP and SQS, evaluation fires an alert, notify sends it.
 */
const RECORDED_KEY = 'vgl_recorded_example_key_0123456789';
const T0 = 1_763_800_006_000;

const invokeApi = async (event: unknown) => (await api(event as APIGatewayProxyEventV2, lambdaContext('api'))) as APIGatewayProxyStructuredResultV2;
const invokeSqs = (fn: SqsLambda, event: unknown) => fn(event as SQSEvent, lambdaContext());
const bodies = (messages: { body: unknown }[]) => messages.map((m) => m.body);

describe('AWS trigger wrappers with recorded events (moto_server)', () => {
  const clock = new ManualClock(T0);
  const hook = new WebhookReceiver();
  let moto: RunningEmulator;
  let sqs: SQSClient;
  let queues: TestQueues;
  let runtime: AwsRuntime;
  let env: Record<string, string>;

  beforeAll(async () => {
    await hook.start();
    moto = await startMoto();
    const table = `vigil-handlers-${randomUUID().slice(0, 8)}`;
    const ddb = dynamoClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    await createTable(ddb, table);
    ddb.destroy();
    sqs = sqsClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    queues = await createTestQueues(sqs, ['ingest', 'evaluate', 'notify', 'heal'], { maxReceives: 3 });
    env = {
      VIGIL_TABLE: table,
      AWS_REGION: EMULATOR_REGION,
      VIGIL_AWS_ENDPOINT: moto.endpoint,
      VIGIL_QUEUE_URL_INGEST: queues.urls.ingest!,
      VIGIL_QUEUE_URL_EVALUATE: queues.urls.evaluate!,
      VIGIL_QUEUE_URL_NOTIFY: queues.urls.notify!,
      VIGIL_QUEUE_URL_HEAL: queues.urls.heal!,
      VIGIL_EVENT_BUS: 'default',
      VIGIL_OUTBOUND_ALLOW: '127.0.0.1/32',
      VIGIL_API_KEY: RECORDED_KEY,
    };
    runtime = await createAwsRuntime(env, { clock, logger: silentLogger, client: { credentials: EMULATOR_CREDENTIALS, requestTimeoutMs: 20_000 } });
    setRuntime(runtime);
  }, 90_000);

  afterAll(async () => {
    setRuntime(undefined);
    runtime?.destroy();
    sqs?.destroy();
    await moto?.stop();
    await hook.stop();
  });

  it('refuses an environment without a table, naming the variable', async () => {
    const { VIGIL_TABLE: _, ...rest } = env;
    await expect(createAwsRuntime(rest)).rejects.toThrow(ValidationError);
    await expect(createAwsRuntime(rest)).rejects.toThrow(/env\.VIGIL_TABLE/);
    await expect(createAwsRuntime({ ...env, VIGIL_AWS_ENDPOINT: 'not a url' })).rejects.toThrow(/env\.VIGIL_AWS_ENDPOINT/);
  });

  describe('api (API Gateway HTTP API v2)', () => {
    it('uploads a rule group sent base64-encoded as API Gateway sends YAML', async () => {
      expect(postRules.isBase64Encoded).toBe(true);
      const res = await invokeApi(postRules);
      expect(res.statusCode).toBe(202);
      const back = await invokeApi({
        ...getAlerts,
        rawPath: '/prometheus/config/v1/rules/infra/node',
        requestContext: { ...getAlerts.requestContext, http: { ...getAlerts.requestContext.http, path: '/prometheus/config/v1/rules/infra/node' } },
      });
      expect(back.statusCode).toBe(200);
      expect(back.isBase64Encoded).toBe(false);
      expect(back.headers?.['content-type']).toMatch(/yaml/);
      expect(back.body).toContain('alert: HighCPU');
    });

    it('ingests a JSON batch and tells evaluate which metrics changed', async () => {
      const res = await invokeApi(postMetrics);
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body ?? '')).toMatchObject({ status: 'success', data: { series: 2, samples: 2, newSeries: 2 } });
      const sent = await queues.receive('evaluate', 10, 30_000);
      expect(bodies(sent)).toEqual([{ kind: 'touched', tenant: 'default', metrics: ['cpu_usage'], at: T0 }]);
      for (const m of sent) await queues.ack('evaluate', m.id);
    });

    it('answers instant queries from the query string', async () => {
      const res = await invokeApi(getQuery);
      expect(res.statusCode).toBe(200);
      const json = JSON.parse(res.body ?? '');
      expect(json.data.result).toEqual([{ metric: { __name__: 'cpu_usage', host: 'a' }, value: [T0 / 1000, '95'] }]);
    });

    it('refuses a request without a key and an unknown route, as the local server does', async () => {
      const { authorization: _, ...headers } = postMetrics.headers;
      const unauthorized = await invokeApi({ ...postMetrics, headers });
      expect(unauthorized.statusCode).toBe(401);
      expect(JSON.parse(unauthorized.body ?? '')).toMatchObject({ status: 'error', errorType: 'unauthorized' });
      const missing = await invokeApi({ ...getAlerts, rawPath: '/nope', requestContext: { ...getAlerts.requestContext, http: { ...getAlerts.requestContext.http, path: '/nope' } } });
      expect(missing.statusCode).toBe(404);
    });

    it('reports a bad batch as 400 with the field path, storing nothing', async () => {
      const body = JSON.stringify({ samples: [{ metric: 'cpu_usage', labels: { host: 'z' }, value: 1, timestamp: T0 }, { metric: 'cpu_usage', labels: {}, value: 'x', timestamp: T0 }] });
      const res = await invokeApi({ ...postMetrics, body });
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body ?? '').issues).toEqual([expect.objectContaining({ path: 'samples[1].value' })]);
      expect(await queues.receive('evaluate', 10, 30_000)).toEqual([]);
      expect(await runtime.ctx.services.series.series('default', [{ name: 'host', type: '=', value: 'z' } as never])).toEqual([]);
    });
  });

  describe('ingest (SQS batch)', () => {
    it('stores the good record, reports only the malformed one in batchItemFailures', async () => {
      const res = await invokeSqs(ingest, sqsIngest);
      expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: sqsIngest.Records[1]!.messageId }] });
      const series = await runtime.ctx.services.series.series('default', [{ name: '__name__', type: '=', value: 'cpu_usage' } as never]);
      const a = series.find((s) => s.labels.host === 'a')!;
      expect(await runtime.ctx.services.series.samples('default', a.id, T0 - 10_000, T0)).toEqual([
        { t: 1_763_800_000_000, v: 95 },
        { t: 1_763_800_005_000, v: 96 },
      ]);
      const sent = await queues.receive('evaluate', 10, 30_000);
      expect(bodies(sent)).toEqual([{ kind: 'touched', tenant: 'default', metrics: ['cpu_usage'], at: T0 }]);
      for (const m of sent) await queues.ack('evaluate', m.id);
    });

    it('handles a redelivered record once: no second evaluate message', async () => {
      const again = { Records: sqsIngest.Records.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '2' } })) };
      const res = await invokeSqs(ingest, again);
      expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: sqsIngest.Records[1]!.messageId }] });
      expect(await queues.receive('evaluate', 10, 30_000)).toEqual([]);
    });
  });

  describe('evaluate (SQS batch)', () => {
    it('fires the alert and hands it to notify', async () => {
      const res = await invokeSqs(evaluate, sqsEvaluate);
      expect(res).toEqual({ batchItemFailures: [] });
      const alerts = await invokeApi(getAlerts);
      expect(JSON.parse(alerts.body ?? '').data.alerts).toEqual([
        expect.objectContaining({ state: 'firing', labels: { alertname: 'HighCPU', host: 'a', severity: 'page' } }),
      ]);
      const sent = await queues.receive('notify', 10, 0);
      expect(bodies(sent)).toEqual([
        expect.objectContaining({ kind: 'alerts', tenant: 'default', alerts: [expect.objectContaining({ labels: { alertname: 'HighCPU', host: 'a', severity: 'page' } })] }),
      ]);
    });
  });

  describe('notify (SQS batch)', () => {
    it('routes the alert and delivers one webhook notification', async () => {
      const config = `alertmanager_config: |
  route:
    receiver: ops
    group_by: [alertname]
    group_wait: 0s
    group_interval: 5m
    repeat_interval: 4h
  receivers:
    - name: ops
      webhook_configs:
        - url: ${hook.url}/hook
`;
      const put = await invokeApi({
        ...postRules,
        rawPath: '/api/v1/alerts',
        body: Buffer.from(config).toString('base64'),
        requestContext: { ...postRules.requestContext, http: { ...postRules.requestContext.http, path: '/api/v1/alerts' } },
      });
      expect(put.statusCode).toBe(201);
      // The alerts message from evaluate, then the flush it schedules (group_wait 0s).
      await deliverAll(queues, 'notify', notify);
      expect(hook.requests).toHaveLength(1);
      expect(hook.requests[0]!.json).toMatchObject({ version: '4', status: 'firing', receiver: 'ops', groupLabels: { alertname: 'HighCPU' } });
    });

    it('accepts the recorded notify batch (an update and a flush of an unknown group)', async () => {
      const res = await invokeSqs(notify, sqsNotify);
      expect(res).toEqual({ batchItemFailures: [] });
      await deliverAll(queues, 'notify', notify);
      expect(hook.requests).toHaveLength(1);
    });
  });

  describe('schedule (EventBridge scheduled event)', () => {
    it('sweeps every group and re-sends firing alerts, which notify does not deliver twice', async () => {
      clock.advance(60_000);
      const result = await schedule(scheduled as unknown as ScheduledEvent, lambdaContext('schedule'));
      expect(result).toEqual({ groups: 1, transitions: 0 });
      const delivered = await deliverAll(queues, 'notify', notify);
      expect(bodies(delivered)).toEqual([expect.objectContaining({ kind: 'alerts' })]);
      expect(hook.requests).toHaveLength(1);
    });

    it('runs an evaluate message given as the rule target input, and refuses anything else with the path', async () => {
      await expect(schedule({ kind: 'sweep', tenant: 'nobody' } as never, lambdaContext('schedule'))).resolves.toEqual({ groups: 0, transitions: 0 });
      await expect(schedule({ kind: 'nope' } as never, lambdaContext('schedule'))).rejects.toThrow(/event\.kind/);
    });
  });

  describe('predict and drift-detect (EventBridge schedules)', () => {
    it('turns the scheduled event into a tick at its scheduled time, and runs a target input as given', async () => {
      const seen = tickHandler('test', predictMessageSchema, async (message) => message, async () => runtime);
      await expect(seen(scheduledPredict as unknown as ScheduledEvent, lambdaContext('predict'))).resolves.toEqual({ kind: 'tick', at: Date.parse(scheduledPredict.time) });
      await expect(seen({ kind: 'tick', tenant: 'acme' } as never, lambdaContext('predict'))).resolves.toEqual({ kind: 'tick', tenant: 'acme' });
    });

    it('predicts for every tenant with rules (no ML targets in the story: nothing to score, nothing failed)', async () => {
      const result = await predict(scheduledPredict as unknown as ScheduledEvent, lambdaContext('predict'));
      expect(result).toEqual({ tenants: 1, targets: 0, series: 0, samples: 0, skipped: 0, failed: 0 });
      await expect(predict({ kind: 'tick', at: 'soon' } as never, lambdaContext('predict'))).rejects.toThrow(/event\.at/);
    });

    it('runs drift detection on its schedule and refuses a malformed target input with the path', async () => {
      await expect(driftDetect(scheduledPredict as unknown as ScheduledEvent, lambdaContext('drift-detect'))).resolves.toMatchObject({ tenants: 1 });
      await expect(driftDetect({ kind: 'sweep' } as never, lambdaContext('drift-detect'))).rejects.toThrow(/event\.kind/);
    });
  });

  describe('heal (SQS batch)', () => {
    it('skips a check of an unknown execution and reports only the malformed approval in batchItemFailures', async () => {
      const res = await invokeSqs(heal, sqsHeal);
      expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: sqsHeal.Records[1]!.messageId }] });
      // Nothing was started, so nothing was queued for a later check.
      expect(await queues.receive('heal', 10, 0)).toEqual([]);
    });
  });
});
