// Drop-in replacement for MindAR's `detector/kernels/cpu/fakeShader.js` (mind-ar 1.2.5), loaded in the
// compiler worker through the resolve hook in mindar-loader-hooks.mjs.
//
// MindAR runs its CPU "shaders" by building a mathjs matrix of zeros and calling mathjs `map` over it, which
// allocates an index array and a boxed number per output element and dominates compile time (profiled: mathjs
// map + GC were about 60% of a 768 px compile). This version runs the very same kernel `userCode` over the
// output indices in the same row-major order, with the same clamping getters, the same NaN → 0 and
// Math.fround rules, so the tensors, and the exported .mind, are identical (asserted by the tests).

function capFirstLetter(word) {
  return word[0].toUpperCase() + word.substring(1);
}

function runCode(backend, kernel, inputs, dtype) {
  const inputData = inputs.map((value) => backend.data.get(value.dataId).values);
  const context = {};
  kernel.variableNames.forEach((name, index) => {
    const shape = inputs[index].shape;
    const data = inputData[index];
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    context[`get${capFirstLetter(name)}`] = function (...args) {
      let offset = 0;
      for (let i = 0; i < args.length; i++) offset += Math.min(Math.max(args[i], 0), shape[i] - 1) * strides[i];
      return data[offset];
    };
  });
  context.int = Math.trunc;
  context.atan = Math.atan2;

  const shape = kernel.outputShape;
  const rank = shape.length;
  let size = 1;
  for (const d of shape) size *= d;
  const output = dtype === 'float32' ? new Float32Array(size) : new Array(size);
  const index = new Array(rank).fill(0);
  let out;
  context.getOutputCoords = () => index.slice();
  context.setOutput = (newValue) => {
    out = Number.isNaN(newValue) ? 0 : Math.fround(newValue);
  };
  const userCode = kernel.userCode;
  for (let flat = 0; flat < size; flat++) {
    out = undefined;
    userCode.call(context);
    output[flat] = out;
    // Advance the row-major index (last dimension fastest), like mathjs map.
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return backend.makeOutput(output, shape, dtype);
}

export { runCode };
