import { ValidationError } from '@vigil/core';
import { deploy, DeployPrerequisiteError } from './deploy';
import { parseDeployArgs } from './args';

/** `npm run deploy -- --cloud aws|gcp|azure [--stage NAME] [--region R] [--dry-run]`. */
export async function main(argv: string[]): Promise<number> {
  try {
    await deploy(parseDeployArgs(argv), (line) => process.stdout.write(line + '\n'));
    return 0;
  } catch (err) {
    if (err instanceof DeployPrerequisiteError || err instanceof ValidationError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`vigil deploy: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`vigil deploy failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
