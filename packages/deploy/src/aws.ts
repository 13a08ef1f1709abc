import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import type { DeployOptions, Plan } from './plan';
import { runCommand } from './run';

const listZips = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.zip') || f.endsWith('.json')).map((f) => join(dir, f));

/**
 * AWS through osls (serverless.yml) or the CDK app: both are packaged offline first, so a
 * dry run shows the real artifacts, then deployed from exactly those artifacts.
 */
export function planAws(o: DeployOptions): Plan {
  const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const credentials = { check: ['aws', 'sts', 'get-caller-identity'], hint: 'configure AWS credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)' };
  const requires = [{ command: 'aws', install: 'install the AWS CLI v2 (used to check credentials)' }];
  if (o.tool === 'cdk') {
    const out = join(o.outDir, 'aws-cdk');
    return {
      cloud: 'aws',
      requires,
      credentials,
      steps: [
        {
          title: 'synthesize the CDK app (bundles each function with local esbuild)',
          command: ['npx', 'cdk', 'synth', '--quiet', '--output', out, '--context', `stage=${o.stage}`],
          cwd: join(o.root, 'cdk'),
          build: async () => {
            await runCommand(['npx', 'cdk', 'synth', '--quiet', '--output', out, '--context', `stage=${o.stage}`], { cwd: join(o.root, 'cdk'), env: { CDK_DEFAULT_REGION: region } });
            return [join(out, `vigil-${o.stage}.template.json`)];
          },
        },
        { title: 'deploy the synthesized stack', command: ['npx', 'cdk', 'deploy', '--app', out, '--require-approval', 'never', `vigil-${o.stage}`], cwd: join(o.root, 'cdk') },
      ],
    };
  }
  const out = join(o.outDir, 'aws');
  const pkg = ['npx', 'osls', 'package', '--stage', o.stage, '--region', region, '--package', out];
  return {
    cloud: 'aws',
    requires,
    credentials,
    steps: [
      {
        title: 'package every function with esbuild (serverless.yml, offline)',
        command: pkg,
        cwd: o.root,
        build: async () => {
          await runCommand(pkg, { cwd: o.root });
          return listZips(out);
        },
      },
      { title: 'deploy the packaged service with CloudFormation', command: ['npx', 'osls', 'deploy', '--stage', o.stage, '--region', region, '--package', out], cwd: o.root },
    ],
  };
}
