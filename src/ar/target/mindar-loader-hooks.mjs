// Module resolve hook registered (node:module `register`) inside the compiler worker only: swaps MindAR's
// mathjs-based CPU shader runner for the equivalent fast one. Nothing else is redirected.
const FAST_SHADER = new URL('./mindar-fast-shader.mjs', import.meta.url).href;
const TARGET = '/mind-ar/src/image-target/detector/kernels/cpu/fakeShader.js';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url.endsWith(TARGET)) return { ...result, url: FAST_SHADER, shortCircuit: true };
  return result;
}
