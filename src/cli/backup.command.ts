import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { BackupQueries } from '@app/backup/backup-queries.service';
import { BackupService } from '@app/backup/backup.service';
import { BACKUP_KINDS, type BackupKind } from '@app/backup/backup.entity';
import { fail, say } from './cli-io';
import { SchemaService } from './schema.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const mb = (bytes: number | null | undefined): string => `${((bytes ?? 0) / 1024 / 1024).toFixed(1)} MB`;

function backupId(params: string[]): string | null {
  const id = params[0]?.toLowerCase();
  if (!id || !UUID.test(id)) {
    fail('give the backup id (a UUID, see `backup list`)');
    return null;
  }
  return id;
}

@SubCommand({ name: 'create', arguments: '[kind]', description: `Create a backup now: ${BACKUP_KINDS.join('|')} (default full)` })
export class BackupCreateCommand extends CommandRunner {
  constructor(
    private readonly schema: SchemaService,
    private readonly backups: BackupService,
  ) {
    super();
  }

  async run(params: string[]): Promise<void> {
    const kind = (params[0] ?? 'full') as BackupKind;
    if (!BACKUP_KINDS.includes(kind)) return fail(`unknown kind "${params[0]}": use ${BACKUP_KINDS.join(', ')}`);
    await this.schema.ensureMigrated();
    const row = await this.backups.execute((await this.backups.request(kind, 'cli', null)).id);
    if (row.status !== 'complete') return fail(`backup ${row.id} failed: ${row.error ?? 'unknown error'}`);
    say(`backup ${row.id} complete: ${kind}, ${mb(row.size)}, ${row.summary.rows ?? 0} rows, ${row.summary.objects ?? 0} objects`);
    if (row.summary.remote) say(`off-site copy: ${row.summary.remote.ok ? 'ok' : `FAILED (${row.summary.remote.message ?? ''})`}`);
  }
}

@SubCommand({ name: 'list', description: 'List backups (newest first)' })
export class BackupListCommand extends CommandRunner {
  constructor(
    private readonly schema: SchemaService,
    private readonly backups: BackupService,
    private readonly queries: BackupQueries,
  ) {
    super();
  }

  async run(): Promise<void> {
    await this.schema.ensureMigrated();
    await this.backups.reconcile();
    const page = await this.queries.list({ limit: 100 });
    if (page.items.length === 0) return say('no backups');
    say(`${'ID'.padEnd(36)}  ${'KIND'.padEnd(8)}  ${'STATUS'.padEnd(8)}  ${'SIZE'.padStart(10)}  CREATED                   VERIFIED`);
    for (const row of page.items) {
      const verified = row.verifyResult ? (row.verifyResult.ok ? 'ok' : 'FAILED') : '-';
      say(
        `${row.id}  ${row.kind.padEnd(8)}  ${row.status.padEnd(8)}  ${mb(row.size).padStart(10)}  ${row.createdAt.toISOString()}  ${verified}`,
      );
    }
  }
}

@SubCommand({ name: 'verify', arguments: '<id>', description: 'Check every checksum and test-restore into a scratch database' })
export class BackupVerifyCommand extends CommandRunner {
  constructor(
    private readonly schema: SchemaService,
    private readonly backups: BackupService,
  ) {
    super();
  }

  async run(params: string[]): Promise<void> {
    const id = backupId(params);
    if (!id) return;
    await this.schema.ensureMigrated();
    await this.backups.reconcile();
    const row = await this.backups.verify(id).catch((error: unknown) => {
      fail(error instanceof Error && /not found/i.test(error.message) ? `no backup ${id}` : String((error as Error).message));
      return null;
    });
    if (!row?.verifyResult) return;
    for (const line of row.verifyResult.checks) say(line);
    if (!row.verifyResult.ok) return fail(`verification failed: ${row.verifyResult.error ?? 'unknown error'}`);
    say(`backup ${id} verified`);
  }
}

interface RestoreOptions {
  yes?: boolean;
}

@SubCommand({
  name: 'restore',
  arguments: '<id>',
  description: 'Replace the database and stored objects with a backup (stop the service first)',
})
export class BackupRestoreCommand extends CommandRunner {
  constructor(private readonly backups: BackupService) {
    super();
  }

  async run(params: string[], options: RestoreOptions): Promise<void> {
    const id = backupId(params);
    if (!id) return;
    if (!options.yes) return fail('restore replaces every table of the configured database: add --yes to confirm');
    const { manifest, report } = await this.backups.restore(id);
    say(`restored backup ${id} (${manifest.kind}, made ${manifest.createdAt} by version ${manifest.appVersion})`);
    if (manifest.database) {
      say(
        `database: migrated to ${manifest.migration} (${report.migrationsToBackupVersion.length} migrations), loaded ${Object.keys(report.rowsLoaded).length} tables, ${Object.values(report.rowsLoaded).reduce((a, b) => a + b, 0)} rows${report.replicaMode ? '' : ' (FK order, no replica mode)'}`,
      );
      say(
        report.remainingMigrations.length === 0 ? 'no newer migrations to apply' : `then applied: ${report.remainingMigrations.join(', ')}`,
      );
    }
    if (manifest.storage) say(`storage: ${report.objectsRestored} objects, ${mb(report.objectBytes)} written`);
  }

  @Option({ flags: '--yes', description: 'confirm that the current data is replaced' })
  parseYes(): boolean {
    return true;
  }
}

@Command({
  name: 'backup',
  description: 'Encrypted backups: create|list|verify|restore',
  subCommands: [BackupCreateCommand, BackupListCommand, BackupVerifyCommand, BackupRestoreCommand],
})
export class BackupCommand extends CommandRunner {
  async run(): Promise<void> {
    fail('use one of: backup create [full|database|storage], backup list, backup verify <id>, backup restore <id> --yes');
  }
}

export const BACKUP_COMMANDS = [BackupCommand, BackupCreateCommand, BackupListCommand, BackupVerifyCommand, BackupRestoreCommand];
