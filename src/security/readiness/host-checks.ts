import { statSync, type Stats } from 'node:fs';
import type { AppConfig } from '@app/config/app-config';
import { item, type AdminFact, type ReadinessItem, type ReadinessStatus } from './readiness.types';

const PASSWORD_MAX_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

function stat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

export function envFileCheck(config: AppConfig): ReadinessItem {
  const path = config.app.envFile;
  const title = '.env file is readable only by its owner';
  const stats = stat(path);
  if (!stats) return item('env-file-permissions', title, 3, 'pass', `no .env file at ${path}; configuration comes from the environment`);
  const open = (stats.mode & 0o077) !== 0;
  return item(
    'env-file-permissions',
    title,
    3,
    open ? 'fail' : 'pass',
    `${path} has mode ${octal(stats.mode)}${open ? ': group or others can read or change the secrets in it' : ''}`,
    `chmod 600 ${path} (owned by the service user), or better, use a systemd EnvironmentFile / secret store.`,
  );
}

/** World-readable or -writable → fail, group-writable → warn. */
function judgeFolder(path: string, stats: Stats): { status: ReadinessStatus; text: string } {
  const mode = stats.mode;
  if (mode & 0o002) return { status: 'fail', text: `${path} is world-writable (${octal(mode)})` };
  if (mode & 0o004) return { status: 'fail', text: `${path} is world-readable (${octal(mode)})` };
  if (mode & 0o020) return { status: 'warn', text: `${path} is group-writable (${octal(mode)})` };
  return { status: 'pass', text: `${path} ${octal(mode)}` };
}

export function dataDirCheck(config: AppConfig): ReadinessItem {
  const title = 'Data and storage folders are private';
  const advice = `chmod 700 the data folders (owned by the service user): ${config.app.dataDir}, ${config.storage.root}, ${config.backup.dir}.`;
  const dataStats = stat(config.app.dataDir);
  if (!dataStats) return item('data-dir-permissions', title, 2, 'warn', `${config.app.dataDir} does not exist`, advice);
  const results = [judgeFolder(config.app.dataDir, dataStats)];
  const storageStats = stat(config.storage.root);
  if (storageStats) results.push(judgeFolder(config.storage.root, storageStats));
  const backupStats = stat(config.backup.dir);
  if (backupStats) results.push(judgeFolder(config.backup.dir, backupStats));
  const status: ReadinessStatus = results.some((r) => r.status === 'fail')
    ? 'fail'
    : results.some((r) => r.status === 'warn')
      ? 'warn'
      : 'pass';
  const detail = results.map((r) => r.text).join('; ') + (backupStats ? '' : `; ${config.backup.dir} not created yet`);
  return item('data-dir-permissions', title, 2, status, detail, advice);
}

function list(admins: AdminFact[]): string {
  const shown = admins.slice(0, 5).map((admin) => admin.email);
  return admins.length > shown.length ? `${shown.join(', ')} and ${admins.length - shown.length} more` : shown.join(', ');
}

export function adminAccountsCheck(admins: AdminFact[] | null, now: Date): ReadinessItem {
  const title = `Admin accounts are in use and their passwords younger than ${PASSWORD_MAX_AGE_DAYS} days`;
  const advice = 'Have each admin change the password (POST /api/v1/auth/change-password); disable or delete admin accounts nobody uses.';
  if (admins === null) return item('admin-accounts', title, 2, 'warn', 'could not read the users table', advice);
  if (admins.length === 0) {
    return item('admin-accounts', title, 2, 'warn', 'no active admin account', 'Create one with `npm run cli -- user:create-admin`.');
  }
  const cutoff = now.getTime() - PASSWORD_MAX_AGE_DAYS * DAY_MS;
  const old = admins.filter((admin) => admin.passwordChangedAt.getTime() < cutoff);
  const unused = admins.filter((admin) => admin.lastLoginAt === null);
  const problems = [
    old.length > 0 ? `password older than ${PASSWORD_MAX_AGE_DAYS} days: ${list(old)}` : null,
    unused.length > 0 ? `never signed in: ${list(unused)}` : null,
  ].filter((text): text is string => text !== null);
  const detail = `${admins.length} active admin(s)${problems.length > 0 ? `; ${problems.join('; ')}` : ''}`;
  return item('admin-accounts', title, 2, problems.length > 0 ? 'warn' : 'pass', detail, advice);
}
