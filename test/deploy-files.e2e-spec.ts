import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { loadConfig, UnsafeProductionConfigError } from '../src/config/load-config';

/**
 * Structure checks of the deployment files that no engine runs here (docker, compose, systemd) and of the
 * production env example. They read the files as data: a hardening key removed by mistake fails CI.
 */
const ROOT = process.cwd();
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  mem_limit?: string;
  cpus?: number | string;
  deploy?: { resources?: { limits?: { memory?: string; cpus?: string | number } } };
  ports?: unknown[];
  volumes?: Array<string | { target?: string; read_only?: boolean }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  env_file?: string | string[];
  environment?: Record<string, string> | string[];
  networks?: string[] | Record<string, unknown>;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
}

/** Services allowed to run as container root: each with the reason (it is also commented in the compose file). */
const ROOT_USER_EXCEPTIONS: Record<string, string> = {
  minio: 'fresh named volume is root-owned; runs with no capabilities, no-new-privileges, read-only root',
};

describe('docker/docker-compose.yml', () => {
  const compose = parseYaml(read('docker/docker-compose.yml'), { merge: true }) as ComposeFile;
  const services = Object.entries(compose.services);

  it('has the app twice, PostgreSQL, Redis, MinIO and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app1', 'app2', 'minio', 'nginx', 'postgres', 'redis']);
    expect(compose.services.postgres.image).toMatch(/^postgres:16/);
    expect(compose.services.redis.image).toMatch(/^redis:7/);
    expect(compose.services.nginx.image).toMatch(/^nginx:1\.27-alpine/);
    expect(compose.services.minio.image).toMatch(/^minio\/minio:RELEASE\./);
    for (const app of ['app1', 'app2']) {
      expect(compose.services[app].build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
      expect(compose.services[app].env_file).toEqual(['../.env.production']);
    }
  });

  it.each(services)('%s: read-only root, no capabilities, no-new-privileges, healthcheck, limits', (name, service) => {
    expect(service.read_only, `${name}.read_only`).toBe(true);
    expect(service.cap_drop, `${name}.cap_drop`).toContain('ALL');
    expect(service.cap_add ?? [], `${name}.cap_add`).toEqual([]);
    expect(service.security_opt, `${name}.security_opt`).toContain('no-new-privileges:true');
    expect(service.healthcheck?.test, `${name}.healthcheck`).toBeDefined();
    expect(service.healthcheck?.disable).not.toBe(true);
    const memory = service.mem_limit ?? service.deploy?.resources?.limits?.memory;
    const cpus = service.cpus ?? service.deploy?.resources?.limits?.cpus;
    expect(memory, `${name} memory limit`).toMatch(/^\d+[kmg]$/i);
    expect(Number(cpus), `${name} CPU limit`).toBeGreaterThan(0);
    if (!(name in ROOT_USER_EXCEPTIONS)) {
      expect(service.user, `${name}.user`).toMatch(/^[1-9]\d*(:\d+)?$/);
    }
  });

  it('publishes ports only on nginx', () => {
    for (const [name, service] of services) {
      if (name === 'nginx') expect(service.ports).toEqual(['80:8080', '443:8443']);
      else expect(service.ports, `${name}.ports`).toBeUndefined();
    }
  });

  it('mounts every nginx volume read-only (config, snippets, certificates, ACME webroot)', () => {
    const volumes = compose.services.nginx.volumes ?? [];
    expect(volumes.length).toBeGreaterThanOrEqual(2);
    for (const volume of volumes) expect(volume).toMatch(/:ro$/);
    expect(volumes).toContain('../nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('orders start-up by health: every depends_on waits for service_healthy', () => {
    for (const [name, service] of services) {
      if (service.depends_on === undefined) continue;
      expect(Array.isArray(service.depends_on), `${name}.depends_on must use the long form`).toBe(false);
      for (const [dependency, spec] of Object.entries(service.depends_on)) {
        expect(spec.condition, `${name} -> ${dependency}`).toBe('service_healthy');
        expect(compose.services[dependency], `${name} depends on unknown ${dependency}`).toBeDefined();
      }
    }
    expect(Object.keys(compose.services.nginx.depends_on ?? {})).toEqual(expect.arrayContaining(['app1', 'app2']));
  });

  it('keeps the databases on an internal network and data in named volumes', () => {
    expect(compose.networks?.internal?.internal).toBe(true);
    for (const name of ['postgres', 'redis', 'minio']) {
      expect(compose.services[name].networks).toEqual(['internal']);
      const volume = String(compose.services[name].volumes?.[0] ?? '');
      const named = volume.split(':')[0];
      expect(compose.volumes, `${name} volume ${named}`).toHaveProperty(named);
    }
    expect(compose.services.nginx.networks).toEqual(['edge']);
  });

  it('puts no secret into the compose file itself', () => {
    for (const [name, service] of services) {
      const env = service.environment ?? {};
      const entries = Array.isArray(env) ? env.map((line) => line.split('=')) : Object.entries(env);
      for (const [key, value] of entries) {
        if (/SECRET|PASSWORD|TOKEN|_KEY$/.test(key) && !key.endsWith('_FILE')) {
          throw new Error(`${name}: ${key}=${String(value)} belongs in the env file or a secret file`);
        }
      }
    }
    expect(read('docker/docker-compose.yml')).not.toMatch(/minioadmin|POSTGRES_PASSWORD:/);
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const froms = instructions.filter((line) => /^FROM\s/i.test(line));

  it('is multi-stage with a Node 24 slim runtime', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:24-slim\b/);
    expect(instructions).toContain('RUN npm run build');
    expect(instructions.some((line) => /^RUN npm ci --omit=dev\b/.test(line))).toBe(true);
  });

  it('runs as a non-root user with a healthcheck on /health/ready', () => {
    const runtime = instructions.slice(instructions.lastIndexOf(froms[froms.length - 1]));
    const user = runtime.filter((line) => /^USER\s/.test(line)).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/);
    expect(user).toMatch(/^USER 10001(:10001)?$/);
    const healthcheck = runtime.find((line) => /^HEALTHCHECK\s/.test(line));
    expect(healthcheck).toMatch(/\/health\/ready/);
    expect(healthcheck).not.toMatch(/curl|wget/);
    expect(runtime).toContain('WORKDIR /app');
  });

  it('copies only dist/, node_modules and package.json into the runtime', () => {
    const runtime = instructions.slice(instructions.lastIndexOf(froms[froms.length - 1]));
    const copies = runtime.filter((line) => /^COPY\s/.test(line)).map((line) => line.split(/\s+/).slice(-1)[0]);
    expect(copies.sort()).toEqual(['./', './dist', './node_modules']);
    expect(runtime).toContain('COPY package.json ./');
  });

  it('sets NODE_ENV=production and puts no secret into ENV, ARG or LABEL', () => {
    expect(instructions.some((line) => /^ENV\b.*\bNODE_ENV=production\b/.test(line))).toBe(true);
    for (const line of instructions.filter((l) => /^(ENV|ARG|LABEL)\s/.test(l))) {
      expect(line, line).not.toMatch(/SECRET|PASSWORD|TOKEN|[A-Z_]*KEY\b/);
    }
    expect(dockerfile).not.toMatch(/COPY[^\n]*\.env/);
  });

  it('.dockerignore keeps secrets, local state and build output out of the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['node_modules', 'dist', 'data', '.env', '.env.*', '.git', 'coverage', 'artifacts', 'test', 'secrets']) {
      expect(ignored, entry).toContain(entry);
    }
    expect(ignored.filter((line) => line.startsWith('!'))).toEqual(['!README.md']);
  });
});

