import type { Readable } from 'node:stream';

/** What file-type detected (`undefined`: nothing it knows). */
export interface DetectedType {
  ext: string;
  mime: string;
}

type FileTypeStream = (stream: Readable, options?: { sampleSize?: number }) => Promise<Readable & { fileType?: DetectedType }>;

let loading: Promise<FileTypeStream> | undefined;

/**
 * file-type 21 is ESM-only. This project compiles to CommonJS (`module: nodenext`); TypeScript keeps a real
 * `import()` there, which Node resolves to the ESM build in `dist/`, and vitest handles it natively. Loaded once.
 */
export function loadFileTypeStream(): Promise<FileTypeStream> {
  loading ??= import('file-type').then((module) => module.fileTypeStream as unknown as FileTypeStream);
  return loading;
}
