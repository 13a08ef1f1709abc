import * as z from 'zod';
import { parseWith } from '@vigil/core';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

const logLevel = z.lazy(() => z.enum(['debug', 'info', 'warn', 'error']));

/**
 * The Function App's settings (environment variables). `AzureWebJobsStorage` is the
 * storage account the Functions host itself uses; `VIGIL_AZURE_STORAGE` overrides it for
 * Vigil's tables and queues.
 */
export const azureSettingsSchema = z.lazy(() =>
  z
    .object({
      AzureWebJobsStorage: z.string().min(1).optional(),
      VIGIL_AZURE_STORAGE: z.string().min(1).optional(),
      VIGIL_AZURE_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'a table name is 3-63 letters and digits, starting with a letter')
        .default('vigil'),
      VIGIL_AZURE_QUEUE_PREFIX: z
        .string()
        .regex(/^[a-z0-9](?:[a-z0-9]|-(?!-))*$/, 'lowercase letters, digits and single hyphens')
        .max(40)
        .default('vigil-'),
      VIGIL_EXTERNAL_URL: z.string().url().optional(),
      VIGIL_OUTBOUND_ALLOW: z.string().optional(),
      VIGIL_API_KEY: z.string().min(8, 'at least 8 characters').optional(),
      VIGIL_LOG_LEVEL: logLevel.default('info'),
    })
    .refine((s) => s.VIGIL_AZURE_STORAGE ?? s.AzureWebJobsStorage, {
      message: 'set AzureWebJobsStorage or VIGIL_AZURE_STORAGE to a storage connection string',
      path: ['AzureWebJobsStorage'],
    }),
);

export type AzureSettings = z.output<typeof azureSettingsSchema>;

/** Reads and checks the settings; a ValidationError names every bad variable. */
export function readSettings(env: Record<string, string | undefined> = process.env): AzureSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return parseWith(azureSettingsSchema, present, 'env');
}

export function storageConnection(settings: AzureSettings): string {
  return (settings.VIGIL_AZURE_STORAGE ?? settings.AzureWebJobsStorage) as string;
}
