import { Column, Entity, PrimaryColumn } from 'typeorm';

export const BACKUP_KINDS = ['full', 'database', 'storage'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];
export const BACKUP_STATUSES = ['queued', 'running', 'complete', 'failed'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];
export type BackupTrigger = 'api' | 'cli' | 'schedule';

/** What the list shows of a manifest (the manifest file itself is the authority). */
export interface BackupSummary {
  appVersion?: string;
  migration?: string | null;
  tables?: number;
  rows?: number;
  objects?: number;
  objectBytes?: number;
  remote?: { connectionId: string; ok: boolean; message?: string };
}

export interface VerifyResult {
  ok: boolean;
  /** Checks that ran and what they found, one line each (no paths, no secrets). */
  checks: string[];
  scratchRestore: 'ok' | 'failed' | 'skipped' | 'not-applicable';
  error?: string;
}

/** One backup run. The archive `<id>.vbak` and manifest `<id>.manifest.json` live in BACKUP_DIR. */
@Entity('backups')
export class BackupEntity {
  /** Chosen by the server; also the only thing file names are built from. */
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 16 }) kind: BackupKind;
  @Column({ type: 'varchar', length: 16 }) status: BackupStatus;
  @Column({ type: 'varchar', length: 64, nullable: true }) fileName: string | null;
  @Column({
    type: 'bigint',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  size: number | null;
  @Column({ type: 'char', length: 64, nullable: true }) sha256: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) summary: BackupSummary;
  @Column({ type: 'timestamptz', nullable: true }) verifiedAt: Date | null;
  @Column({ type: 'jsonb', nullable: true }) verifyResult: VerifyResult | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) error: string | null;
  @Column({ type: 'varchar', length: 16, default: 'api' }) trigger: BackupTrigger;
  @Column({ type: 'uuid', nullable: true }) createdBy: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) completedAt: Date | null;
}
