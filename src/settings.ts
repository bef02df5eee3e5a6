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

const bool = z.preprocess((v) => (typeof v === 'string' ? !['false', '0', 'no', 'off', ''].includes(v.toLowerCase()) : v), z.boolean());

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
  results: z
    .object({
      /** Result storage used when a task or flow names none: `local:/path` or `s3://bucket/prefix?endpoint=…`; empty means `WEFT_HOME/storage`. */
      defaultStorage: z
        .string()
        .refine((d) => d === '' || d.startsWith('local:') || d.startsWith('s3://'), {
          message: "expected '' (WEFT_HOME/storage), 'local:/path' or 's3://bucket/prefix?endpoint=…' (checked whole when a result is first stored)",
        })
        .default(''),
      /** Persist every task's result unless it says `persistResult: false`. */
      persistByDefault: bool.default(false),
      /** Serializer used when a task names none. */
      defaultSerializer: z.string().default('v8'),
      /**
       * How many persisted results stay in memory (least recently used are dropped and read back
       * on demand), and never more than 32 MiB of them (counted by serialized size). Small on
       * purpose: a result is cached when it is written, and a downstream task or a future usually
       * asks for it right after; every cached value outlives V8's young generation, so a large
       * cache turns each persisted value of a wide map into old-space garbage. `0` caches none.
       * @default 100
       */
      memoryCacheSize: int(0).default(100),
    })
    .prefault({}),
  tasks: z
    .object({
      /** Recompute every cached task and overwrite its cache entry. */
      refreshCache: bool.default(false),
      /** Ignore every cache policy (results may still be persisted). */
      disableCaching: bool.default(false),
      /** Runner of flows that name none: `concurrent` (in this process) or `cluster` (a ClusterTaskRunner at `cluster.address`). */
      runner: z.enum(['concurrent', 'cluster']).default('concurrent'),
    })
    .prefault({}),
  cluster: z
    .object({
      /** The cluster `tasks.runner=cluster` uses, e.g. `redis://host:6379`. */
      address: z.string().default(''),
      /** Results up to this many bytes travel through Redis; larger ones go through result storage, by reference. */
      maxInlineBytes: int(0).default(1024 * 1024),
      /** A worker that holds a task run this long without renewing its lock (it died) loses it, and the attempt runs again. */
      lockSeconds: z.coerce.number().positive().default(30),
      /** A flow run's attempts fail (with a ClusterError saying so) when its Redis stays unreachable this long. */
      unreachableSeconds: z.coerce.number().positive().default(30),
      /** PEM files for `rediss://` addresses: the CA that signed the server's certificate, and a client certificate and key. */
      tlsCaFile: z.string().default(''),
      tlsCertFile: z.string().default(''),
      tlsKeyFile: z.string().default(''),
    })
    .prefault({}),
  api: z
    .object({
      /** The Weft server to record through (client mode); empty means the local record. */
      url: z.string().default(''),
      /** Sent as `Authorization: Bearer <key>` to the server. */
      key: z.string().default(''),
      /** How often a client tells the server that its running flow runs are alive, in ms. */
      heartbeatIntervalMs: int(10).default(5_000),
      /** How long one request to the server may take, in ms. */
      timeoutMs: int(100).default(60_000),
      /** How long a client keeps retrying a server that is restarting (refuses connections) or answers 503, in ms. */
      retryMs: int(0).default(30_000),
    })
    .prefault({}),
  server: z
    .object({
      /** Interface `weft server start` binds to. */
      host: z.string().default('127.0.0.1'),
      /** Port `weft server start` listens on. */
      port: int(0).default(4200),
      /** When set, every API request needs `Authorization: Bearer <key>`. */
      apiKey: z.string().default(''),
      /** A running flow run whose heartbeats stop for this long is marked CRASHED, in ms. */
      crashTimeoutMs: int(10).default(30_000),
      /** Largest request body the API accepts, in bytes. */
      bodyLimitBytes: int(1024).default(64 * 1024 * 1024),
      /**
       * Directories whose flows the server re-runs when a retry is asked through the API,
       * separated by the path delimiter (`:`); empty means the directory the server starts in.
       */
      projectDirs: z.string().default(''),
      /** The path a reverse proxy serves the server under (e.g. `/weft`); the web UI builds its links and API calls on it. */
      pathPrefix: z.string().regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'a path such as /weft (no trailing slash), or empty').default(''),
      /** The secret resume links are signed with; empty: a random key kept in WEFT_HOME/resume-link.key. */
      resumeLinkSecret: z.string().default(''),
      /** Host names (comma-separated) a loopback server without an API key answers besides loopback ones (a reverse proxy's name). */
      allowedHosts: z.string().default(''),
    })
    .prefault({}),
  limits: z
    .object({
      /** A holder of concurrency slots renews its lease this often (a third of it); a holder that dies frees its slots when the lease runs out, in seconds. */
      leaseSeconds: z.coerce.number().min(0.1).max(3600).default(30),
      /** A waiter also looks again this often for slots freed by another process recording straight into the database (a server wakes its waiters at once), in ms. */
      pollMs: int(10).default(250),
      /** `concurrency()` / `rateLimit()` / tag limits on a name with no limit: an error instead of a warning. */
      strict: bool.default(false),
    })
    .prefault({}),
  scheduler: z
    .object({
      /** How often the server's scheduler creates runs ahead and marks late runs, in seconds. */
      intervalSeconds: z.coerce.number().positive().max(3_600).default(5),
      /** A scheduled run not started this long after its time becomes Late (or is cancelled when its deployment skips late runs), in seconds. */
      lateAfterSeconds: z.coerce.number().min(0).max(86_400).default(15),
    })
    .prefault({}),
  run: z
    .object({
      /** `weft run` / `weft runs retry`: cancel the run when the process that launched weft exits (npm, npx, a shell, a CI step killed without passing the signal on). */
      cancelOnLauncherExit: bool.default(true),
    })
    .prefault({}),
  agent: z
    .object({
      /** How often `weft agent` tells the server it is alive and learns of cancels, in ms. */
      heartbeatIntervalMs: int(10).default(2_000),
      /** How long a cancelled run's process has to stop after SIGTERM before it is killed, in ms. */
      killGraceMs: int(0).default(10_000),
      /** How many booted `weft runs execute` processes an agent keeps waiting for a run (one per free slot at most), so a due run starts without waiting for Node; 0 starts each when its run is claimed. */
      warmProcesses: int(0).max(64).default(4),
    })
    .prefault({}),
  secrets: z
    .object({
      /** The key secrets are encrypted with: base64 of 32 bytes; empty means the key file `WEFT_HOME/secrets.key` (created, mode 0600, on first use). */
      key: z.string().default(''),
    })
    .prefault({}),
  events: z
    .object({
      /** Recorded events older than this are deleted by the server, in days. */
      retentionDays: z.coerce.number().positive().max(3_650).default(7),
      /**
       * Record an event for every task-run state change (what automations on task runs need). Off,
       * task runs add no events (three per task run otherwise), which roughly halves the recording
       * cost of a run of many small tasks; flow-run, deployment, pool and user events are kept.
       */
      taskRuns: bool.default(true),
    })
    .prefault({}),
  notifications: z
    .object({
      /** Let notification and webhook actions post to private, loopback and link-local addresses (off: they are refused). */
      allowPrivateUrls: bool.default(false),
      /** The web UI's base URL used in notifications' run links; empty means `http://SERVER_HOST:SERVER_PORT` + the path prefix. */
      uiUrl: z.string().max(2_000).default(''),
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
  /** Secrets at rest. Env `WEFT_SECRETS_KEY` (base64 of 32 bytes; empty: the key file `WEFT_HOME/secrets.key`). */
  readonly secrets: { readonly key: string };
  /** Recorded events. Env `WEFT_EVENTS_RETENTION_DAYS` (default 7), `WEFT_EVENTS_TASK_RUNS` (default true). */
  readonly events: { readonly retentionDays: number; readonly taskRuns: boolean };
  /** Automations' notifications. Env `WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS` (default false), `WEFT_NOTIFICATIONS_UI_URL`. */
  readonly notifications: { readonly allowPrivateUrls: boolean; readonly uiUrl: string };
  /** Concurrency and rate limits. Env `WEFT_LIMITS_LEASE_SECONDS`, `WEFT_LIMITS_POLL_MS`, `WEFT_LIMITS_STRICT`. */
  readonly limits: { readonly leaseSeconds: number; readonly pollMs: number; readonly strict: boolean };
  /** The server's scheduler. Env `WEFT_SCHEDULER_INTERVAL_SECONDS` (default 5), `WEFT_SCHEDULER_LATE_AFTER_SECONDS` (default 15). */
  readonly scheduler: { readonly intervalSeconds: number; readonly lateAfterSeconds: number };
  /** `weft run` and `weft runs retry`. Env `WEFT_RUN_CANCEL_ON_LAUNCHER_EXIT` (set it `false` for `nohup weft run … &`). @default true */
  readonly run: { readonly cancelOnLauncherExit: boolean };
  readonly results: { readonly defaultStorage: string; readonly persistByDefault: boolean; readonly defaultSerializer: string; readonly memoryCacheSize: number };
  readonly tasks: { readonly refreshCache: boolean; readonly disableCaching: boolean; readonly runner: 'concurrent' | 'cluster' };
  /** The distributed cluster. Env `WEFT_CLUSTER_ADDRESS`, `WEFT_CLUSTER_MAX_INLINE_BYTES`, `WEFT_CLUSTER_LOCK_SECONDS`, `WEFT_CLUSTER_UNREACHABLE_SECONDS`, `WEFT_CLUSTER_TLS_CA_FILE`, `WEFT_CLUSTER_TLS_CERT_FILE`, `WEFT_CLUSTER_TLS_KEY_FILE`. */
  readonly cluster: {
    readonly address: string;
    readonly maxInlineBytes: number;
    readonly lockSeconds: number;
    readonly unreachableSeconds: number;
    readonly tlsCaFile: string;
    readonly tlsCertFile: string;
    readonly tlsKeyFile: string;
  };
  /** Client mode. Env `WEFT_API_URL`, `WEFT_API_KEY`, `WEFT_API_HEARTBEAT_INTERVAL_MS`, `WEFT_API_TIMEOUT_MS`, `WEFT_API_RETRY_MS`. */
  readonly api: {
    readonly url: string;
    readonly key: string;
    readonly heartbeatIntervalMs: number;
    readonly timeoutMs: number;
    readonly retryMs: number;
  };
  /** `weft agent start`. Env `WEFT_AGENT_HEARTBEAT_INTERVAL_MS`, `WEFT_AGENT_KILL_GRACE_MS`, `WEFT_AGENT_WARM_PROCESSES`. */
  readonly agent: { readonly heartbeatIntervalMs: number; readonly killGraceMs: number; readonly warmProcesses: number };
  /** `weft server start`. Env `WEFT_SERVER_HOST`, `WEFT_SERVER_PORT`, `WEFT_SERVER_API_KEY`, `WEFT_SERVER_CRASH_TIMEOUT_MS`, `WEFT_SERVER_BODY_LIMIT_BYTES`, `WEFT_SERVER_PROJECT_DIRS`, `WEFT_SERVER_PATH_PREFIX`. */
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly apiKey: string;
    readonly crashTimeoutMs: number;
    readonly bodyLimitBytes: number;
    /** Env `WEFT_SERVER_PROJECT_DIRS`. @default '' (the directory the server starts in) */
    readonly projectDirs: string;
    readonly pathPrefix: string;
    /** Env `WEFT_SERVER_RESUME_LINK_SECRET`. @default '' (a key file under WEFT_HOME) */
    readonly resumeLinkSecret: string;
    /** Env `WEFT_SERVER_ALLOWED_HOSTS`: more Host names a loopback server without an API key answers. @default '' */
    readonly allowedHosts: string;
  };
}

