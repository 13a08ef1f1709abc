export * from './names';
export * from './forecast';
export { EXTENSION_FUNCTION_NAMES, extensionSource, isExtensionFunction, rewriteExtensionCall, type ExtensionProblem, type ExtensionSource } from './rewrite';
export { EXTENSION_FUNCTIONS } from './functions';
export { EXTENSION_SIGNATURES } from './signatures';
