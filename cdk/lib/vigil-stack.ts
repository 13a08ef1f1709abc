import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AssetHashType, CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Architecture, Code, Function as Lambda, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';
import { ONNX_FUNCTION_ENV } from '../../packages/deploy/src/onnx-runtime';

const ROOT = join(__dirname, '..', '..');
/** Queues hold a message for 6 × the consumer's timeout before redelivery (AWS's guidance). */
const FUNCTION_TIMEOUT = Duration.seconds(30);
const MAX_RECEIVES = 5;
const LAMBDA_CLI = join(ROOT, 'packages', 'deploy', 'src', 'lambda-cli.ts');

/**
 * A function's package built on this machine by packages/deploy/src/lambda-cli.ts — the bundles
 * serverless.yml and bench:cold build (esbuild plugins, which NodejsFunction cannot run); predict's
 * with ONNX Runtime for arm64 and the models — never in Docker.
 */
function localAsset(args: string[]): Code {
  return Code.fromAsset(join(ROOT, 'adapters', 'aws', 'src', 'handlers'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the API; unused, as local bundling either succeeds or throws.
      image: DockerImage.fromRegistry('scratch'),
      // Part of the asset's cache key: without it every asset would be the first one built.
      environment: { VIGIL_ASSET: args.join(' ') },
      local: {
        tryBundle(outputDir: string) {
          const run = spawnSync(process.execPath, ['--import', 'tsx', LAMBDA_CLI, ...args, outputDir], { cwd: ROOT, stdio: 'inherit' });
          if (run.status !== 0) throw new Error(`building ${args.join(' ')} failed (exit ${String(run.status)})`);
          return true;
        },
      },
    },
  });
}


interface FunctionOptions {
  memorySize?: number;
  timeout?: Duration;
  environment?: Record<string, string>;
}

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
    const fn = (name: string, description: string, options: FunctionOptions = {}) =>
      new Lambda(this, `${name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Function`, {
        code: localAsset([name]),
        handler: 'index.handler',
        description,
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: options.memorySize ?? 512,
        timeout: options.timeout ?? FUNCTION_TIMEOUT,
        logRetention: RetentionDays.ONE_MONTH,
        environment: { ...environment, ...options.environment },
      });

    const api = fn('api', 'Vigil HTTP API (ingest, rules, alerts, configuration)');
    table.grantReadWriteData(api);
    // heal: an operator's approval of a waiting remediation is queued from the API.
    [queues.ingest, queues.evaluate, queues.notify, queues.heal].forEach((q) => q.grantSendMessages(api));
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

    // Its package carries onnxruntime-node with the linux/arm64 binary only, and the models (docs/DEPLOY.md).
    const predict = fn('predict', 'Every 5 minutes, scores anomalies and forecasts series with ONNX models', {
      // ONNX Runtime's sessions and tensors: more memory, and with it more CPU.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      environment: ONNX_FUNCTION_ENV,
    });
    table.grantReadWriteData(predict);
    new Rule(this, 'PredictSchedule', { schedule: Schedule.rate(Duration.minutes(5)), targets: [new LambdaFunction(predict)] });

    const drift = fn('drift-detect', "Every hour, compares each target's recent distribution with its reference window", { timeout: Duration.minutes(2) });
    table.grantReadWriteData(drift);
    queues.notify.grantSendMessages(drift);
    bus.grantPutEventsTo(drift);
    new Rule(this, 'DriftSchedule', { schedule: Schedule.rate(Duration.hours(1)), targets: [new LambdaFunction(drift)] });

    const heal = fn('heal', 'Runs runbook remediations (guarded, audited, verified, rolled back on failure)');
    table.grantReadWriteData(heal);
    // The delayed verification of a remediation is a message to itself.
    queues.heal.grantSendMessages(heal);
    bus.grantPutEventsTo(heal);
    heal.addEventSource(new SqsEventSource(queues.heal, { batchSize: 10, reportBatchItemFailures: true }));

    const httpApi = new HttpApi(this, 'HttpApi', { defaultIntegration: new HttpLambdaIntegration('ApiIntegration', api) });

    new CfnOutput(this, 'ApiUrl', { value: httpApi.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.tableName });
  }
}
