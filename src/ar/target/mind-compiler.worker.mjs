// MindAR target compiler, run inside a worker_threads Worker (never on the API thread).
//
// Plain ESM on purpose: MindAR is ESM-only and this file runs unchanged from the source tree (vitest) and from
// `dist/` (nest-cli.json copies it next to the compiled service). It imports MindAR's own sources, so the
// output is byte-for-byte what MindAR's compiler exports: msgpack `{ v: 2, dataList: [...] }`.
//
// Node has no canvas: MindAR's CompilerBase only needs `createProcessCanvas(img).getContext('2d')` with
// `drawImage` and `getImageData`, so a three-method shim hands it the RGBA pixels that sharp decoded in the
// parent. Tracking features are extracted exactly like MindAR's OfflineCompiler does.
//
// Protocol: workerData = { width, height, rgba: Uint8Array (RGBA, width*height*4) }.
// Posts { type: 'progress', percent } zero or more times, then exactly one
// { type: 'done', mind: Uint8Array, matchingPoints: number[], trackingPoints: number[], timings }
// or { type: 'error', message }.
import { register } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

// MindAR's CPU shader runner is swapped for an equivalent fast one unless the caller asks for the original
// (the tests compare both outputs byte for byte).
if (workerData.fastKernels !== false) register('./mindar-loader-hooks.mjs', import.meta.url);

const started = performance.now();

// tfjs prints a hint about tfjs-node on load in Node (tfjs-node cannot help: MindAR's kernels are 'cpu' only),
// and MindAR logs progress: this thread reports through messages only.
for (const method of ['log', 'info', 'warn', 'debug']) console[method] = () => undefined;
let tf;
let CompilerBase;
let buildTrackingImageList;
let extractTrackingFeatures;
try {
  tf = await import('@tensorflow/tfjs');
  ({ CompilerBase } = await import('mind-ar/src/image-target/compiler-base.js'));
  ({ buildTrackingImageList } = await import('mind-ar/src/image-target/image-list.js'));
  ({ extractTrackingFeatures } = await import('mind-ar/src/image-target/tracker/extract-utils.js'));
  // MindAR's CPU implementations of its custom kernels; they are registered for the 'cpu' backend only.
  await import('mind-ar/src/image-target/detector/kernels/cpu/index.js');
  await tf.setBackend('cpu');
  await tf.ready();
} catch (error) {
  parentPort.postMessage({
    type: 'error',
    message: `MindAR could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
  });
  throw error;
}
const loadedMs = performance.now() - started;

class ShimCompiler extends CompilerBase {
  createProcessCanvas(img) {
    return {
      getContext: () => ({
        drawImage: () => undefined,
        getImageData: () => ({ data: img.rgba, width: img.width, height: img.height }),
      }),
    };
  }

  // Same as MindAR's OfflineCompiler.compileTrack (tracking features are pure JS).
  compileTrack({ progressCallback, targetImages, basePercent }) {
    const percentPerImage = (100 - basePercent) / targetImages.length;
    let percent = 0;
    const list = [];
    for (const targetImage of targetImages) {
      const imageList = buildTrackingImageList(targetImage);
      const percentPerAction = percentPerImage / imageList.length;
      list.push(
        extractTrackingFeatures(imageList, () => {
          percent += percentPerAction;
          progressCallback(basePercent + percent);
        }),
      );
    }
    return Promise.resolve(list);
  }
}

try {
  const { width, height, rgba } = workerData;
  if (!Number.isInteger(width) || !Number.isInteger(height) || rgba.length !== width * height * 4) {
    throw new Error('invalid image data');
  }
  const compiler = new ShimCompiler();
  let lastReported = -1;
  const data = await compiler.compileImageTargets([{ width, height, rgba }], (percent) => {
    const rounded = Math.floor(percent);
    if (rounded !== lastReported) {
      lastReported = rounded;
      parentPort.postMessage({ type: 'progress', percent: rounded });
    }
  });
  const compiledMs = performance.now() - started - loadedMs;
  const mind = compiler.exportData();
  const [target] = data;
  parentPort.postMessage(
    {
      type: 'done',
      mind,
      matchingPoints: target.matchingData.map((k) => k.maximaPoints.length + k.minimaPoints.length),
      trackingPoints: target.trackingData.map((set) => set.points.length),
      timings: { loadMs: Math.round(loadedMs), compileMs: Math.round(compiledMs) },
    },
    [mind.buffer],
  );
} catch (error) {
  parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