describe('deploy/systemd/vertex-ar.service', () => {
  const unit = read('deploy/systemd/vertex-ar.service');
  const directives = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) directives.set(match[1], [...(directives.get(match[1]) ?? []), match[2]]);
  }
  const value = (key: string): string | undefined => directives.get(key)?.at(-1);

  it('has the sandboxing and lifecycle directives', () => {
    const required: Record<string, string> = {
      User: 'vertex-ar',
      Group: 'vertex-ar',
      WorkingDirectory: '/opt/vertex-ar',
      EnvironmentFile: '/etc/vertex-ar/vertex-ar.env',
      ExecStart: '/usr/bin/node /opt/vertex-ar/dist/src/main.js',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ReadWritePaths: '/var/lib/vertex-ar',
      CapabilityBoundingSet: '',
      AmbientCapabilities: '',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
      SystemCallArchitectures: 'native',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      RestrictRealtime: 'yes',
      RestrictSUIDSGID: 'yes',
      UMask: '0077',
      Restart: 'on-failure',
      TimeoutStopSec: '30',
      KillSignal: 'SIGTERM',
      SyslogIdentifier: 'vertex-ar',
      StandardOutput: 'journal',
    };
    for (const [key, expected] of Object.entries(required)) expect(value(key), key).toBe(expected);
    expect(directives.get('SystemCallFilter')?.[0]).toBe('@system-service');
    expect(directives.get('Environment')).toContain('NODE_ENV=production');
  });

  it('does not set MemoryDenyWriteExecute (V8 JIT needs writable-then-executable pages) and says why', () => {
    expect(directives.has('MemoryDenyWriteExecute')).toBe(false);
    expect(unit).toMatch(/MemoryDenyWriteExecute is deliberately NOT set: V8/);
  });

  it('stops within TimeoutStopSec: the app drains for at most SHUTDOWN_GRACE_MS (25 s)', () => {
    expect(Number(value('TimeoutStopSec'))).toBeGreaterThan(25);
  });

  const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
  const hasSystemdAnalyze = analyze.status === 0;
  it.skipIf(!hasSystemdAnalyze)('passes `systemd-analyze verify` without any warning (skipped: systemd-analyze not installed)', () => {
    const result = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy/systemd/vertex-ar.service')], { encoding: 'utf8' });
    // verify exits 0 on unknown keys and unparsable values and only prints them, so any output is a failure.
    // The one tolerated line: this machine has no /usr/bin/node (the unit targets Debian's nodejs package).
    const tolerated = existsSync('/usr/bin/node') ? [] : [/Command \/usr\/bin\/node is not executable/];
    const problems = `${result.stdout}\n${result.stderr}`
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !tolerated.some((pattern) => pattern.test(line)));
    expect(problems).toEqual([]);
    if (tolerated.length === 0) expect(result.status).toBe(0);
  });

  it.skipIf(!hasSystemdAnalyze)('scores "OK" or better in `systemd-analyze security --offline=yes`', () => {
    const output = execFileSync('systemd-analyze', ['security', '--offline=yes', join(ROOT, 'deploy/systemd/vertex-ar.service')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const score = Number(/Overall exposure level for .*: (\d+(?:\.\d+)?)/.exec(output)?.[1]);
    expect(score).toBeLessThanOrEqual(2);
  });
});

