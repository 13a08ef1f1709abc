import { cpSync, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import archiver from 'archiver';
import { bundle, writePackageJson } from './bundle';
import { copyModels, copyOnnxRuntime } from './onnx-runtime';
import { commandExists } from './run';
import type { DeployOptions, Plan } from './plan';

export const AZURE_QUEUES = ['ingest', 'evaluate', 'notify', 'heal'] as const;

async function zipDir(dir: string, zipPath: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const output = createWriteStream(zipPath);
    const archive = archiver('zip', { zlib: { level: 9 } });
    output.on('close', () => resolve());
    archive.on('error', reject);
    archive.pipe(output);
    archive.directory(dir, false);
    void archive.finalize();
  });
}

/**
 * Azure: a Functions app package (v4 programming model: one bundled entry that registers
 * app.http / app.storageQueue / app.timer, plus host.json, ONNX Runtime and the models), the resource group, storage
 * account, queues and table, the function app, and a publish with `func` when it is
 * installed, else a zip deploy through `az`.
 */
export function planAzure(o: DeployOptions): Plan {
  const region = o.region ?? 'eastus';
  const group = o.resourceGroup ?? `vigil-${o.stage}`;
  const app = o.app ?? `vigil-${o.stage}`;
  const storage = `vigil${o.stage.replace(/-/g, '')}`.slice(0, 24);
  const pkgDir = join(o.outDir, 'app');
  const zipPath = join(o.outDir, 'vigil-functions.zip');
  const g = ['--resource-group', group];
  const connection = `$(az storage account show-connection-string --name ${storage} ${g.join(' ')} --query connectionString -o tsv)`;
  return {
    cloud: 'azure',
    requires: [{ command: 'az', install: 'install the Azure CLI (az) and run `az login`' }],
    credentials: { check: ['az', 'account', 'show'], hint: 'run `az login`' },
    steps: [
      {
        title: 'build the Functions app package (bundle, host.json, package.json) and zip it',
        build: async () => {
          mkdirSync(pkgDir, { recursive: true });
          // The Functions host provides @azure/functions-core to the worker; it is never bundled.
          const files = await bundle(join(o.root, 'adapters', 'azure', 'src', 'main.ts'), join(pkgDir, 'dist', 'index.js'), { external: ['@azure/functions-core'] });
          cpSync(join(o.root, 'adapters', 'azure', 'host.json'), join(pkgDir, 'host.json'));
          // predict's ONNX Runtime with the linux/x64 binary only (Linux Function Apps run on x64),
          // and the models where packages/ml looks beside the bundle's folder.
          copyOnnxRuntime(o.root, join(pkgDir, 'node_modules'), 'x86_64');
          copyModels(o.root, join(pkgDir, 'models'));
          const pkg = writePackageJson(pkgDir, 'dist/index.js');
          await zipDir(pkgDir, zipPath);
          return [...files, pkg, join(pkgDir, 'host.json'), join(pkgDir, 'node_modules', 'onnxruntime-node'), join(pkgDir, 'models'), zipPath];
        },
      },
      { title: 'resource group', command: ['az', 'group', 'create', '--name', group, '--location', region] },
      { title: 'storage account (tables, queues, Functions state)', command: ['az', 'storage', 'account', 'create', '--name', storage, ...g, '--location', region, '--sku', 'Standard_LRS', '--min-tls-version', 'TLS1_2'] },
      ...AZURE_QUEUES.map((q) => ({ title: `queue vigil-${q}`, command: ['sh', '-c', `az storage queue create --name vigil-${q} --connection-string "${connection}"`] })),
      { title: 'table vigil', command: ['sh', '-c', `az storage table create --name vigil --connection-string "${connection}"`] },
      {
        title: 'function app (consumption plan, Node.js 22, Functions v4)',
        command: ['az', 'functionapp', 'create', '--name', app, ...g, '--storage-account', storage, '--consumption-plan-location', region, '--runtime', 'node', '--runtime-version', '22', '--functions-version', '4', '--os-type', 'Linux'],
      },
      {
        title: 'publish: `func azure functionapp publish` when func is installed, else zip deploy',
        command: ['sh', '-c', `if command -v func >/dev/null 2>&1; then cd ${pkgDir} && func azure functionapp publish ${app} --javascript; else az functionapp deployment source config-zip ${g.join(' ')} --name ${app} --src ${zipPath}; fi`],
      },
    ],
  };
}

export { commandExists };
