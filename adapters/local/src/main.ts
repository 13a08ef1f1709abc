import { resolve } from 'node:path';
import { limitsFromEnv } from '@vigil/core';
import { startLocal } from './runtime';

/** `npm start`: Vigil on this machine, configured by environment variables (see README). */
async function main() {
  const runtime = await startLocal({
    dataDir: resolve(process.env.VIGIL_DATA_DIR ?? './.vigil'),
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
    apiKey: process.env.VIGIL_API_KEY || undefined,
    outboundAllow: process.env.VIGIL_OUTBOUND_ALLOW,
    externalUrl: process.env.VIGIL_EXTERNAL_URL,
    limits: limitsFromEnv(process.env.VIGIL_LIMITS),
  });
  process.stderr.write(`Vigil listening on ${runtime.url} (data in ${resolve(process.env.VIGIL_DATA_DIR ?? './.vigil')})\n`);
  if (runtime.adminKeyGenerated) {
    // Printed once so a first run is usable; set VIGIL_API_KEY to choose the key instead.
    process.stderr.write(`Admin API key for tenant "default" (VIGIL_API_KEY was not set): ${runtime.adminKey}\n`);
  }
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err) => {
  process.stderr.write(`Vigil failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
