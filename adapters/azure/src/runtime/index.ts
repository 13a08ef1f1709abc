export { createAzureRuntime, runtimeFromEnv, type AzureRuntime, type AzureRuntimeOptions } from './context';
export { readSettings, storageConnection, azureSettingsSchema, type AzureSettings } from './settings';
