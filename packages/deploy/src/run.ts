import { spawn } from 'node:child_process';

/** Runs a command, streaming nothing; resolves with its output or rejects with the last lines of it. */
export function runCommand(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${argv.join(' ')} exited with ${code}:\n${output.split('\n').slice(-20).join('\n')}`));
    });
  });
}

export async function commandExists(command: string): Promise<boolean> {
  return runCommand(['sh', '-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );
}
