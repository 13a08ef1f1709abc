import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ModelContractError } from '@vigil/core';
import { FORECAST_QUANTILE_LEVELS } from './models/forecast';

export type ModelKind = 'anomaly' | 'forecast';

/** A tensor of a model's contract: its name and dimensions (a string names a size set at run time). */
export interface TensorSpec {
  name: string;
  dims: readonly (number | string)[];
}

/**
 * What a model promises: the tensors it reads and writes. Predict feeds every model of a kind
 * the same inputs and reads the same outputs, so any ONNX file that keeps the contract of its
 * kind can replace the default (docs/ML.md).
 */
export interface ModelSpec {
  name: string;
  kind: ModelKind;
  /** Path of the .onnx file; relative paths are read from the models directory. */
  file: string;
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
  description: string;
}

/** The tensors every anomaly model reads and writes. */
export const ANOMALY_CONTRACT = {
  inputs: [{ name: 'window', dims: ['batch', 'n'] }],
  outputs: [{ name: 'score', dims: ['batch', 1] }],
} as const;

/** The tensors every forecast model reads and writes (quantile columns at FORECAST_QUANTILE_LEVELS). */
export const FORECAST_CONTRACT = {
  inputs: [
    { name: 'values', dims: ['batch', 'n'] },
    { name: 'times', dims: ['batch', 'n'] },
    { name: 'horizon', dims: ['batch', 1] },
  ],
  outputs: [
    { name: 'max_quantiles', dims: ['batch', FORECAST_QUANTILE_LEVELS.length] },
    { name: 'min_quantiles', dims: ['batch', FORECAST_QUANTILE_LEVELS.length] },
  ],
} as const;

export const DEFAULT_ANOMALY_MODEL = 'robust-z';
export const DEFAULT_FORECAST_MODEL = 'linear-trend';

export const DEFAULT_MODELS: readonly ModelSpec[] = [
  {
    name: DEFAULT_ANOMALY_MODEL,
    kind: 'anomaly',
    file: 'robust-z.onnx',
    ...ANOMALY_CONTRACT,
    outputs: [...ANOMALY_CONTRACT.outputs, { name: 'z', dims: ['batch', 1] }],
    description: 'robust z-score of the newest point against the window median and MAD, squashed with erf(z/√2)',
  },
  {
    name: DEFAULT_FORECAST_MODEL,
    kind: 'forecast',
    file: 'linear-trend.onnx',
    ...FORECAST_CONTRACT,
    outputs: [...FORECAST_CONTRACT.outputs, { name: 'slope', dims: ['batch', 1] }],
    description: 'least-squares trend and residual spread: quantiles of the max/min of the trend over the horizon',
  },
];

/**
 * The directory of the shipped .onnx files. Bundlers move code away from the package, so an
 * operator (or the deploy step) can point `VIGIL_MODELS_DIR` at wherever the files were copied.
 */
export function defaultModelsDir(): string {
  return process.env.VIGIL_MODELS_DIR || resolve(__dirname, '..', 'models');
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Model name → file and contract. Starts with the defaults; register adds your own ONNX models. */
export class ModelRegistry {
  private readonly models = new Map<string, ModelSpec>();

  constructor(
    readonly modelsDir: string = defaultModelsDir(),
    specs: readonly ModelSpec[] = DEFAULT_MODELS,
  ) {
    for (const s of specs) this.register(s);
  }

  /** Adds a model; it must declare at least the tensors of its kind's contract. */
  register(spec: ModelSpec): void {
    if (!NAME_RE.test(spec.name)) throw new ModelContractError(`model name ${JSON.stringify(spec.name)} must match ${NAME_RE.source}`);
    const contract = spec.kind === 'anomaly' ? ANOMALY_CONTRACT : FORECAST_CONTRACT;
    for (const [side, required, declared] of [
      ['input', contract.inputs, spec.inputs],
      ['output', contract.outputs, spec.outputs],
    ] as const) {
      for (const t of required) {
        if (!declared.some((d) => d.name === t.name)) throw new ModelContractError(`model ${spec.name}: a ${spec.kind} model needs the ${side} tensor "${t.name}"`);
      }
    }
    this.models.set(spec.name, spec);
  }

  get(name: string): ModelSpec {
    const spec = this.models.get(name);
    if (!spec) throw new ModelContractError(`unknown model "${name}" (known: ${[...this.models.keys()].join(', ')})`);
    return spec;
  }

  has(name: string, kind?: ModelKind): boolean {
    const spec = this.models.get(name);
    return spec !== undefined && (kind === undefined || spec.kind === kind);
  }

  path(spec: ModelSpec): string {
    const file = isAbsolute(spec.file) ? spec.file : join(this.modelsDir, spec.file);
    if (!existsSync(file)) throw new ModelContractError(`model ${spec.name}: file ${file} does not exist`);
    return file;
  }

  list(): ModelSpec[] {
    return [...this.models.values()];
  }
}
