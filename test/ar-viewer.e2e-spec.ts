import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TargetCompilerService } from '../src/ar/target/target-compiler.service';
import { type ViewerContent, ViewerContentSource } from '../src/ar/viewer/viewer-content';
import { texturedJpeg } from './support/ar-fixtures';
import { createTestApp, type TestApp } from './support/test-app';
import { writeY4m } from './support/y4m';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
if (!hasChromium) console.warn(`[ar-viewer] browser tracking tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
if (!hasFfmpeg) console.warn('[ar-viewer] browser tracking tests skipped: ffmpeg is not installed (needed to make the test video)');

/** Flags from ECOSYSTEM-NOTES §8: software WebGL (SwiftShader) and a fake camera playing a Y4M file. */
function chromiumArgs(y4m: string): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`,
    '--enable-unsafe-swiftshader',
    '--use-angle=swiftshader',
    '--ignore-gpu-blocklist',
    '--autoplay-policy=no-user-gesture-required',
  ];
}

/** The little of the browser's DOM the page functions use (this project compiles without the DOM lib). */
interface PageWindow {
  document: {
    body: { dataset: Record<string, string | undefined> };
    getElementById(id: string): { paused: boolean; currentTime: number } | null;
  };
}

const CONTENT: Record<string, ViewerContent> = {
  demo: {
    title: 'Бабушка & <дедушка>',
    status: 'active',
    targetUrl: '/ar/demo/target.mind',
    videoUrl: '/ar/demo/video',
    posterUrl: '/ar/demo/poster.webp',
  },
  soon: {
    title: '"><script>alert(1)</script>',
    status: 'expiring',
    targetUrl: '/ar/soon/target.mind?a=1&b="2"',
    videoUrl: '/ar/soon/video',
    posterUrl: null,
  },
  old: { title: 'Old one', status: 'expired', targetUrl: '/ar/old/target.mind', videoUrl: '/ar/old/video', posterUrl: null },
};

class FakeSource extends ViewerContentSource {
  findBySlug(slug: string): Promise<ViewerContent | null> {
    return Promise.resolve(Object.hasOwn(CONTENT, slug) ? CONTENT[slug] : null);
  }
}

