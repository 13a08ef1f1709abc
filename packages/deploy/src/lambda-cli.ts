/**
 * `node --import tsx packages/deploy/src/lambda-cli.ts <function> <outDir>`: builds one Lambda
 * function's package. The CDK app's local bundling runs this (CDK asset bundling is synchronous,
 * esbuild plugins need the asynchronous API).
 */
import { join } from 'node:path';
import { buildAwsFunction } from './lambda';

const [name, outDir] = process.argv.slice(2);
if (!name || !outDir) {
  console.error('usage: lambda-cli.ts <function> <outDir>');
  process.exit(2);
}
buildAwsFunction(join(__dirname, '..', '..', '..'), name, outDir).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
