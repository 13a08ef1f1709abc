import { randomUUID } from 'node:crypto';
import { startAzurite, type RunningAzurite } from '../../../../test/helpers/emulators/azure';
import { checkQueueName, decodeMessage, encodeMessage, MAX_DELAY_SECONDS, StorageQueue } from './storage-queue';
import { StorageQueueConsumer } from './consumer';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 90_000);
afterAll(async () => {
  await azurite?.stop();
});

const fresh = () => {
  const queue = StorageQueue.fromConnectionString(azurite.connectionString, { prefix: `u${randomUUID().slice(0, 8)}-` });
  return { queue, consumer: new StorageQueueConsumer(queue, { maxDequeueCount: 2 }) };
};

describe('StorageQueue (azurite)', () => {
  it('encodes bodies as base64 JSON, the Functions host default', () => {
    const body = { kind: 'touched', metrics: ['ü'] };
    const text = encodeMessage(body);
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(text, 'base64').toString('utf8'))).toEqual(body);
    expect(decodeMessage(text)).toEqual(body);
  });

  it('refuses invalid queue names and prefixes', () => {
    expect(checkQueueName('vigil-evaluate')).toBe('vigil-evaluate');
    for (const bad of ['Vigil', 'a--b', '-ab', 'ab-', 'ab', 'x'.repeat(64), 'a_b']) expect(() => checkQueueName(bad)).toThrow(/invalid Azure queue name/);
    expect(() => StorageQueue.fromConnectionString(azurite.connectionString, { prefix: 'Bad_' })).toThrow(/invalid Azure queue name/);
  });

  it('refuses a batch with one oversized message or an overlong delay, and sends none of it', async () => {
    const { queue, consumer } = fresh();
    await expect(queue.sendBatch('evaluate', [{ body: 'fine' }, { body: 'x'.repeat(60_000) }])).rejects.toThrow(/at most 65536/);
    await expect(queue.sendBatch('evaluate', [{ body: 'fine' }, { body: 'late', delaySeconds: MAX_DELAY_SECONDS + 1 }])).rejects.toThrow(/7 days/);
    await expect(queue.send('evaluate', { body: undefined })).rejects.toThrow(/JSON-serializable/);
    expect(await consumer.receive('evaluate', 10, 1000)).toEqual([]);
  });

  it('accepts the longest delay Queue Storage allows and keeps the message hidden', async () => {
    const { queue, consumer } = fresh();
    await queue.send('notify', { body: 'in a week', delaySeconds: MAX_DELAY_SECONDS });
    await queue.send('notify', { body: 'fractional delay rounds up', delaySeconds: 0.2 });
    await queue.send('notify', { body: 'now' });
    expect((await consumer.receive('notify', 10, 1000)).map((m) => m.body)).toEqual(['now']);
  });

  it('hands text that is not base64 JSON on as text, so its handler rejects it', async () => {
    const { queue, consumer } = fresh();
    const client = await queue.client(queue.queueName('ingest'));
    await client.sendMessage('plain text, not ours');
    const [m] = await consumer.receive('ingest', 1, 1000);
    expect(typeof m?.body).toBe('string');
  });

  it('refuses to settle a message it did not lease', async () => {
    const { consumer } = fresh();
    await expect(consumer.ack('evaluate', 'nope')).rejects.toThrow(/not leased/);
  });
});
