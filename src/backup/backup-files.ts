import { constants, createReadStream, type ReadStream } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { archiveFileName, manifestFileName, PARTIAL_SUFFIX } from './backup-manifest';

/** The only file names BACKUP_DIR ever holds: server-chosen ids, never client text. */
const FILE_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(vbak|manifest\.json)(\.partial)?$/;
const MANIFEST_NAME = /^([0-9a-f-]{36})\.manifest\.json$/;

/**
 * Files in BACKUP_DIR (folder 0700, files 0600). Paths are built from a backup id and checked to stay inside
 * the folder; everything is written as `*.partial`, fsynced, then renamed (and the folder fsynced).
 */
export class BackupFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700).catch(() => undefined);
  }

  /** Absolute path of one of our file names; throws on anything else (a request never reaches here with its own text). */
  pathOf(fileName: string): string {
    if (!FILE_NAME.test(fileName)) throw new Error('not a backup file name');
    const full = resolve(this.dir, fileName);
    const rel = relative(this.dir, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/')) throw new Error('path leaves BACKUP_DIR');
    return full;
  }

  archivePath(id: string, partial = false): string {
    return this.pathOf(archiveFileName(id) + (partial ? PARTIAL_SUFFIX : ''));
  }

  manifestPath(id: string, partial = false): string {
    return this.pathOf(manifestFileName(id) + (partial ? PARTIAL_SUFFIX : ''));
  }

  async fsyncFile(path: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** fsync of the folder makes the rename itself durable. */
  async fsyncDir(): Promise<void> {
    const handle = await open(this.dir, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => null);
    if (!handle) return;
    try {
      await handle.sync().catch(() => undefined);
    } finally {
      await handle.close();
    }
  }

  /** fsync + rename `<name>.partial` → `<name>`. */
  async publish(partialPath: string, finalPath: string): Promise<void> {
    await this.fsyncFile(partialPath);
    await rename(partialPath, finalPath);
    await this.fsyncDir();
  }

  async writeAtomic(finalPath: string, text: string): Promise<void> {
    const partial = finalPath + PARTIAL_SUFFIX;
    const handle = await open(partial, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, finalPath);
    await this.fsyncDir();
  }

  /** Removes every `*.partial` left by an interrupted run; returns their names. */
  async removePartials(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const partials = names.filter((name) => name.endsWith(PARTIAL_SUFFIX) && FILE_NAME.test(name));
    for (const name of partials) await rm(join(this.dir, name), { force: true });
    return partials;
  }

  async removeBackup(id: string): Promise<void> {
    // Manifest first: without it the archive no longer lists as a backup, even if the next rm fails.
    for (const path of [this.manifestPath(id), this.archivePath(id), this.manifestPath(id, true), this.archivePath(id, true)]) {
      await rm(path, { force: true });
    }
  }

  /** Ids that have a manifest file (authenticity is checked by the caller). */
  async manifestIds(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.map((name) => MANIFEST_NAME.exec(name)?.[1]).filter((id): id is string => Boolean(id));
  }

  readManifest(id: string): Promise<string> {
    return readFile(this.manifestPath(id), 'utf8');
  }

  openArchive(id: string): ReadStream {
    return createReadStream(this.archivePath(id));
  }

  async archiveSize(id: string): Promise<number | null> {
    const info = await stat(this.archivePath(id)).catch(() => null);
    return info?.isFile() ? info.size : null;
  }
}
