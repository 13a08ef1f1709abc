export { createAwsRuntime, getRuntime, setRuntime, awsEnvSchema, type AwsEnv, type AwsRuntime, type AwsRuntimeOverrides } from './context';
export { sqsHandler, toDelivered, type SqsDelivered } from './sqs';
export { scheduleHandler } from './schedule';
export { apiHandler } from './api';
export { tickHandler, type TickInput } from './tick';
