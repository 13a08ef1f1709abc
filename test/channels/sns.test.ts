/** The SNS receiver against moto_server; the AWS SDK here only sets up and observes the emulator. */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startMoto, EMULATOR_CREDENTIALS, EMULATOR_REGION, type RunningEmulator } from '../helpers/emulators/aws';
import { DeliveryError } from '../../packages/core/src/alertmanager/notify/delivery';
import { GROUP_KEY, loopbackClient, notification, options, receiverFrom, RESOLVED, strictClient } from '../../packages/core/src/alertmanager/notify/testing';
import { createHash } from 'node:crypto';
import { resolveSNSConfig } from '../../packages/core/src/alertmanager/notify/sns/config';
import { notifySNS } from '../../packages/core/src/alertmanager/notify/sns/sns';

describe('sns (Publish on moto_server)', () => {
  let moto: RunningEmulator;
  let sqs: SQSClient;
  let topicArn: string;
  let fifoArn: string;
  let queueUrl: string;
  let fifoQueueUrl: string;

  beforeAll(async () => {
    moto = await startMoto();
    const aws = { region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS };
    const sns = new SNSClient(aws);
    sqs = new SQSClient(aws);
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
    fifoArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts.fifo', Attributes: { FifoTopic: 'true' } }))).TopicArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-q' }))).QueueUrl!;
    fifoQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-q.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    for (const [topic, url] of [[topicArn, queueUrl], [fifoArn, fifoQueueUrl]] as const) {
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: arn }));
    }
    sns.destroy();
  }, 90_000);
  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  const snsConfig = (topic: string, extra = '') => {
    const { config, receiver } = receiverFrom(
      `    sns_configs:\n      - api_url: ${moto.endpoint}\n        topic_arn: ${topic}\n        sigv4: { region: ${EMULATOR_REGION}, access_key: ${EMULATOR_CREDENTIALS.accessKeyId}, secret_key: S3CR3T-K3Y }\n        attributes: { severity: '{{ .CommonLabels.severity }}' }\n${extra}`,
    );
    return resolveSNSConfig((receiver.sns_configs as unknown[])[0], config.global);
  };

  async function receive(url: string): Promise<Array<Record<string, any>>> {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    return (out.Messages ?? []).map((m) => JSON.parse(m.Body!));
  }

  it('publishes the default subject and message with attributes, seen by a subscribed queue', async () => {
    expect(await notifySNS(loopbackClient(), snsConfig(topicArn), notification(), options())).toEqual({ attempts: 1 });
    const [msg] = await receive(queueUrl);
    expect(msg).toMatchObject({ Type: 'Notification', TopicArn: topicArn, Subject: '[FIRING:1] HighLatency (api page)' });
    expect(msg!.Message).toMatch(/^p99 high\n\nAlerts Firing:\nLabels:\n - alertname = HighLatency\n - instance = a\n/);
    expect(msg!.Message).toContain('Alerts Resolved:');
    expect(msg!.MessageAttributes).toEqual({ severity: { Type: 'String', Value: 'page' } });
  });

  it('sets the group key hash as group and dedup id on FIFO topics', async () => {
    await notifySNS(loopbackClient(), snsConfig(fifoArn, `        subject: 'resolved {{ .Alerts.Resolved | len }}'\n`), notification([RESOLVED]), options());
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fifoQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['MessageGroupId'] }));
    expect(out.Messages).toHaveLength(1);
    expect(out.Messages![0]!.Attributes?.MessageGroupId).toBe(createHash('sha256').update(GROUP_KEY).digest('hex'));
    expect(JSON.parse(out.Messages![0]!.Body!).Subject).toBe('resolved 1');
  });

  it('does not retry an unknown topic (404) and keeps the secret key out of the error', async () => {
    const err = (await notifySNS(loopbackClient(), snsConfig(`arn:aws:sns:${EMULATOR_REGION}:123456789012:nope`), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
    expect(err.message).toMatch(/HTTP 404/);
    expect(err.message).not.toContain('S3CR3T-K3Y');
  });

  it('checks the endpoint against the outbound policy', async () => {
    const err = (await notifySNS(strictClient(), snsConfig(topicArn), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
    expect(err.message).toMatch(/loopback/);
    expect(await receive(queueUrl)).toEqual([]);
  });
});
