import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deploy } from './deploy';
import { AWS_FUNCTIONS } from './lambda';

/**
 * `vigil deploy --cloud aws --dry-run` with both tools: the artifacts are really built
 * (osls package, cdk synth with local esbuild bundling), and the templates are checked.
 */
const ROOT = join(__dirname, '..', '..', '..');

async function dryRun(args: Partial<Parameters<typeof deploy>[0]>) {
  const lines: string[] = [];
  await deploy({ cloud: 'aws', stage: 'citest', region: 'us-east-1', dryRun: true, root: ROOT, ...args }, (l) => lines.push(l));
  const artifacts = lines.filter((l) => l.startsWith('artifact: ')).map((l) => l.slice('artifact: '.length));
  return { lines, artifacts };
}

type Resource = { Type: string; Properties: Record<string, any> };

describe('vigil deploy --cloud aws --dry-run (osls)', () => {
  let resources: Record<string, Resource>;
  let lines: string[];
  beforeAll(async () => {
    const run = await dryRun({});
    lines = run.lines;
    const template = run.artifacts.find((a) => a.endsWith('cloudformation-template-update-stack.json'));
    expect(template).toBeDefined();
    resources = JSON.parse(readFileSync(template!, 'utf8')).Resources;
    for (const fn of AWS_FUNCTIONS) expect(run.artifacts.some((a) => a.endsWith(`/${fn}.zip`))).toBe(true);
    artifacts = run.artifacts;
  }, 600_000);
  let artifacts: string[];
  /** The entries of a packaged zip (unzip -Z1 lists names only). */
  const zipEntries = (zip: string) => execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter(Boolean);

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('prints the deploy command without running it', () => {
    expect(lines.join('\n')).toContain('npx osls deploy --stage citest --region us-east-1 --package');
    expect(lines.at(-1)).toMatch(/dry run: nothing was sent to aws/);
  });

  it('packages eight functions on nodejs22.x arm64 with their environment', () => {
    const fns = ofType('AWS::Lambda::Function');
    expect(fns).toHaveLength(8);
    for (const [, f] of fns) {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(Object.keys(f.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['VIGIL_TABLE', 'VIGIL_EVENT_BUS', 'VIGIL_QUEUE_URL_NOTIFY']));
    }
  });

  it('wires SQS with partial batch responses, a schedule and the HTTP API', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(4);
    for (const [, m] of mappings) expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mappings.some(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes('HealQueue'))).toBe(true);
    expect(ofType('AWS::Events::Rule').map(([, r]) => r.Properties.ScheduleExpression).sort()).toEqual(['rate(1 hour)', 'rate(1 minute)', 'rate(5 minutes)']);
    expect(ofType('AWS::ApiGatewayV2::Api')).toHaveLength(1);
  });

  it('creates the table with TTL and PITR, queues with DLQs, and the bus', () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    const redriven = ofType('AWS::SQS::Queue').filter(([, q]) => q.Properties.RedrivePolicy);
    expect(redriven).toHaveLength(4);
    expect(ofType('AWS::Events::EventBus')).toHaveLength(1);
  });

  it('gives each function its own least-privilege role', () => {
    const roles = ofType('AWS::IAM::Role');
    const statements = (name: string) => {
      const role = roles.find(([k]) => k.toLowerCase().startsWith(name));
      expect(role).toBeDefined();
      return JSON.stringify(role![1].Properties.Policies);
    };
    expect(statements('schedule')).toContain('sqs:SendMessage');
    expect(statements('schedule')).not.toContain('dynamodb:PutItem');
    expect(statements('ingest')).not.toContain('events:PutEvents');
    expect(statements('evaluate')).toContain('dynamodb:TransactWriteItems');
  });

  describe('ONNX Runtime in the predict package (osls)', () => {
    it('ships onnxruntime-node with the linux/arm64 binary only, onnxruntime-common and the models', () => {
      const entries = zipEntries(artifacts.find((a) => a.endsWith('/predict.zip'))!);
      const binaries = entries.filter((e) => /\/bin\/.+\.(node|so[.\d]*)$/.test(e));
      expect(binaries.map((e) => e.replace(/napi-v\d+/, 'napi')).sort()).toEqual([
        'node_modules/onnxruntime-node/bin/napi/linux/arm64/libonnxruntime.so.1',
        'node_modules/onnxruntime-node/bin/napi/linux/arm64/onnxruntime_binding.node',
      ]);
      expect(entries).toEqual(
        expect.arrayContaining([
          'node_modules/onnxruntime-node/dist/index.js',
          'node_modules/onnxruntime-node/package.json',
          'node_modules/onnxruntime-common/dist/cjs/index.js',
          'packages/ml/models/linear-trend.onnx',
          'packages/ml/models/robust-z.onnx',
        ]),
      );
      const predict = ofType('AWS::Lambda::Function').find(([k]) => k === 'PredictLambdaFunction')!;
      expect(predict[1].Properties.Environment.Variables).toMatchObject({ VIGIL_MODELS_DIR: '/var/task/packages/ml/models' });
    });

    it('leaves ONNX Runtime out of every other function', () => {
      for (const fn of AWS_FUNCTIONS.filter((f) => f !== 'predict')) {
        expect(zipEntries(artifacts.find((a) => a.endsWith(`/${fn}.zip`))!).filter((e) => e.includes('onnxruntime'))).toEqual([]);
      }
    });
  });
});

describe('vigil deploy --cloud aws --tool cdk --dry-run', () => {
  it('synthesizes the CDK app with bundled functions', async () => {
    const { artifacts, lines } = await dryRun({ tool: 'cdk' });
    const template = JSON.parse(readFileSync(artifacts[0]!, 'utf8'));
    const fns = Object.values(template.Resources as Record<string, Resource>).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs22.x');
    expect(fns).toHaveLength(8);
    // Each function its own bundle (one asset per function, built by packages/deploy).
    expect(new Set(fns.map((f) => JSON.stringify(f.Properties.Code))).size).toBe(8);
    expect(lines.join('\n')).toContain('npx cdk deploy --app');
  }, 600_000);
});
