import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

interface Node {
  type: 'dir' | 'file';
  created: string;
  modified: string;
  size: number;
  mimeType: string;
  /** File content on disk (never in memory, so 50 MB objects do not inflate the test process). */
  blob?: string;
}

/**
 * A local HTTP server speaking the subset of the Yandex Disk REST API the adapter uses: OAuth check, disk info,
 * resources (meta + listing with limit/offset, mkdir, delete), upload and download links pointing at itself,
 * PUT/GET (with Range) of those links, and the documented error bodies. `failNext()` makes the API answer
 * 503/429 a number of times to exercise retries.
 */
export class YandexDiskFake {
  readonly token = `y0_fake_${randomBytes(12).toString('base64url')}`;
  /** Requests to /v1/disk…, by "METHOD path" (no query), for assertions. */
  readonly calls: string[] = [];
  /** Authorization headers seen on upload/download links (must stay empty: links are pre-authorised). */
  readonly linkAuthorizations: string[] = [];
  private readonly nodes = new Map<string, Node>([['', this.dir()]]);
  private readonly links = new Map<string, { kind: 'upload' | 'download'; path: string }>();
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'vertex-ar-yadisk-'));
  private failures: { status: number; remaining: number } | null = null;
  private server: Server | null = null;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.error(res, 500, 'InternalServerError', String(error));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The next `count` API calls answer `status` (503 or 429). */
  failNext(status: number, count: number): void {
    this.failures = { status, remaining: count };
  }

  /** Creates a folder (and parents) directly, for test setup. */
  mkdirp(path: string): void {
    let current = '';
    for (const segment of path.split('/').filter(Boolean)) {
      current = current ? `${current}/${segment}` : segment;
      if (!this.nodes.has(current)) this.nodes.set(current, this.dir());
    }
  }

  has(path: string): boolean {
    return this.nodes.has(path.replace(/^\/+/, ''));
  }

  private dir(): Node {
    const now = new Date().toISOString();
    return { type: 'dir', created: now, modified: now, size: 0, mimeType: '' };
  }

  private error(res: ServerResponse, status: number, error: string, description = error): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error, message: description, description }));
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  /** `disk:/a/b` or `/a/b` → `a/b`. */
  private normalize(raw: string | null): string | null {
    if (raw === null) return null;
    const path = raw.replace(/^disk:/, '').replace(/^\/+|\/+$/g, '');
    return path.split('/').some((segment) => segment === '..' || segment === '.') ? null : path;
  }

  private parentOf(path: string): string {
    const slash = path.lastIndexOf('/');
    return slash === -1 ? '' : path.slice(0, slash);
  }

  private resource(path: string, node: Node): Record<string, unknown> {
    const name = path === '' ? 'disk' : path.slice(path.lastIndexOf('/') + 1);
    return {
      name,
      path: `disk:/${path}`,
      type: node.type,
      created: node.created,
      modified: node.modified,
      ...(node.type === 'file' ? { size: node.size, mime_type: node.mimeType } : {}),
    };
  }

  private children(path: string): Array<[string, Node]> {
    const prefix = path === '' ? '' : `${path}/`;
    return [...this.nodes.entries()]
      .filter(([key]) => key !== path && key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
      .sort(([a], [b]) => a.localeCompare(b));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith('/upload/') || url.pathname.startsWith('/download/')) return this.handleLink(req, res, url);
    if (!url.pathname.startsWith('/v1/disk')) return this.error(res, 404, 'NotFoundError');
    this.calls.push(`${req.method} ${url.pathname}`);
    if (req.headers.authorization !== `OAuth ${this.token}`) return this.error(res, 401, 'UnauthorizedError', 'Unauthorized');
    if (this.failures && this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      if (this.failures.status === 429) res.setHeader('Retry-After', '0');
      return this.error(res, this.failures.status, this.failures.status === 429 ? 'TooManyRequestsError' : 'ServiceUnavailableError');
    }
    const route = url.pathname.replace(/^\/v1\/disk/, '') || '/';
    if (route === '/' && req.method === 'GET') return this.json(res, 200, { total_space: 10 * 1024 ** 3, used_space: 1024 ** 3 });
    const path = this.normalize(url.searchParams.get('path'));
    if (path === null) return this.error(res, 400, 'FieldValidationError', 'path is required');
    const node = this.nodes.get(path);

    if (route === '/resources' && req.method === 'GET') {
      if (!node) return this.error(res, 404, 'DiskNotFoundError', 'Resource not found.');
      const body = this.resource(path, node);
      if (node.type === 'dir') {
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), 10_000);
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const all = this.children(path);
        body._embedded = {
          path: `disk:/${path}`,
          limit,
          offset,
          total: all.length,
          items: all.slice(offset, offset + limit).map(([key, child]) => this.resource(key, child)),
        };
      }
      return this.json(res, 200, body);
    }
    if (route === '/resources' && req.method === 'PUT') {
      if (node) return this.error(res, 409, 'DiskPathPointsToExistentDirectoryError', 'Specified path points to existent directory.');
      if (this.nodes.get(this.parentOf(path))?.type !== 'dir')
        return this.error(res, 409, 'DiskPathDoesntExistsError', 'Parent is missing.');
      this.nodes.set(path, this.dir());
      return this.json(res, 201, {
        href: `${this.url}/v1/disk/resources?path=${encodeURIComponent(`disk:/${path}`)}`,
        method: 'GET',
        templated: false,
      });
    }
    if (route === '/resources' && req.method === 'DELETE') {
      if (!node || path === '') return this.error(res, 404, 'DiskNotFoundError', 'Resource not found.');
      for (const key of [...this.nodes.keys()]) {
        if (key === path || key.startsWith(`${path}/`)) {
          const blob = this.nodes.get(key)?.blob;
          this.nodes.delete(key);
          if (blob) await rm(blob, { force: true });
        }
      }
      res.writeHead(204).end();
      return;
    }
    if (route === '/resources/upload' && req.method === 'GET') {
      if (this.nodes.get(this.parentOf(path))?.type !== 'dir')
        return this.error(res, 409, 'DiskPathDoesntExistsError', 'Parent is missing.');
      if (node?.type === 'dir') return this.error(res, 409, 'DiskResourceAlreadyExistsError', 'A folder with this name exists.');
      if (node && url.searchParams.get('overwrite') !== 'true') return this.error(res, 409, 'DiskResourceAlreadyExistsError', 'Exists.');
      const id = randomBytes(16).toString('hex');
      this.links.set(id, { kind: 'upload', path });
      return this.json(res, 200, { operation_id: id, href: `${this.url}/upload/${id}`, method: 'PUT', templated: false });
    }
    if (route === '/resources/download' && req.method === 'GET') {
      if (!node || node.type !== 'file') return this.error(res, 404, 'DiskNotFoundError', 'Resource not found.');
      const id = randomBytes(16).toString('hex');
      this.links.set(id, { kind: 'download', path });
      return this.json(res, 200, { href: `${this.url}/download/${id}`, method: 'GET', templated: false });
    }
    return this.error(res, 405, 'MethodNotAllowedError');
  }

  private async handleLink(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.headers.authorization) this.linkAuthorizations.push(req.headers.authorization);
    const [, kind, id] = url.pathname.split('/');
    const link = this.links.get(id);
    if (!link || link.kind !== kind) return this.error(res, 404, 'NotFoundError');
    if (kind === 'upload' && req.method === 'PUT') {
      this.links.delete(id);
      const blob = join(this.dataDir, randomBytes(8).toString('hex'));
      const temp = `${blob}.part`;
      let size = 0;
      req.on('data', (chunk: Buffer) => (size += chunk.length));
      await pipeline(req, createWriteStream(temp));
      await rename(temp, blob);
      const previous = this.nodes.get(link.path)?.blob;
      const now = new Date().toISOString();
      this.nodes.set(link.path, {
        type: 'file',
        created: now,
        modified: now,
        size,
        mimeType: req.headers['content-type'] ?? 'application/octet-stream',
        blob,
      });
      if (previous) await rm(previous, { force: true });
      res.writeHead(201).end();
      return;
    }
    if (kind === 'download' && req.method === 'GET') {
      const node = this.nodes.get(link.path);
      if (!node?.blob) return this.error(res, 404, 'NotFoundError');
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (req.headers.range && range) {
        let start = range[1] === '' ? Math.max(0, node.size - Number(range[2])) : Number(range[1]);
        let end = range[1] === '' || range[2] === '' ? node.size - 1 : Math.min(Number(range[2]), node.size - 1);
        if (range[1] === '' && range[2] === '') [start, end] = [1, 0];
        if (start >= node.size || end < start) {
          res.writeHead(416, { 'Content-Range': `bytes */${node.size}` }).end();
          return;
        }
        res.writeHead(206, {
          'Content-Type': node.mimeType,
          'Content-Length': String(end - start + 1),
          'Content-Range': `bytes ${start}-${end}/${node.size}`,
          'Accept-Ranges': 'bytes',
        });
        await pipeline(createReadStream(node.blob, { start, end }), res);
        return;
      }
      res.writeHead(200, { 'Content-Type': node.mimeType, 'Content-Length': String(node.size), 'Accept-Ranges': 'bytes' });
      await pipeline(createReadStream(node.blob), res);
      return;
    }
    return this.error(res, 405, 'MethodNotAllowedError');
  }
}
