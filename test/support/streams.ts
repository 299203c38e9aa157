import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** A Readable of `size` pseudo-random bytes in 64 KiB chunks (xorshift, deterministic per seed), never held whole. */
export function pseudoRandomStream(size: number, seed = 0x9e3779b9): Readable {
  let state = seed >>> 0 || 1;
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, left));
      for (let i = 0; i < chunk.length; i += 4) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        chunk.writeUInt32LE(state, i <= chunk.length - 4 ? i : chunk.length - 4);
      }
      left -= chunk.length;
      this.push(chunk);
    },
  });
}

/** SHA-256 of everything a stream yields, plus the byte count. */
export async function digest(stream: AsyncIterable<Buffer | Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export async function readAll(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Samples process RSS every 20 ms while `work` runs; returns the peak growth over the starting RSS (bytes). */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number; start: number; peak: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - start, start, peak };
  } finally {
    clearInterval(timer);
  }
}
