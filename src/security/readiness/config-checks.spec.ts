import { loadConfig } from '@app/config/load-config';
import { backupsCheck, smtpCheck } from './config-checks';

const now = new Date('2026-12-04T12:00:00Z');
const hoursAgo = (hours: number): Date => new Date(now.getTime() - hours * 3_600_000);
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'j'.repeat(40), DATA_ENCRYPTION_KEY: 'k'.repeat(40), DATA_DIR: '/tmp' });

describe('readiness: backups', () => {
  it.each([
    ['no backup yet', null, 'warn'],
    ['unreadable', undefined, 'warn'],
    ['recent and verified', { completedAt: hoursAgo(3), verified: true }, 'pass'],
    ['recent, never verified', { completedAt: hoursAgo(3), verified: null }, 'warn'],
    ['recent, verification failed', { completedAt: hoursAgo(3), verified: false }, 'warn'],
    ['older than 26 h', { completedAt: hoursAgo(30), verified: true }, 'fail'],
  ] as const)('%s → %s', (_label, fact, status) => {
    expect(backupsCheck(fact, now).status).toBe(status);
  });
});

describe('readiness: SMTP', () => {
  it.each([
    ['not configured', null, 'warn'],
    ['configured, encrypted, enabled', { enabled: true, hasPassword: true, passwordEncrypted: true }, 'pass'],
    ['password not in the encrypted format', { enabled: true, hasPassword: true, passwordEncrypted: false }, 'fail'],
    ['disabled', { enabled: false, hasPassword: true, passwordEncrypted: true }, 'warn'],
  ] as const)('%s → %s', (_label, fact, status) => {
    expect(smtpCheck(config, fact).status).toBe(status);
  });
});
