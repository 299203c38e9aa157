import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** Passes bytes through and counts them; `onActivity` fires on every chunk (used to reset idle timers). */
export class ByteCounter extends Transform {
  bytes = 0;

  constructor(private readonly onActivity?: () => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.onActivity?.();
    callback(null, chunk);
  }
}

/** Emits at most `limit` bytes, then ends (and destroys the source): for servers that send more than the range asked for. */
export function limitBytes(source: Readable, limit: number): Readable {
  let left = limit;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (left <= 0) return callback();
      const part = chunk.length <= left ? chunk : chunk.subarray(0, left);
      left -= part.length;
      this.push(part);
      if (left <= 0) {
        this.push(null);
        source.unpipe(limiter);
        source.destroy();
      }
      callback();
    },
  });
  source.on('error', (error) => limiter.destroy(error));
  return source.pipe(limiter);
}

/**
 * An abort signal that fires after `ms` without activity (`touch()` resets it), for long streaming transfers
 * where a total timeout would cut a healthy 200 MB upload but a stalled peer must still be noticed.
 */
export class IdleTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;

  constructor(private readonly ms: number) {
    this.timer = this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch = (): void => {
    clearTimeout(this.timer);
    if (!this.controller.signal.aborted) this.timer = this.arm();
  };

  clear(): void {
    clearTimeout(this.timer);
  }

  private arm(): NodeJS.Timeout {
    const timer = setTimeout(() => this.controller.abort(new DOMException(`no data for ${this.ms} ms`, 'TimeoutError')), this.ms);
    timer.unref();
    return timer;
  }
}