function unitDirectives(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) directives.set(match[1], [...(directives.get(match[1]) ?? []), match[2]]);
  }
  return directives;
}

describe('deploy/systemd/vertex-ar-backup.service and .timer', () => {
  const service = unitDirectives(read('deploy/systemd/vertex-ar-backup.service'));
  const timer = unitDirectives(read('deploy/systemd/vertex-ar-backup.timer'));
  const value = (units: Map<string, string[]>, key: string): string | undefined => units.get(key)?.at(-1);

  it('is a sandboxed oneshot running `backup create full` as the service user', () => {
    const required: Record<string, string> = {
      Type: 'oneshot',
      User: 'vertex-ar',
      Group: 'vertex-ar',
      WorkingDirectory: '/opt/vertex-ar',
      EnvironmentFile: '/etc/vertex-ar/vertex-ar.env',
      ExecStart: '/usr/bin/node /opt/vertex-ar/dist/src/cli.js backup create full',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      ReadWritePaths: '/var/lib/vertex-ar /var/lib/vertex-ar-backups',
      CapabilityBoundingSet: '',
      UMask: '0077',
      StandardOutput: 'journal',
      StandardError: 'journal',
      SyslogIdentifier: 'vertex-ar-backup',
    };
    for (const [key, expected] of Object.entries(required)) expect(value(service, key), key).toBe(expected);
    expect(service.get('Environment')).toEqual(expect.arrayContaining(['NODE_ENV=production', 'BACKUP_DIR=/var/lib/vertex-ar-backups']));
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
    expect(service.has('Restart')).toBe(false);
  });

  it('the timer runs it daily and catches up after downtime', () => {
    expect(value(timer, 'OnCalendar')).toMatch(/^(daily|\*-\*-\* \d\d:\d\d:\d\d( UTC)?)$/);
    expect(value(timer, 'Persistent')).toBe('true');
    expect(value(timer, 'Unit')).toBe('vertex-ar-backup.service');
    expect(value(timer, 'WantedBy')).toBe('timers.target');
  });

  const hasSystemdAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasSystemdAnalyze)('both pass `systemd-analyze verify` without any output (skipped: systemd-analyze not installed)', () => {
    const files = ['deploy/systemd/vertex-ar-backup.service', 'deploy/systemd/vertex-ar-backup.timer'].map((file) => join(ROOT, file));
    const result = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
    const tolerated = existsSync('/usr/bin/node') ? [] : [/Command \/usr\/bin\/node is not executable/];
    const problems = `${result.stdout}\n${result.stderr}`
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !tolerated.some((pattern) => pattern.test(line)));
    expect(problems).toEqual([]);
    if (tolerated.length === 0) expect(result.status).toBe(0);
  });
});

