import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';

const ROOT = join(__dirname, '..', '..');
/** Queues hold a message for 6 × the consumer's timeout before redelivery (AWS's guidance). */
const FUNCTION_TIMEOUT = Duration.seconds(30);
const MAX_RECEIVES = 5;

export interface VigilStackProps extends StackProps {
  stage: string;
}

/**
 * The same stack as serverless.yml: a single DynamoDB table, four work queues with DLQs, an
 * EventBridge bus, the HTTP API and one Lambda per handler with only the grants it needs.
 */
export class VigilStack extends Stack {
  constructor(scope: Construct, id: string, props: VigilStackProps) {
    super(scope, id, props);

    const table = new Table(this, 'VigilTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const bus = new EventBus(this, 'VigilEventBus', { eventBusName: `vigil-${props.stage}` });

    const workQueue = (name: string) => {
      const dlq = new Queue(this, `${name}DLQ`, { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED });
      return new Queue(this, `${name}Queue`, {
        visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUT.toSeconds() * 6),
        encryption: QueueEncryption.SQS_MANAGED,
        deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVES },
      });
    };
    const queues = { ingest: workQueue('Ingest'), evaluate: workQueue('Evaluate'), notify: workQueue('Notify'), heal: workQueue('Heal') };

    const environment = {
      NODE_OPTIONS: '--enable-source-maps',
      VIGIL_TABLE: table.tableName,
      VIGIL_EVENT_BUS: bus.eventBusName,
      VIGIL_QUEUE_URL_INGEST: queues.ingest.queueUrl,
      VIGIL_QUEUE_URL_EVALUATE: queues.evaluate.queueUrl,
      VIGIL_QUEUE_URL_NOTIFY: queues.notify.queueUrl,
      VIGIL_QUEUE_URL_HEAL: queues.heal.queueUrl,
    };
    const fn = (name: string, description: string) =>
      new NodejsFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        entry: join(ROOT, 'adapters', 'aws', 'src', 'handlers', `${name}.ts`),
        handler: 'handler',
        description,
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: 512,
        timeout: FUNCTION_TIMEOUT,
        logRetention: RetentionDays.ONE_MONTH,
        environment,
        projectRoot: ROOT,
        depsLockFilePath: join(ROOT, 'package-lock.json'),
        bundling: {
          format: OutputFormat.CJS,
          target: 'node22',
          minify: true,
          sourceMap: true,
          // The Node.js 22 runtime ships AWS SDK v3.
          externalModules: ['@aws-sdk/*'],
        },
      });

    const api = fn('api', 'Vigil HTTP API (ingest, rules, alerts, configuration)');
    table.grantReadWriteData(api);
    [queues.ingest, queues.evaluate, queues.notify].forEach((q) => q.grantSendMessages(api));
    bus.grantPutEventsTo(api);

    const ingest = fn('ingest', 'Stores metric batches pushed to the ingest queue');
    table.grantReadWriteData(ingest);
    queues.evaluate.grantSendMessages(ingest);
    ingest.addEventSource(new SqsEventSource(queues.ingest, { batchSize: 10, reportBatchItemFailures: true }));

    const evaluate = fn('evaluate', 'Evaluates rule groups and commits alert transitions');
    table.grantReadWriteData(evaluate);
    queues.notify.grantSendMessages(evaluate);
    queues.heal.grantSendMessages(evaluate);
    bus.grantPutEventsTo(evaluate);
    evaluate.addEventSource(new SqsEventSource(queues.evaluate, { batchSize: 10, reportBatchItemFailures: true }));

    const notify = fn('notify', 'Routes, groups and delivers notifications');
    table.grantReadWriteData(notify);
    queues.notify.grantSendMessages(notify);
    notify.addEventSource(new SqsEventSource(queues.notify, { batchSize: 10, reportBatchItemFailures: true }));

    const schedule = fn('schedule', "Every minute, queues the evaluation of every tenant's rule groups");
    table.grantReadData(schedule);
    queues.evaluate.grantSendMessages(schedule);
    new Rule(this, 'EvaluateSchedule', { schedule: Schedule.rate(Duration.minutes(1)), targets: [new LambdaFunction(schedule)] });

    const httpApi = new HttpApi(this, 'HttpApi', { defaultIntegration: new HttpLambdaIntegration('ApiIntegration', api) });

    new CfnOutput(this, 'ApiUrl', { value: httpApi.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.tableName });
  }
}