describe('AR viewer', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ar-viewer-'));
    t = await createTestApp({ overrides: [{ provide: ViewerContentSource, useValue: new FakeSource() }] });
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('page and headers', () => {
    it('serves the viewer page with one strict CSP, camera=(self) and no inline script or style', async () => {
      const res = await t.http.get('/ar/demo').set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.8');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      const csp = res.headers['content-security-policy'] as string;
      expect(typeof csp).toBe('string');
      expect(csp).not.toContain(',');
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        'worker-src blob:',
      ]) {
        expect(csp).toContain(directive);
      }
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers['permissions-policy']).toMatch(/(^|, )camera=\(self\)/);
      expect(res.headers['permissions-policy']).toContain('microphone=()');
      expect(res.headers['permissions-policy']).toContain('geolocation=()');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-language']).toBe('ru');
      expect(res.headers.vary).toMatch(/Accept-Language/);
      const html = res.text;
      expect(html).toMatch(/^<!doctype html>\n<html lang="ru">/);
      // Every <script> has a same-origin src and no body; no inline handlers, no style attributes or blocks.
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts).toHaveLength(3);
      for (const [, attributes, inner] of scripts) {
        expect(attributes).toMatch(/ src="\/ar\/static\/[a-z.-]+\?v=[\w-]+"/);
        expect(inner).toBe('');
      }
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=|javascript:/i);
      expect(html).toContain('Включить камеру');
      expect(html).toContain('data-target-url="/ar/demo/target.mind"');
      expect(html).toContain('Бабушка &amp; &lt;дедушка&gt;');
      // API pages keep the camera off.
      const api = await t.http.get('/health/live');
      expect(api.headers['permissions-policy']).toMatch(/(^|, )camera=\(\)/);
    });

    it('escapes every interpolated value', async () => {
      const res = await t.http.get('/ar/soon').set('Accept-Language', 'en-GB,en;q=0.9');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/<html lang="en">/);
      expect(res.text).toContain('Start camera');
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(res.text).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(res.text).toContain('data-target-url="/ar/soon/target.mind?a=1&amp;b=&quot;2&quot;"');
    });

    it('shows the ended screen for an expired portrait and a 404 page for unknown slugs', async () => {
      const ended = await t.http.get('/ar/old').set('Accept-Language', 'en');
      expect(ended.status).toBe(410);
      expect(ended.text).toContain('This AR experience has ended');
      expect(ended.text).not.toContain('<script');
      const endedRu = await t.http.get('/ar/old').set('Accept-Language', 'ru');
      expect(endedRu.text).toContain('AR-портрет больше не доступен');
      for (const slug of ['nope', 'static', 'a'.repeat(65), '%3Cscript%3E']) {
        const res = await t.http.get(`/ar/${slug}`).set('Accept-Language', 'de-DE,de;q=0.9');
        expect(res.status, slug).toBe(404);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.text).toContain('Page not found');
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      }
    });

    it('serves only the allowlisted static files, with long cache and a strong ETag', async () => {
      for (const file of ['aframe.min.js', 'mindar-image-aframe.prod.js', 'viewer.js', 'viewer.css']) {
        const res = await t.http.get(`/ar/static/${file}`);
        expect(res.status, file).toBe(200);
        expect(res.headers['content-type']).toMatch(file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(res.headers.etag).toMatch(/^"[\w-]{43}"$/);
        const again = await t.http.get(`/ar/static/${file}`).set('If-None-Match', res.headers.etag as string);
        expect(again.status).toBe(304);
      }
      for (const path of [
        '/ar/static/package.json',
        '/ar/static/..%2F..%2Fpackage.json',
        '/ar/static/%2e%2e%2fviewer-assets.ts',
        '/ar/static/../../package.json',
        '/ar/static/viewer.js.map',
        '/ar/static/aframe-v1.6.0.min.js',
        '/ar/static/constructor',
        '/ar/static/__proto__',
      ]) {
        const res = await t.http.get(path);
        expect(res.status, path).toBe(404);
      }
    });

    it('is public, and the viewer routes are not in the OpenAPI document', async () => {
      const res = await t.http.get('/api/docs-json');
      if (res.status === 200) expect(Object.keys((res.body as { paths: object }).paths).some((p) => p.startsWith('/ar'))).toBe(false);
      expect((await t.http.get('/ar/demo')).status).toBe(200);
    });
  });

  describe.skipIf(!hasChromium || !hasFfmpeg)('real tracking in headless Chromium', () => {
    let server: Server;
    let origin: string;
    let mind: Buffer;
    let video: Buffer;
    let portrait: Buffer;
    beforeAll(async () => {
      portrait = await texturedJpeg(512, 11);
      const compiled = await new TargetCompilerService().compile(portrait);
      mind = compiled.mind;
      writeFileSync(join(dir, 'portrait.jpg'), portrait);
      const ff = spawnSync(
        'ffmpeg',
        [
          '-v',
          'error',
          '-y',
          '-loop',
          '1',
          '-i',
          join(dir, 'portrait.jpg'),
          '-t',
          '2',
          '-r',
          '15',
          '-pix_fmt',
          'yuv420p',
          '-vf',
          'scale=320:-2',
          '-c:v',
          'libx264',
          '-movflags',
          '+faststart',
          join(dir, 'video.mp4'),
        ],
        { encoding: 'utf8' },
      );
      expect(ff.status, ff.stderr).toBe(0);
      video = readFileSync(join(dir, 'video.mp4'));
      await writeY4m(join(dir, 'camera.y4m'), portrait);
      await writeY4m(join(dir, 'other.y4m'), await texturedJpeg(512, 99));
      server = t.app.getHttpServer() as Server;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    /** Waits for a body[data-ar-state]; a timeout reports the state and everything the page complained about. */
    async function waitForState(page: Page, state: string, problems: string[], timeout: number): Promise<void> {
      try {
        await page.waitForFunction((wanted) => (globalThis as unknown as PageWindow).document.body.dataset.arState === wanted, state, {
          timeout,
        });
      } catch (error) {
        const seen = await page.evaluate(() => ({ ...(globalThis as unknown as PageWindow).document.body.dataset })).catch(() => ({}));
        throw new Error(
          `no ar-state=${state} within ${timeout} ms; body data ${JSON.stringify(seen)}; problems ${JSON.stringify(problems)}`,
          {
            cause: error,
          },
        );
      }
    }

    async function openViewer(y4m: string): Promise<{ browser: Browser; page: Page; problems: string[] }> {
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(y4m) });
      const context = await browser.newContext({ viewport: { width: 640, height: 480 }, locale: 'en-US' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`http ${response.status()}: ${response.url()}`);
      });
      await page.exposeFunction('__reportCsp', (text: string) => problems.push(`csp: ${text}`));
      // A string: injected by the DevTools protocol (not subject to the page CSP); no DOM lib in this project.
      await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
        window.__reportCsp(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || '')));`);
      // The portrait's own asset routes come with the portraits module; here the browser gets them same-origin.
      await page.route(`${origin}/ar/demo/target.mind`, (route) =>
        route.fulfill({ status: 200, body: mind, headers: { 'content-type': 'application/octet-stream' } }),
      );
      await page.route(`${origin}/ar/demo/video`, (route) =>
        route.fulfill({ status: 200, body: video, headers: { 'content-type': 'video/mp4' } }),
      );
      await page.route(`${origin}/ar/demo/poster.webp`, (route) =>
        route.fulfill({ status: 200, body: portrait, headers: { 'content-type': 'image/jpeg' } }),
      );
      const response = await page.goto(`${origin}/ar/demo`);
      expect(response?.status()).toBe(200);
      await page.waitForSelector('body[data-viewer-ready="true"]', { timeout: 15_000 });
      await page.click('#ar-start-button');
      return { browser, page, problems };
    }

    it('finds the printed portrait through the camera and plays the video on it', async () => {
      const { browser, page, problems } = await openViewer(join(dir, 'camera.y4m'));
      try {
        const started = Date.now();
        await waitForState(page, 'found', problems, 30_000);
        const foundAfterMs = Date.now() - started;
        await page.waitForFunction(
          () => {
            const { document } = globalThis as unknown as PageWindow;
            const v = document.getElementById('ar-video');
            return v !== null && !v.paused && v.currentTime > 0.2 && document.body.dataset.videoState === 'playing';
          },
          undefined,
          { timeout: 10_000 },
        );
        const playedSeconds = await page.evaluate(
          () => (globalThis as unknown as PageWindow).document.getElementById('ar-video')?.currentTime,
        );
        console.info(`[ar-viewer] targetFound ${foundAfterMs} ms after the start tap; video at ${String(playedSeconds)} s`);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);

    it('does not fire targetFound for a camera showing a different picture', async () => {
      const { browser, page, problems } = await openViewer(join(dir, 'other.y4m'));
      try {
        await waitForState(page, 'scanning', problems, 30_000);
        await page.waitForTimeout(12_000);
        expect(await page.evaluate(() => (globalThis as unknown as PageWindow).document.body.dataset.arState)).toBe('scanning');
        expect(await page.evaluate(() => (globalThis as unknown as PageWindow).document.getElementById('ar-video')?.paused)).toBe(true);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