describe('.env.production.example', () => {
  const text = read('.env.production.example');
  const values = parseDotenv(text);
  const schemaVariables = [...read('src/config/env.schema.ts').matchAll(/^\s*(?:@[^\n]*\s)?([A-Z][A-Z0-9_]+)\?:/gm)].map((m) => m[1]);

  it('documents every variable of src/config/env.schema.ts, plus METRICS_TOKEN', () => {
    expect(schemaVariables.length).toBeGreaterThan(30);
    const documented = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const missing = [...schemaVariables, 'METRICS_TOKEN'].filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it('.env.example (development) documents every schema variable too', () => {
    const development = read('.env.example');
    const documented = new Set([...development.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(schemaVariables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('has the hardened production values', () => {
    expect(values).toMatchObject({
      NODE_ENV: 'production',
      TRUST_PROXY_HOPS: '1',
      RATE_LIMIT_ENABLED: 'true',
      SWAGGER_ENABLED: 'false',
      DATABASE_SYNCHRONIZE: 'false',
    });
    expect(values.BASE_URL).toMatch(/^https:\/\//);
    expect(values.CORS_ORIGINS.split(',').every((origin) => origin.startsWith('https://'))).toBe(true);
    expect(values.REDIS_URL).toMatch(/^rediss?:\/\//);
    expect(values.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(values.SMTP_USERNAME).toBeUndefined();
    expect(values.SMTP_PASSWORD).toBeUndefined();
  });

  it('contains no usable secret: every secret is a <changeme: ...> placeholder', () => {
    for (const [key, value] of Object.entries(values)) {
      if (/(SECRET|PASSWORD|_TOKEN|_KEY)$/.test(key)) expect(value, key).toMatch(/^<changeme: [^>]+>$/);
      if (/^(DATABASE_URL|REDIS_URL)$/.test(key)) expect(new URL(value).password, key).toMatch(/^%3Cchangeme/);
      // No long random-looking token anywhere (a real key pasted by mistake).
      expect(value, key).not.toMatch(/[A-Za-z0-9+/_=-]{24,}/);
    }
    expect(values.DATA_ENCRYPTION_PREVIOUS_KEYS).toBe('');
  });

  it('is refused by the production safeguards while the placeholders are left in', () => {
    const env = { ...values, DATA_DIR: join(ROOT, 'data', 'never-created') };
    let error: unknown;
    try {
      loadConfig(env, ROOT);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnsafeProductionConfigError);
    expect((error as UnsafeProductionConfigError).problems).toEqual(
      expect.arrayContaining(['JWT_SECRET is a default or well-known value', 'DATA_ENCRYPTION_KEY is a default or well-known value']),
    );
  });
});

describe('nginx/nginx.conf', () => {
  it('is the template rendered with the production values (no hand edits)', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'nginx/render.mjs'), '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('adds security headers only in locations that do not proxy', () => {
    const conf = read('nginx/nginx.conf');
    // No add_header at http/server level: it would be inherited by proxied locations and duplicate the app's.
    const outsideLocations = conf.replace(/location[^{]*\{[^}]*\}/g, '');
    expect(outsideLocations).not.toMatch(/add_header|include snippets\/security-headers\.conf/);
    for (const block of conf.match(/location[^{]*\{[^}]*\}/g) ?? []) {
      if (block.includes('include snippets/proxy.conf')) {
        expect(block, block).not.toMatch(/security-headers|Content-Security-Policy|Strict-Transport-Security/);
      }
    }
    const proxy = read('nginx/snippets/proxy.conf').replace(/^\s*#.*$/gm, '');
    expect(proxy).not.toMatch(/add_header|\$proxy_add_x_forwarded_for/);
    expect(proxy).toMatch(/^proxy_set_header X-Forwarded-For \$remote_addr;$/m);
  });
});
