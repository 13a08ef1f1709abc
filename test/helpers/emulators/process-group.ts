import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../tools';

/** One readiness check: polled until `ready` answers true. */
export interface ReadinessProbe {
  /** What is awaited, for the timeout message. */
  what: string;
  ready: () => Promise<boolean>;
}

export interface ProcessGroupOptions {
  /** Names the process in errors. */
  name: string;
  bin: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Checked one after another, each with the full timeout. */
  probes: ReadinessProbe[];
  timeoutMs?: number;
  pollMs?: number;
  /**
   * Stop by waiting for the whole group to go rather than for the child alone: for launchers
   * (gcloud) whose real server is a grandchild that outlives them.
   */
  waitForGroup?: boolean;
  /** Runs after the group is stopped (temporary files of the process). */
  cleanup?: () => void;
}

export interface ProcessGroup {
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a server as a detached child, the leader of its own process group, so that stop()
 * ends it and anything it started, and nothing else; resolves once every probe answers. If it
 * exits or never becomes ready, the group is stopped and the error carries its last stderr lines.
 */
export async function startProcessGroup(options: ProcessGroupOptions): Promise<ProcessGroup> {
  const { name } = options;
  const child = spawn(options.bin, options.args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], cwd: options.cwd, env: options.env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const stop = async () => {
    await (options.waitForGroup ? stopWholeGroup(child) : stopGroup(child));
    options.cleanup?.();
  };
  try {
    for (const probe of options.probes) {
      await waitFor(probe.what, async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
        return (await probe.ready()) ? true : undefined;
      }, options.timeoutMs ?? 60_000, options.pollMs ?? 100);
    }
  } catch (err) {
    await stop();
    throw new Error(`${name} did not start: ${(err as Error).message}; stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { child, stop };
}

/** SIGTERM to the group, SIGKILL after 5 s if the child has not exited by then. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** SIGTERM to the group, then SIGKILL to whatever of the group is left after 5 s. */
async function stopWholeGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals | 0) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  if (!signal('SIGTERM')) return;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && signal(0)) await new Promise((r) => setTimeout(r, 100));
  signal('SIGKILL');
}
