import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from './audit/audit.service';
import { SecretsService } from './secrets.service';

export interface RotationReport {
  /** Values re-encrypted under the current key (or that would be, with dryRun). */
  rotated: number;
  /** Values already under the current key. */
  current: number;
  /** Values that could not be decrypted with any configured key (left unchanged). */
  failed: Array<{ table: string; id: string; field: string }>;
}

/**
 * Re-encrypts every stored secret under the current DATA_ENCRYPTION_KEY (`cli secrets:rotate`): storage
 * connection credentials and the SMTP password. Run it after moving the old key to DATA_ENCRYPTION_PREVIOUS_KEYS;
 * once it reports no failures, the old key can be removed. One transaction: all or nothing.
 */
@Injectable()
export class SecretsRotationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretsService,
    private readonly audit: AuditService,
  ) {}

  async rotateAll(dryRun = false): Promise<RotationReport> {
    const report: RotationReport = { rotated: 0, current: 0, failed: [] };
    await this.dataSource.transaction(async (manager) => {
      await this.rotateStorageConnections(manager, report, dryRun);
      await this.rotateMailPassword(manager, report, dryRun);
    });
    if (!dryRun) {
      await this.audit.record({
        action: 'secrets.rotated',
        actor: { id: null, email: 'cli' },
        details: { rotated: report.rotated, current: report.current, failed: report.failed.length, keyId: this.secrets.currentKeyId },
      });
    }
    return report;
  }

  private rotateValue(stored: string, table: string, id: string, field: string, report: RotationReport): string | null {
    if (!this.secrets.needsRotation(stored)) {
      report.current++;
      return null;
    }
    try {
      const fresh = this.secrets.rotate(stored, { table, id, field });
      report.rotated++;
      return fresh;
    } catch {
      report.failed.push({ table, id, field });
      return null;
    }
  }

  private async rotateStorageConnections(manager: EntityManager, report: RotationReport, dryRun: boolean): Promise<void> {
    const rows = (await manager.query(`SELECT id, secrets FROM storage_connections FOR UPDATE`)) as Array<{
      id: string;
      secrets: Record<string, string>;
    }>;
    for (const row of rows) {
      const next: Record<string, string> = { ...row.secrets };
      let changed = false;
      for (const [field, stored] of Object.entries(row.secrets ?? {})) {
        const fresh = this.rotateValue(stored, 'storage_connections', row.id, field, report);
        if (fresh) {
          next[field] = fresh;
          changed = true;
        }
      }
      if (changed && !dryRun)
        await manager.query(`UPDATE storage_connections SET secrets = $2 WHERE id = $1`, [row.id, JSON.stringify(next)]);
    }
  }

  private async rotateMailPassword(manager: EntityManager, report: RotationReport, dryRun: boolean): Promise<void> {
    const rows = (await manager.query(
      `SELECT id, password_encrypted FROM mail_settings WHERE password_encrypted IS NOT NULL FOR UPDATE`,
    )) as Array<{ id: string; password_encrypted: string }>;
    for (const row of rows) {
      const fresh = this.rotateValue(row.password_encrypted, 'mail_settings', row.id, 'password', report);
      if (fresh && !dryRun) await manager.query(`UPDATE mail_settings SET password_encrypted = $2 WHERE id = $1`, [row.id, fresh]);
    }
  }
}
