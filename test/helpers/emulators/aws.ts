import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context as LambdaContext, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeliveredMessage, QueueName } from '@vigil/core';
import { freePort, requireTool } from '../tools';
import { startProcessGroup } from './process-group';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Credentials the emulators accept; they are not secrets and reach only loopback. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const EMULATOR_REGION = 'us-east-1';

export interface RunningEmulator {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * moto_server (DynamoDB, SQS, EventBridge, ...) as a child process on 127.0.0.1. It runs in its
 * own process group so that stop() ends it and anything it started, and nothing else.
 */
export async function startMoto(): Promise<RunningEmulator> {
  const bin = requireTool('moto_server', 'moto_server comes with the machine image (python moto[server] 5.x); it cannot be installed from npm');
  const port = await freePort();
  return startChild('moto_server', bin, ['-H', '127.0.0.1', '-p', String(port)], port, async (endpoint) => {
    const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    return res.ok;
  });
}

/**
 * fauxqs, a pure-npm SQS emulator, as a child process on 127.0.0.1 (it is ESM-only, and a
 * process of its own keeps its timers out of the test runtime).
 */
export async function startFauxqs(): Promise<RunningEmulator> {
  const port = await freePort();
  const script = 'import { buildApp } from "fauxqs"; await buildApp({ logger: false }).listen({ port: Number(process.argv[1]), host: "127.0.0.1" });';
  return startChild('fauxqs', process.execPath, ['--input-type=module', '-e', script, String(port)], port, async (endpoint) => {
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, body: '{}' });
    return res.status < 500;
  });
}

async function startChild(name: string, bin: string, args: string[], port: number, ready: (endpoint: string) => Promise<boolean>): Promise<RunningEmulator> {
  const endpoint = `http://127.0.0.1:${port}`;
  const { stop } = await startProcessGroup({ name, bin, args, cwd: REPO_ROOT, probes: [{ what: `${name} on ${endpoint}`, ready: () => ready(endpoint) }] });
  return { endpoint, port, stop };
}

/** SQS queues made for one test: each with a dead-letter queue after `maxReceives` receives. */
export interface TestQueues {
  urls: Partial<Record<QueueName, string>>;
  dlqUrls: Partial<Record<QueueName, string>>;
  /** Receives like the Lambda event source does: leases messages and reports the receive count. */
  receive(queue: QueueName, max: number, visibilityTimeoutMs: number): Promise<ReceivedSqsMessage[]>;
  /** Deletes a received message (what Lambda does for records not in batchItemFailures). */
  ack(queue: QueueName, id: string): Promise<void>;
  /** Makes a received message visible again after `delayMs` (rounded up to whole seconds). */
  nack(queue: QueueName, id: string, delayMs: number): Promise<void>;
  /** Reads (and leases) everything in a queue's dead-letter queue. */
  deadLetters(queue: QueueName): Promise<{ id: string; body: unknown }[]>;
  remove(): Promise<void>;
}

export interface ReceivedSqsMessage extends DeliveredMessage {
  /** The raw SQS message, to build Lambda SQS events from. */
  raw: Message;
  receiptHandle: string;
}

export async function createTestQueues(
  client: SQSClient,
  names: QueueName[],
  options: { maxReceives: number; prefix?: string; fifo?: boolean },
): Promise<TestQueues> {
  const prefix = options.prefix ?? `vigil-${randomUUID().slice(0, 8)}`;
  const suffix = options.fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = options.fifo ? { FifoQueue: 'true' } : {};
  const urls: Partial<Record<QueueName, string>> = {};
  const dlqUrls: Partial<Record<QueueName, string>> = {};
  for (const name of names) {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}-dlq${suffix}`, Attributes: fifoAttributes }));
    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const main = await client.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${name}${suffix}`,
        Attributes: {
          ...fifoAttributes,
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: attrs.Attributes?.QueueArn, maxReceiveCount: String(options.maxReceives) }),
        },
      }),
    );
    urls[name] = main.QueueUrl!;
    dlqUrls[name] = dlq.QueueUrl!;
  }
  const receipts = new Map<string, string>();
  const urlOf = (map: Partial<Record<QueueName, string>>, name: QueueName) => {
    const url = map[name];
    if (!url) throw new Error(`no test queue ${name}`);
    return url;
  };
  const receiveFrom = async (url: string, max: number, visibilityTimeoutMs: number): Promise<ReceivedSqsMessage[]> => {
    const res = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
        VisibilityTimeout: Math.ceil(visibilityTimeoutMs / 1000),
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    return (res.Messages ?? []).map((m) => {
      receipts.set(m.MessageId!, m.ReceiptHandle!);
      let body: unknown = m.Body;
      try {
        body = JSON.parse(m.Body ?? '');
      } catch {
        // Not JSON: handed on as text.
      }
      return { id: m.MessageId!, body, attempt: Number(m.Attributes?.ApproximateReceiveCount ?? '1'), raw: m, receiptHandle: m.ReceiptHandle! };
    });
  };
  const receipt = (id: string) => {
    const r = receipts.get(id);
    if (!r) throw new Error(`message ${id} was not received`);
    return r;
  };
  return {
    urls,
    dlqUrls,
    receive: (queue, max, vt) => receiveFrom(urlOf(urls, queue), max, vt),
    ack: async (queue, id) => {
      await client.send(new DeleteMessageCommand({ QueueUrl: urlOf(urls, queue), ReceiptHandle: receipt(id) }));
    },
    nack: async (queue, id, delayMs) => {
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: urlOf(urls, queue), ReceiptHandle: receipt(id), VisibilityTimeout: Math.ceil(delayMs / 1000) }));
    },
    deadLetters: async (queue) => {
      const out: { id: string; body: unknown }[] = [];
      for (let empty = 0; empty < 2; ) {
        const got = await receiveFrom(urlOf(dlqUrls, queue), 10, 30_000);
        if (got.length === 0) empty++;
        out.push(...got.map((m) => ({ id: m.id, body: m.body })));
      }
      return out;
    },
    remove: async () => {
      for (const url of [...Object.values(urls), ...Object.values(dlqUrls)]) {
        await client.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
      }
    },
  };
}

