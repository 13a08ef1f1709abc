import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** Lambda's architecture names → Node's `process.arch`, which names onnxruntime-node's binary folders. */
export const LAMBDA_ARCHITECTURES = { arm64: 'arm64', x86_64: 'x64' } as const;
export type LambdaArchitecture = keyof typeof LAMBDA_ARCHITECTURES;

/** The architecture Vigil's functions run on (serverless.yml, the CDK app): Graviton, cheaper per GB-second. */
export const FUNCTION_ARCHITECTURE: LambdaArchitecture = 'arm64';

/** Where packages/ml finds the models in predict's Lambda package (/var/task is the package's root). */
export const ONNX_FUNCTION_ENV = { VIGIL_MODELS_DIR: '/var/task/packages/ml/models' } as const;

/** Type declarations and source maps are not needed at run time. */
const runtimeFile = (path: string) => !/\.(d\.ts|d\.cts|d\.mts|map)$/.test(path);

/**
 * Adds ONNX Runtime and the models to the predict function's package in `dir`, beside its
 * bundle: onnxruntime-node with the Linux binary of one architecture only (the npm package holds
 * every platform's, about 350 MB; one Linux build is 25–46 MB), onnxruntime-common, and the
 * models of packages/ml — the same layout serverless.yml's package patterns give:
 *
 *     node_modules/onnxruntime-node/{package.json,dist/,bin/napi-v*\/linux/<arch>/}
 *     node_modules/onnxruntime-common/{package.json,dist/}
 *     packages/ml/models/*.onnx
 *
 * The bundle imports `onnxruntime-node` by name at the first inference and resolves it from
 * node_modules there. The package's own install script (which downloads GPU builds) never runs.
 */
export function addOnnxRuntime(root: string, dir: string, architecture: LambdaArchitecture = FUNCTION_ARCHITECTURE): string[] {
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  rmSync(join(dir, 'packages'), { recursive: true, force: true });
  copyOnnxRuntime(root, join(dir, 'node_modules'), architecture);
  copyModels(root, join(dir, 'packages', 'ml', 'models'));
  return [...listFiles(join(dir, 'node_modules')).map((f) => join(dir, 'node_modules', f)), ...listFiles(join(dir, 'packages')).map((f) => join(dir, 'packages', f))];
}

/**
 * onnxruntime-node (package.json, dist/, the Linux binary of one architecture) and
 * onnxruntime-common into `modulesDir`, a node_modules folder: what a function package that
 * vendors ONNX Runtime carries (the Lambda, GCP and Azure packages of predict).
 */
export function copyOnnxRuntime(root: string, modulesDir: string, architecture: LambdaArchitecture): void {
  const from = createRequire(join(root, 'packages', 'ml', 'package.json'));
  const ort = dirname(from.resolve('onnxruntime-node/package.json'));
  const common = packageRoot(createRequire(join(ort, 'package.json')).resolve('onnxruntime-common'), 'onnxruntime-common');
  const arch = LAMBDA_ARCHITECTURES[architecture];

  const ortOut = join(modulesDir, 'onnxruntime-node');
  cpSync(join(ort, 'package.json'), join(ortOut, 'package.json'));
  cpSync(join(ort, 'dist'), join(ortOut, 'dist'), { recursive: true, filter: runtimeFile });
  let binaries = 0;
  for (const napi of readdirSync(join(ort, 'bin')).filter((d) => d.startsWith('napi-v'))) {
    const dir = join(ort, 'bin', napi, 'linux', arch);
    if (!existsSync(dir)) continue;
    cpSync(dir, join(ortOut, 'bin', napi, 'linux', arch), { recursive: true });
    binaries++;
  }
  if (binaries === 0) throw new Error(`onnxruntime-node at ${ort} has no linux/${arch} binary`);

  const commonOut = join(modulesDir, 'onnxruntime-common');
  cpSync(join(common, 'package.json'), join(commonOut, 'package.json'));
  cpSync(join(common, 'dist'), join(commonOut, 'dist'), { recursive: true, filter: runtimeFile });
}

/** The .onnx models of packages/ml into `modelsDir`. */
export function copyModels(root: string, modelsDir: string): void {
  const models = join(root, 'packages', 'ml', 'models');
  const onnx = readdirSync(models).filter((f) => f.endsWith('.onnx'));
  if (onnx.length === 0) throw new Error(`no .onnx models in ${models}`);
  mkdirSync(modelsDir, { recursive: true });
  for (const f of onnx) cpSync(join(models, f), join(modelsDir, f));
}

/** The folder of package `name` that a resolved file belongs to (its exports hide its package.json). */
function packageRoot(file: string, name: string): string {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new Error(`no package ${name} above ${file}`);
}

/** Every file under `dir`, relative to it, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}
