import { decode } from '@msgpack/msgpack';
import { flatGreyJpeg, texturedJpeg } from '../../../test/support/ar-fixtures';
import { TargetCompileError } from './target-compiler.errors';
import { TargetCompilerService } from './target-compiler.service';

interface MindFile {
  v: number;
  dataList: Array<{
    targetImage: { width: number; height: number };
    trackingData: Array<{ points: unknown[]; width: number; height: number }>;
    matchingData: Array<{ maximaPoints: unknown[]; minimaPoints: unknown[] }>;
  }>;
}

describe('TargetCompilerService (MindAR in a worker thread)', () => {
  const service = new TargetCompilerService({ maxSide: 512 });

  it('compiles a textured JPEG into a .mind file that MindAR loads, off the main thread', async () => {
    const image = await texturedJpeg(640, 3, 480);
    // The event loop keeps ticking while the compile runs (it is in a worker): measure timer lag.
    let maxLag = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 20);
      last = now;
    }, 20);
    let result;
    try {
      result = await service.compile(image);
    } finally {
      clearInterval(ticker);
    }
    expect(maxLag).toBeLessThan(200);
    expect(result.width).toBe(512);
    expect(result.height).toBe(384);

    const mind = decode(result.mind) as MindFile;
    expect(mind.v).toBe(2);
    expect(mind.dataList).toHaveLength(1);
    expect(mind.dataList[0].targetImage).toEqual({ width: 512, height: 384 });
    expect(mind.dataList[0].trackingData.every((set) => set.points.length > 0)).toBe(true);
    expect(mind.dataList[0].matchingData[0].maximaPoints.length + mind.dataList[0].matchingData[0].minimaPoints.length).toBeGreaterThan(0);

    // MindAR's own loader (CompilerBase.importData, used by the browser controller) accepts it.
    const { CompilerBase } = (await import('mind-ar/src/image-target/compiler-base.js' as string)) as {
      CompilerBase: new () => { importData(buffer: Uint8Array): Array<{ targetImage: { width: number } }> };
    };
    const imported = new CompilerBase().importData(result.mind);
    expect(imported).toHaveLength(1);
    expect(imported[0].targetImage.width).toBe(512);

    expect(result.featurePoints).toBeGreaterThan(500);
    expect(result.featurePoints).toBe(result.details.matchingPoints.reduce((a, b) => a + b, 0));
    expect(['good', 'excellent']).toContain(result.trackability.score);
    expect(result.trackability.contrast).toBeGreaterThan(30);
  }, 60_000);

  it('produces exactly the bytes of MindAR’s original CPU shader runner with the fast one', async () => {
    const image = await texturedJpeg(300, 5);
    const slow = new TargetCompilerService({ maxSide: 300, fastKernels: false });
    const [fast, original] = await Promise.all([service.compile(image), slow.compile(image)]);
    expect(Buffer.compare(fast.mind, original.mind)).toBe(0);
  }, 90_000);

  it('scores a flat grey image poor, with advice', async () => {
    const result = await service.compile(await flatGreyJpeg(600));
    expect(result.trackability.score).toBe('poor');
    expect(result.featurePoints).toBe(0);
    expect(result.trackability.contrast).toBe(0);
    expect(result.trackability.advice.length).toBeGreaterThan(1);
  }, 60_000);

  it('refuses what is not an image, and stops a compile that runs too long', async () => {
    await expect(service.compile(Buffer.from('<svg onload=alert(1)>'))).rejects.toMatchObject({ reason: 'invalid_image' });
    const hurried = new TargetCompilerService({ maxSide: 512, timeoutMs: 50 });
    const error = await hurried.compile(await texturedJpeg(512, 4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetCompileError);
    expect((error as TargetCompileError).reason).toBe('timeout');
  }, 60_000);

  it('runs at most `concurrency` compiles at once', async () => {
    const limited = new TargetCompilerService({ maxSide: 256, concurrency: 1 });
    const image = await texturedJpeg(256, 8);
    const runs = [limited.compile(image), limited.compile(image)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(limited.load).toEqual({ running: 1, waiting: 1 });
    await Promise.all(runs);
    expect(limited.load).toEqual({ running: 0, waiting: 0 });
  }, 60_000);
});
