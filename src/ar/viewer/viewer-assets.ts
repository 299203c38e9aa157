import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface StaticAsset {
  body: Buffer;
  contentType: string;
  /** Strong ETag: a hash of the bytes. */
  etag: string;
  /** Short content hash, appended to the URL in the HTML (`?v=`) so a new release is fetched despite the long cache. */
  version: string;
}

function packageDir(name: string): string {
  return dirname(createRequire(__filename).resolve(`${name}/package.json`));
}

/**
 * The only files `/ar/static/:file` serves: a fixed map from public name to a file inside the installed
 * packages or our assets folder. No request value is ever joined into a path.
 */
export interface SourcePatch {
  /** Exact text, which must occur exactly once in the file. */
  find: string;
  replace: string;
  why: string;
}

/**
 * Exact, reviewed edits that let the vendor bundles run under `script-src 'self'` (no 'unsafe-eval', no
 * 'wasm-unsafe-eval'). If an upgrade changes a snippet, loading fails loudly instead of shipping a viewer
 * that the CSP breaks.
 */
export const VENDOR_PATCHES: Record<string, SourcePatch[]> = {
  'aframe.min.js': [
    {
      // layout-bmfont-text (A-Frame's text component) builds its property getters with new Function at
      // module load, which CSP blocks without 'unsafe-eval' and which stops A-Frame from loading at all.
      find: 'return new Function(["return function "+e+"() {","  return this._"+e,"}"].join("\\n"))()',
      replace: 'return function(){return this["_"+e]}',
      why: 'getter without eval',
    },
  ],
  'mindar-image-aframe.prod.js': [
    {
      // long.js (through tfjs) probes a tiny WebAssembly module for 64-bit multiplication and falls back to JS
      // when it fails; MindAR never needs it, so skip the probe instead of allowing 'wasm-unsafe-eval'.
      find: 'try{ln=new WebAssembly.Instance(new WebAssembly.Module(',
      replace: 'try{if(!0)throw 0;ln=new WebAssembly.Instance(new WebAssembly.Module(',
      why: 'no WebAssembly compile',
    },
  ],
};

export function applyPatches(name: string, source: Buffer): Buffer {
  const patches = VENDOR_PATCHES[name];
  if (patches === undefined) return source;
  let text = source.toString('utf8');
  for (const patch of patches) {
    const count = text.split(patch.find).length - 1;
    if (count !== 1) throw new Error(`viewer asset ${name}: expected the patched snippet (${patch.why}) once, found ${count}`);
    text = text.replace(patch.find, () => patch.replace);
  }
  return Buffer.from(text, 'utf8');
}

export function staticAssetFiles(): Record<string, { path: string; contentType: string }> {
  const js = 'text/javascript; charset=utf-8';
  return {
    // aframe 1.6.0 ships its build as dist/aframe-v1.6.0.min.js; MindAR's A-Frame build uses its AFRAME.THREE.
    'aframe.min.js': { path: join(packageDir('aframe'), 'dist', 'aframe-v1.6.0.min.js'), contentType: js },
    'mindar-image-aframe.prod.js': { path: join(packageDir('mind-ar'), 'dist', 'mindar-image-aframe.prod.js'), contentType: js },
    // nest-cli.json copies src/ar/viewer/assets next to the compiled controller, so __dirname works in dist/ and tests.
    'viewer.js': { path: join(__dirname, 'assets', 'viewer.js'), contentType: js },
    'viewer.css': { path: join(__dirname, 'assets', 'viewer.css'), contentType: 'text/css; charset=utf-8' },
  };
}

/** Reads the allowlisted files once (≈3 MB); they never change while the process runs. */
export function loadStaticAssets(): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const [name, file] of Object.entries(staticAssetFiles())) {
    const body = applyPatches(name, readFileSync(file.path));
    const digest = createHash('sha256').update(body).digest('base64url');
    assets.set(name, { body, contentType: file.contentType, etag: `"${digest}"`, version: digest.slice(0, 12) });
  }
  return assets;
}
