/** One step of a deployment: a command to run, or a build whose artifacts are listed. */
export interface Step {
  title: string;
  /** argv of an external command; absent for builds done in-process. */
  command?: string[];
  cwd?: string;
  /** Builds run even in --dry-run (they touch no cloud), so the plan lists real artifacts. */
  build?: () => Promise<string[]>;
}

export interface Plan {
  cloud: 'aws' | 'gcp' | 'azure';
  /** CLIs that must be on PATH to run (not to plan) this deployment, with how to get them. */
  requires: { command: string; install: string }[];
  /** How credentials are found; checked before anything runs. */
  credentials: { check: string[]; hint: string };
  steps: Step[];
}

export interface DeployOptions {
  stage: string;
  region?: string;
  /** AWS only: `osls` (default) or `cdk`. */
  tool?: 'osls' | 'cdk';
  /** GCP project ID. */
  project?: string;
  /** Azure resource group and function app name. */
  resourceGroup?: string;
  app?: string;
  root: string;
  outDir: string;
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(step: Step): string {
  return (step.cwd ? `(cd ${shellQuote(step.cwd)} && ` : '') + step.command!.map(shellQuote).join(' ') + (step.cwd ? ')' : '');
}
