import { parseArgs } from 'node:util';
import * as z from 'zod';
import { parseWith } from '@vigil/core';
import type { DeployArgs } from './deploy';

const argsSchema = z.object({
  cloud: z.enum(['aws', 'gcp', 'azure'], { message: '--cloud must be aws, gcp or azure' }),
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, '--stage must be lowercase letters, digits and dashes (at most 16)').default('dev'),
  region: z.string().min(1).optional(),
  tool: z.enum(['osls', 'cdk']).optional(),
  project: z.string().min(1).optional(),
  'resource-group': z.string().min(1).optional(),
  app: z.string().min(1).optional(),
  'dry-run': z.boolean().default(false),
});

/** `vigil deploy --cloud aws|gcp|azure [--stage NAME] [--region R] [--tool osls|cdk] [--dry-run]`. */
export function parseDeployArgs(argv: string[]): DeployArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      cloud: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      tool: { type: 'string' },
      project: { type: 'string' },
      'resource-group': { type: 'string' },
      app: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    strict: true,
  });
  const a = parseWith(argsSchema, values);
  return { cloud: a.cloud, stage: a.stage, region: a.region, tool: a.tool, project: a.project, resourceGroup: a['resource-group'], app: a.app, dryRun: a['dry-run'] };
}