const ENV_KEYS: Record<string, readonly [string, string]> = {
  WEFT_LOGGING_LEVEL: ['logging', 'level'],
  WEFT_LOGGING_CONSOLE_LEVEL: ['logging', 'consoleLevel'],
  WEFT_DATABASE_URL: ['database', 'url'],
  WEFT_DATABASE_BUSY_TIMEOUT_MS: ['database', 'busyTimeoutMs'],
  WEFT_RECORDING_FLUSH_INTERVAL_MS: ['recording', 'flushIntervalMs'],
  WEFT_RECORDING_BATCH_SIZE: ['recording', 'batchSize'],
  WEFT_LIMITS_LEASE_SECONDS: ['limits', 'leaseSeconds'],
  WEFT_LIMITS_POLL_MS: ['limits', 'pollMs'],
  WEFT_LIMITS_STRICT: ['limits', 'strict'],
  WEFT_RUN_CANCEL_ON_LAUNCHER_EXIT: ['run', 'cancelOnLauncherExit'],
  WEFT_API_URL: ['api', 'url'],
  WEFT_API_KEY: ['api', 'key'],
  WEFT_API_HEARTBEAT_INTERVAL_MS: ['api', 'heartbeatIntervalMs'],
  WEFT_API_TIMEOUT_MS: ['api', 'timeoutMs'],
  WEFT_API_RETRY_MS: ['api', 'retryMs'],
  WEFT_AGENT_HEARTBEAT_INTERVAL_MS: ['agent', 'heartbeatIntervalMs'],
  WEFT_AGENT_KILL_GRACE_MS: ['agent', 'killGraceMs'],
  WEFT_AGENT_WARM_PROCESSES: ['agent', 'warmProcesses'],
  WEFT_SERVER_HOST: ['server', 'host'],
  WEFT_SERVER_PORT: ['server', 'port'],
  WEFT_SERVER_API_KEY: ['server', 'apiKey'],
  WEFT_SERVER_CRASH_TIMEOUT_MS: ['server', 'crashTimeoutMs'],
  WEFT_SERVER_BODY_LIMIT_BYTES: ['server', 'bodyLimitBytes'],
  WEFT_SERVER_PROJECT_DIRS: ['server', 'projectDirs'],
  WEFT_SERVER_PATH_PREFIX: ['server', 'pathPrefix'],
  WEFT_SERVER_RESUME_LINK_SECRET: ['server', 'resumeLinkSecret'],
  WEFT_SERVER_ALLOWED_HOSTS: ['server', 'allowedHosts'],
  WEFT_SCHEDULER_INTERVAL_SECONDS: ['scheduler', 'intervalSeconds'],
  WEFT_SCHEDULER_LATE_AFTER_SECONDS: ['scheduler', 'lateAfterSeconds'],
  WEFT_RESULTS_DEFAULT_STORAGE: ['results', 'defaultStorage'],
  WEFT_RESULTS_PERSIST_BY_DEFAULT: ['results', 'persistByDefault'],
  WEFT_RESULTS_DEFAULT_SERIALIZER: ['results', 'defaultSerializer'],
  WEFT_RESULTS_MEMORY_CACHE_SIZE: ['results', 'memoryCacheSize'],
  WEFT_TASKS_REFRESH_CACHE: ['tasks', 'refreshCache'],
  WEFT_TASKS_DISABLE_CACHING: ['tasks', 'disableCaching'],
  WEFT_TASKS_RUNNER: ['tasks', 'runner'],
  WEFT_TASK_RUNNER: ['tasks', 'runner'], // the short form, as Prefect 1's executor setting was used
  WEFT_CLUSTER_ADDRESS: ['cluster', 'address'],
  WEFT_CLUSTER_MAX_INLINE_BYTES: ['cluster', 'maxInlineBytes'],
  WEFT_CLUSTER_LOCK_SECONDS: ['cluster', 'lockSeconds'],
  WEFT_CLUSTER_UNREACHABLE_SECONDS: ['cluster', 'unreachableSeconds'],
  WEFT_CLUSTER_TLS_CA_FILE: ['cluster', 'tlsCaFile'],
  WEFT_CLUSTER_TLS_CERT_FILE: ['cluster', 'tlsCertFile'],
  WEFT_CLUSTER_TLS_KEY_FILE: ['cluster', 'tlsKeyFile'],
  WEFT_SECRETS_KEY: ['secrets', 'key'],
  WEFT_EVENTS_RETENTION_DAYS: ['events', 'retentionDays'],
  WEFT_EVENTS_TASK_RUNS: ['events', 'taskRuns'],
  WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS: ['notifications', 'allowPrivateUrls'],
  WEFT_NOTIFICATIONS_UI_URL: ['notifications', 'uiUrl'],
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

/** This process's environment with some variables set, for a child process Weft starts. */
export function environmentWith(overrides: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/**
 * `settings` as the WEFT_* variables that give them back (WEFT_HOME included; an unset optional
 * setting as an empty variable, which loadSettings ignores): a child process Weft starts gets the
 * settings of its parent, not whatever the parent's environment happened to hold.
 * @example
 * spawn(process.execPath, args, { env: environmentWith(settingsEnvironment(settings)) });
 */
export function settingsEnvironment(settings: Settings): Record<string, string> {
  const env: Record<string, string> = { WEFT_HOME: settings.home };
  for (const [key, [section, field]] of Object.entries(ENV_KEYS)) {
    const value = (settings as unknown as Record<string, Record<string, unknown>>)[section]?.[field];
    env[key] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  }
  return env;
}
