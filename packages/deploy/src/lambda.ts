import { join } from 'node:path';
import { bundle } from './bundle';
import { addOnnxRuntime } from './onnx-runtime';

/** The Lambda functions of the AWS stack: entry `adapters/aws/src/handlers/<name>.ts`, export `handler`. */
export const AWS_FUNCTIONS = ['api', 'ingest', 'evaluate', 'notify', 'schedule', 'predict', 'drift-detect', 'heal'] as const;
export type AwsFunctionName = (typeof AWS_FUNCTIONS)[number];

export const awsHandlerEntry = (root: string, name: string) => join(root, 'adapters', 'aws', 'src', 'handlers', `${name}.ts`);

/**
 * One Lambda function's code in `outDir`: `index.js` (handler `index.handler`) and its source
 * map, the AWS SDK v3 left to the runtime; predict's also ONNX Runtime for arm64 and the models.
 * The CDK app builds its assets with this, so they are the bundles bench:cold measures.
 */
export async function buildAwsFunction(root: string, name: string, outDir: string): Promise<string[]> {
  const files = await bundle(awsHandlerEntry(root, name), join(outDir, 'index.js'), { external: ['@aws-sdk/*'] });
  return name === 'predict' ? [...files, ...addOnnxRuntime(root, outDir)] : files;
}
