/**
 * Writes Vigil's default ONNX models into packages/ml/models. The files are generated, never
 * edited: change the graph in src/models and run `npm run models -w @vigil/ml`.
 * A test checks the shipped files equal what this script builds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILT_MODELS } from '../src/models';

const dir = resolve(__dirname, '..', 'models');
mkdirSync(dir, { recursive: true });
for (const m of BUILT_MODELS) {
  const bytes = m.build();
  writeFileSync(join(dir, m.file), bytes);
  console.log(`${m.file}: ${bytes.length} bytes`);
}
