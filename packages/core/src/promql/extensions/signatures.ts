import type { FunctionSignature } from '../signatures';

/**
 * Argument and result types of Vigil's extension functions as the user writes them; the parser
 * then rewrites their selector argument (rewriteExtensionCall). promtool does not know them.
 */
export const EXTENSION_SIGNATURES: Readonly<Record<string, FunctionSignature>> = {
  anomaly_score: { argTypes: ['vector'], variadic: 0, returnType: 'vector' },
  forecast_breach_probability: { argTypes: ['vector', 'string', 'scalar'], variadic: 0, returnType: 'vector' },
  forecast_drop_probability: { argTypes: ['vector', 'string', 'scalar'], variadic: 0, returnType: 'vector' },
};