/** A Lambda SQS event made from received messages, as the event source mapping builds it. */
export function sqsEvent(messages: ReceivedSqsMessage[], queueArn = 'arn:aws:sqs:us-east-1:123456789012:vigil-test'): SQSEvent {
  return {
    Records: messages.map(
      (m): SQSRecord => ({
        messageId: m.id,
        receiptHandle: m.receiptHandle,
        body: m.raw.Body ?? '',
        attributes: {
          ApproximateReceiveCount: String(m.attempt),
          SentTimestamp: m.raw.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: 'AIDAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: Object.fromEntries(
          Object.entries(m.raw.MessageAttributes ?? {}).map(([k, v]) => [k, { dataType: v.DataType ?? 'String', stringValue: v.StringValue }]),
        ),
        md5OfBody: m.raw.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: EMULATOR_REGION,
      }),
    ),
  };
}

export type SqsLambda = (event: SQSEvent, context: LambdaContext) => Promise<SQSBatchResponse | void>;

/** A Lambda context for invoking handlers outside Lambda. */
export function lambdaContext(name = 'vigil-test', remainingMs = 60_000): LambdaContext {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * One poll of the SQS event source mapping: receive a batch, invoke the handler, delete the
 * records it did not report as failed (a thrown handler fails them all). Failed records stay
 * leased until the visibility timeout, then come back with a higher receive count.
 */
export async function deliverOnce(
  queues: TestQueues,
  queue: QueueName,
  handler: SqsLambda,
  options: { max?: number; visibilityTimeoutMs?: number } = {},
): Promise<{ received: ReceivedSqsMessage[]; failed: string[] }> {
  const received = await queues.receive(queue, options.max ?? 10, options.visibilityTimeoutMs ?? 30_000);
  if (received.length === 0) return { received, failed: [] };
  let failed: string[];
  try {
    const res = await handler(sqsEvent(received), lambdaContext());
    failed = (res?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
  } catch {
    failed = received.map((m) => m.id);
  }
  for (const m of received) if (!failed.includes(m.id)) await queues.ack(queue, m.id);
  return { received, failed };
}

/** Delivers until a receive comes back empty; returns every record handed to the handler. */
export async function deliverAll(queues: TestQueues, queue: QueueName, handler: SqsLambda, maxRounds = 100): Promise<ReceivedSqsMessage[]> {
  const all: ReceivedSqsMessage[] = [];
  for (let i = 0; i < maxRounds; i++) {
    const { received } = await deliverOnce(queues, queue, handler);
    if (received.length === 0) return all;
    all.push(...received);
  }
  throw new Error(`queue ${queue} still had messages after ${maxRounds} rounds`);
}

export type Fault = 'throttle' | 'server-error' | 'timeout' | 'lost-response';

export interface FaultRule {
  /** The operation, as in the X-Amz-Target header: `PutItem`, `TransactWriteItems`, `SendMessageBatch`, ... */
  operation: string | RegExp;
  fault: Fault;
  /** How many matching requests get the fault; later ones pass. */
  times: number;
}

/**
 * A loopback HTTP proxy in front of an emulator that injects faults into chosen operations:
 * throttling (400 ThrottlingException), 500s, requests that never get an answer (the client's
 * timeout fires) and lost responses (forwarded and applied, then the connection is cut before
 * the answer, so the client retries a write that already landed).
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly rules: FaultRule[] = [];
  /** Faults injected, per `operation:fault`. */
  readonly injected = new Map<string, number>();
  /** Requests seen per operation. */
  readonly seen = new Map<string, number>();
  url = '';

  constructor(private readonly target: string) {}

  inject(rule: FaultRule): this {
    this.rules.push({ ...rule });
    return this;
  }

  clear(): void {
    this.rules.length = 0;
  }

  get injectedTotal(): number {
    return [...this.injected.values()].reduce((a, b) => a + b, 0);
  }

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
        this.seen.set(operation, (this.seen.get(operation) ?? 0) + 1);
        const rule = this.rules.find((r) => r.times > 0 && (typeof r.operation === 'string' ? r.operation === operation : r.operation.test(operation)));
        if (rule) {
          rule.times--;
          const k = `${operation}:${rule.fault}`;
          this.injected.set(k, (this.injected.get(k) ?? 0) + 1);
        }
        const fault = rule?.fault;
        if (fault === 'throttle') {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'ThrottlingException' });
          res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded (injected)' }));
          return;
        }
        if (fault === 'server-error') {
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalServerError' });
          res.end(JSON.stringify({ __type: 'InternalServerError', message: 'injected' }));
          return;
        }
        if (fault === 'timeout') {
          // Never answer; the client gives up after its request timeout and retries.
          res.on('close', () => undefined);
          return;
        }
        const upstream = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (up) => {
            const parts: Buffer[] = [];
            up.on('data', (c: Buffer) => parts.push(c));
            up.on('end', () => {
              if (fault === 'lost-response') {
                req.socket.destroy();
                return;
              }
              res.writeHead(up.statusCode ?? 502, up.headers);
              res.end(Buffer.concat(parts));
            });
          },
        );
        upstream.on('error', () => req.socket.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
