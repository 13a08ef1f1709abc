import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

export interface AwsClientOptions {
  region: string;
  /** Endpoint override for emulators (moto_server, fauxqs); unset in AWS. */
  endpoint?: string;
  /** Static credentials (emulators); unset in AWS, where the Lambda role's credentials are used. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Attempts per request, including the first (SDK standard retry mode: throttling, 5xx, timeouts). Default 5. */
  maxAttempts?: number;
  /** Socket timeout per attempt. Default 5 s: far below Lambda timeouts, far above DynamoDB's single-digit ms. */
  requestTimeoutMs?: number;
  /** TCP connect timeout. Default 2 s. */
  connectionTimeoutMs?: number;
}

/**
 * One configuration for every client. The SDK's standard retry mode retries throttling
 * (ProvisionedThroughputExceeded, ThrottlingException, RequestLimitExceeded), 5xx and
 * timeouts with exponential backoff and jitter, and keeps a retry quota so a failing service
 * is not hammered; what it cannot retry (a batch's unprocessed items, per-entry failures)
 * each port retries itself.
 */
export function clientConfig(options: AwsClientOptions) {
  return {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 5000,
      // Without this the handler only logs a warning and a hung request waits for the Lambda timeout.
      throwOnRequestTimeout: true,
      connectionTimeout: options.connectionTimeoutMs ?? 2000,
    },
  };
}

export function dynamoClient(options: AwsClientOptions): DynamoDBClient {
  return new DynamoDBClient(clientConfig(options));
}

export function sqsClient(options: AwsClientOptions): SQSClient {
  return new SQSClient(clientConfig(options));
}

export function eventBridgeClient(options: AwsClientOptions): EventBridgeClient {
  return new EventBridgeClient(clientConfig(options));
}
