import { join, resolve } from 'node:path';
import { planAws } from './aws';
import { planGcp } from './gcp';
import { planAzure } from './azure';
import { formatCommand, type DeployOptions, type Plan } from './plan';
import { commandExists, runCommand } from './run';

/** The command line's options: a plan's options, where root defaults to the working directory. */
export interface DeployArgs extends Omit<DeployOptions, 'root' | 'outDir'> {
  cloud: Plan['cloud'];
  dryRun: boolean;
  root?: string;
}

/** A problem the user must fix before deploying (a missing CLI or credentials): one clear line. */
export class DeployPrerequisiteError extends Error {}

export function makePlan(args: DeployArgs): Plan {
  const root = resolve(args.root ?? process.cwd());
  const options: DeployOptions = { ...args, root, outDir: join(root, 'dist', 'deploy', args.cloud, args.stage) };
  return args.cloud === 'aws' ? planAws(options) : args.cloud === 'gcp' ? planGcp(options) : planAzure(options);
}

/**
 * Builds the artifacts (always: they touch no cloud) and then either prints every command
 * (`--dry-run`) or checks the CLIs and credentials and runs the commands in order.
 */
export async function deploy(args: DeployArgs, print: (line: string) => void): Promise<void> {
  const plan = makePlan(args);
  print(`# vigil deploy --cloud ${plan.cloud} --stage ${args.stage}${args.dryRun ? ' --dry-run' : ''}`);
  if (!args.dryRun) {
    for (const r of plan.requires) {
      if (!(await commandExists(r.command))) throw new DeployPrerequisiteError(`${r.command} not found: ${r.install}`);
    }
    await runCommand(plan.credentials.check).catch(() => {
      throw new DeployPrerequisiteError(`no ${plan.cloud} credentials: ${plan.credentials.hint}`);
    });
  }
  let n = 0;
  for (const step of plan.steps) {
    n++;
    print(`\n## ${n}. ${step.title}`);
    if (step.build) {
      const artifacts = await step.build();
      for (const a of artifacts) print(`artifact: ${a}`);
      continue;
    }
    print(formatCommand(step));
    if (!args.dryRun && step.command) await runCommand(step.command, { cwd: step.cwd });
  }
  if (args.dryRun) print(`\n# dry run: nothing was sent to ${plan.cloud}; requires ${plan.requires.map((r) => r.command).join(', ')} and credentials (${plan.credentials.check.join(' ')})`);
}
