import { App } from 'aws-cdk-lib';
import { VigilStack } from '../lib/vigil-stack';

const app = new App();
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? process.env.VIGIL_STAGE ?? 'dev';
new VigilStack(app, `vigil-${stage}`, {
  stage,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION },
});
