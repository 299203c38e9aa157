import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

/**
 * `nest build` empties dist/ first, so the e2e files that run dist/ share one build per test run: the first
 * to take the marker folder builds, the others wait for its `done` file.
 */
export async function buildOnce(root = process.cwd()): Promise<void> {
  const marker = join(tmpdir(), `vertex-ar-build-${inject('runId')}`);
  try {
    mkdirSync(marker);
  } catch {
    const deadline = Date.now() + 180_000;
    while (!existsSync(join(marker, 'done'))) {
      if (existsSync(join(marker, 'failed'))) throw new Error('`nest build` failed in another test file');
      if (Date.now() > deadline) throw new Error('timed out waiting for `nest build` in another test file');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return;
  }
  try {
    await promisify(execFile)('npx', ['nest', 'build'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    writeFileSync(join(marker, 'done'), '');
  } catch (error) {
    writeFileSync(join(marker, 'failed'), '');
    throw error;
  }
}
