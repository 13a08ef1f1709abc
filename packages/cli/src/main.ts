import { main, nodeIO } from './cli';

main(process.argv.slice(2), nodeIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`vigil: error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
