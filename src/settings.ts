/**
 * Weft's settings: the ONE place that reads `process.env`.
 *
 * Precedence: environment variables `WEFT_<SECTION>_<KEY>` (e.g. `WEFT_LOGGING_LEVEL`) override
 * the profile file `WEFT_HOME/profile.json` (e.g. `{ "logging": { "level": "DEBUG" } }`),
 * which overrides the defaults below. `WEFT_HOME` itself comes only from the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.js';

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

const levelSchema = z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(LEVELS));

const int = (min: number) => z.coerce.number().int().min(min);

const schema = z.object({
  logging: z
    .object({
      /** Lowest level printed to the console and recorded. */
      level: levelSchema.default('INFO'),
      /** Lowest level printed to the console; unset means the same as `level`. */
      consoleLevel: levelSchema.optional(),
    })
    .prefault({}),
  database: z
    .object({
      /** Where the record lives; empty means `WEFT_HOME/weft.db`. */
      url: z.string().default(''),
      /** How long a writer waits for a locked SQLite database, in ms. */
      busyTimeoutMs: int(0).default(30_000),
    })
    .prefault({}),
  recording: z
    .object({
      /** Flush the hot-path record at least this often, in ms. */
      flushIntervalMs: int(1).default(200),
      /** Flush as soon as this many records are waiting. */
      batchSize: int(1).default(5_000),
    })
    .prefault({}),
});

/** The resolved settings. */
export interface Settings {
  /** Directory for the embedded database and local files. Env `WEFT_HOME`. @default ~/.weft */
  readonly home: string;
  readonly logging: { readonly level: (typeof LEVELS)[number]; readonly consoleLevel?: (typeof LEVELS)[number] | undefined };
  readonly database: { readonly url: string; readonly busyTimeoutMs: number };
  readonly recording: { readonly flushIntervalMs: number; readonly batchSize: number };
}

const ENV_KEYS: Record<string, readonly [string, string]> = {
  WEFT_LOGGING_LEVEL: ['logging', 'level'],
  WEFT_LOGGING_CONSOLE_LEVEL: ['logging', 'consoleLevel'],
  WEFT_DATABASE_URL: ['database', 'url'],
  WEFT_DATABASE_BUSY_TIMEOUT_MS: ['database', 'busyTimeoutMs'],
  WEFT_RECORDING_FLUSH_INTERVAL_MS: ['recording', 'flushIntervalMs'],
  WEFT_RECORDING_BATCH_SIZE: ['recording', 'batchSize'],
};

function readProfile(home: string): Record<string, Record<string, unknown>> {
  const file = join(home, 'profile.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  } catch (cause) {
    throw new UsageError(`The profile file ${file} is not valid JSON. Fix or delete it.`, { cause });
  }
}

/**
 * Reads the settings now (environment, then profile, then defaults).
 * @example
 * const { home, logging } = loadSettings();
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const home = resolve(env.WEFT_HOME ?? join(homedir(), '.weft'));
  const raw = readProfile(home);
  for (const [key, [section, field]] of Object.entries(ENV_KEYS)) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    raw[section] = { ...(raw[section] ?? {}), [field]: value };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UsageError(`Invalid Weft settings (${issues}). Check WEFT_* variables and ${join(home, 'profile.json')}.`);
  }
  return { home, ...parsed.data };
}

/** The SQLite file the embedded record uses, or the database URL when one is set. */
export function databaseLocation(settings: Settings): string {
  return settings.database.url || join(settings.home, 'weft.db');
}
