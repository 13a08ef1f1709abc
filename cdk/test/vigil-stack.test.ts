import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { VigilStack } from '../lib/vigil-stack';

/** Assertions on the synthesized template (bundling is skipped: no handler code is built here). */
describe('VigilStack', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new VigilStack(app, 'vigil-test', { stage: 'test' }));

  it('has one Lambda per handler on nodejs22.x arm64', () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
    expect(Object.keys(fns).filter((k) => /^(Api|Ingest|Evaluate|Notify|Schedule|Predict|DriftDetect|Heal)Function/.test(k))).toHaveLength(8);
    for (const f of Object.values(fns)) expect(f.Properties.Architectures).toEqual(['arm64']);
  });

  it('keeps state in one DynamoDB table with TTL and point-in-time recovery', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('gives every work queue a DLQ after 5 receives', () => {
    const queues = template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } });
    expect(Object.keys(queues)).toHaveLength(4);
    for (const q of Object.values(queues)) {
      expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
      expect(q.Properties.VisibilityTimeout).toBe(180);
    }
  });

  it('consumes the queues with partial batch responses', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
    template.allResourcesProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
  });

  it('evaluates on a one-minute schedule and serves the HTTP API', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });

  it('passes table, bus and queue URLs to the functions', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          VIGIL_TABLE: Match.anyValue(),
          VIGIL_EVENT_BUS: Match.anyValue(),
          VIGIL_QUEUE_URL_EVALUATE: Match.anyValue(),
          VIGIL_QUEUE_URL_NOTIFY: Match.anyValue(),
        }),
      },
    });
  });

  it('lets the schedule function only read the table and send to the evaluate queue', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const schedulePolicy = Object.entries(policies).find(([k]) => k.startsWith('ScheduleFunction'));
    expect(schedulePolicy).toBeDefined();
    const actions = JSON.stringify(schedulePolicy![1].Properties.PolicyDocument.Statement.map((s: { Action: unknown }) => s.Action));
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('events:PutEvents');
  });

  const policyActions = (prefix: string) => {
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([k]) => k.startsWith(prefix));
    expect(policy).toBeDefined();
    return policy![1].Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
  };

  it('runs predict every 5 minutes with more memory and its models in its package, and drift-detect hourly', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.ScheduleExpression);
    expect(rules.sort()).toEqual(['rate(1 hour)', 'rate(1 minute)', 'rate(5 minutes)']);
    const [[, predict]] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([k]) => k.startsWith('PredictFunction')) as [[string, any]];
    expect(predict.Properties.MemorySize).toBe(1024);
    expect(predict.Properties.Architectures).toEqual(['arm64']);
    expect(predict.Properties.Environment.Variables).toMatchObject({ VIGIL_MODELS_DIR: '/var/task/packages/ml/models' });
    template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
  });

  it('lets predict only use the table, drift-detect also notify and the bus, heal also its own queue', () => {
    const actions = (prefix: string) => JSON.stringify(policyActions(prefix).map((s) => s.Action));
    expect(actions('PredictFunction')).toContain('dynamodb:PutItem');
    expect(actions('PredictFunction')).not.toMatch(/sqs:|events:/);
    expect(actions('DriftDetectFunction')).toContain('sqs:SendMessage');
    expect(actions('DriftDetectFunction')).toContain('events:PutEvents');
    expect(actions('HealFunction')).toContain('sqs:SendMessage');
    expect(actions('HealFunction')).toContain('events:PutEvents');
    const healSends = policyActions('HealFunction').filter((s) => JSON.stringify(s.Action).includes('sqs:SendMessage'));
    expect(JSON.stringify(healSends.map((s) => s.Resource))).toContain('HealQueue');
    expect(JSON.stringify(healSends.map((s) => s.Resource))).not.toContain('NotifyQueue');
  });

  it('feeds heal from the heal queue with partial batch responses', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    const heal = mappings.find((m) => JSON.stringify(m.Properties.FunctionName).includes('HealFunction'));
    expect(heal?.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    expect(JSON.stringify(heal?.Properties.EventSourceArn)).toContain('HealQueue');
  });
});
