import type { BackupEntity } from './backup.entity';

/** Newest first: by completion (the manifest's wall-clock time), then by request time. */
function newestFirst(rows: BackupEntity[]): BackupEntity[] {
  const time = (row: BackupEntity): number => (row.completedAt ?? row.createdAt).getTime();
  return [...rows].sort((a, b) => time(b) - time(a) || b.createdAt.getTime() - a.createdAt.getTime());
}

/**
 * The backup that must survive every rotation and delete: the newest complete one whose last verification
 * passed, else the newest complete one. Null when there is no complete backup.
 */
export function lastGoodBackup(complete: BackupEntity[]): BackupEntity | null {
  const ordered = newestFirst(complete);
  return ordered.find((backup) => backup.verifyResult?.ok === true) ?? ordered[0] ?? null;
}

/** Complete backups beyond the `keep` newest, minus the last good one. */
export function backupsToRotate(complete: BackupEntity[], keep: number): BackupEntity[] {
  const protectedId = lastGoodBackup(complete)?.id;
  return newestFirst(complete)
    .slice(Math.max(1, keep))
    .filter((backup) => backup.id !== protectedId);
}
