import type { NestExpressApplication } from '@nestjs/platform-express';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '@app/config/app-config';
import { ErrorCode } from './errors';
import { normalizeError } from './exception.filter';
import { hasForbiddenQueryKey, inspectJson } from './json-inspection';
import { requestContext } from './request-context';
import { acceptOrCreateRequestId, REQUEST_ID_HEADER } from './request-id';

const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const HSTS = { maxAge: 63_072_000, includeSubDomains: true, preload: false };

/** Writes an error body from middleware that runs before Nest's exception filter can. */
export function sendError(res: Response, status: number, error: string, message: string): void {
  const requestId = String(res.getHeader('X-Request-ID') ?? '');
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ statusCode: status, error, message, requestId }));
}

const apiHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    },
  },
  strictTransportSecurity: HSTS,
  xFrameOptions: { action: 'sameorigin' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

/** Swagger UI is the one HTML page of the API: it needs its own scripts and styles, nothing else. */
const docsHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    },
  },
  strictTransportSecurity: HSTS,
  xFrameOptions: { action: 'sameorigin' },
  referrerPolicy: { policy: 'no-referrer' },
});

export const DOCS_PATH = 'api/docs';

function isDocsPath(path: string): boolean {
  return path === `/${DOCS_PATH}` || path.startsWith(`/${DOCS_PATH}/`);
}

/**
 * The public AR viewer (`/ar/...`, src/ar/viewer): its own origin only, plus exactly what A-Frame 1.6 and
 * MindAR 1.2.5 need at run time (checked in headless Chromium by test/ar-viewer.e2e-spec.ts, which fails
 * on any CSP violation):
 * - script-src 'self': aframe, mindar and viewer.js are files from /ar/static; no inline script, no eval
 *   (tfjs runs on its WebGL backend, which compiles GLSL, not JS/WASM).
 * - worker-src blob: MindAR starts its matching/estimation worker from a Blob URL of its bundled worker code.
 * - connect-src 'self': MindAR fetches the `.mind` target with fetch().
 * - media-src 'self': the portrait video (the camera is a MediaStream in srcObject, not a URL).
 * - img-src 'self' data: blob: the poster, and the data:/blob: images A-Frame and three.js create for textures.
 * - style-src 'self' + VIEWER_STYLE_HASHES: viewer.css, and the <style> elements A-Frame and MindAR inject
 *   (fixed strings, allowed by hash instead of 'unsafe-inline').
 * If videos or posters are later served from another origin (S3 presigned redirect), add that origin to
 * media-src/img-src here.
 */
export const VIEWER_STYLE_HASHES: string[] = [
  // A-Frame 1.6.0 (style-loader): it first inserts empty <style> elements (the hash of ''), then its two sheets.
  "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
  "'sha256-bpQUtIaiaK94Sx+1l4cRcrSwbwaN6ZuSJ6i6L54yaTg='",
  "'sha256-0OXF52ZShVnPWY52BUP1RouTqge3XlWWUXHhUh+kXg0='",
  // MindAR 1.2.5 ui.js: its overlay stylesheet, injected even with its UI turned off.
  "'sha256-h4EYiXepVsBYC61eGB76YyueNhn/mDXX8h8BgYtjIio='",
];

const viewerHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'worker-src': ['blob:'],
      'connect-src': ["'self'"],
      'media-src': ["'self'"],
      'img-src': ["'self'", 'data:', 'blob:'],
      'style-src': ["'self'", ...VIEWER_STYLE_HASHES],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    },
  },
  strictTransportSecurity: HSTS,
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

export const VIEWER_PATH = 'ar';

function isViewerPath(path: string): boolean {
  return path === `/${VIEWER_PATH}` || path.startsWith(`/${VIEWER_PATH}/`);
}

/**
 * Express-level hardening shared by `main.ts` and the tests (through `createApp`). Order matters: the request
 * id first (so every later error carries it), then headers, CORS, method and query checks, then the JSON
 * parser and its depth/prototype check.
 */
export function configureHttpPipeline(app: NestExpressApplication, config: AppConfig): void {
  const security = config.security;
  app.set('trust proxy', security.trustProxyHops > 0 ? security.trustProxyHops : false);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = acceptOrCreateRequestId(req.headers[REQUEST_ID_HEADER]);
    (req as Request & { id: string }).id = requestId;
    res.setHeader('X-Request-ID', requestId);
    next();
  });

  app.use((req: Request, res: Response, next: NextFunction) =>
    isDocsPath(req.path)
      ? docsHeaders(req, res, next)
      : isViewerPath(req.path)
        ? viewerHeaders(req, res, next)
        : apiHeaders(req, res, next),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    // The AR viewer is the one page that uses the camera (own origin only).
    const camera = isViewerPath(req.path) ? 'camera=(self)' : 'camera=()';
    res.setHeader('Permissions-Policy', `${camera}, microphone=(), geolocation=(), payment=(), usb=()`);
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const allowed = new Set(security.corsOrigins);
  app.use(
    cors({
      origin: (origin, callback) => callback(null, origin !== undefined && origin !== 'null' && allowed.has(origin)),
      methods: CORS_METHODS,
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-ID'],
      exposedHeaders: ['X-Request-ID', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'ETag'],
      credentials: false,
      maxAge: 600,
      optionsSuccessStatus: 204,
    }),
  );
  // cors only adds Vary: Origin when it echoes; caches must never mix responses for different origins.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.vary('Origin');
    next();
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!ALLOWED_METHODS.includes(req.method)) {
      res.setHeader('Allow', ALLOWED_METHODS.join(', '));
      sendError(res, 405, ErrorCode.MethodNotAllowed, 'Method not allowed');
      return;
    }
    if (hasForbiddenQueryKey(req.query as Record<string, unknown>)) {
      sendError(res, 400, ErrorCode.BadRequest, 'Query contains a forbidden parameter name');
      return;
    }
    next();
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      const contentType = req.headers['content-type'] ?? '';
      const type = contentType.split(';')[0].trim().toLowerCase();
      const isJson = type === 'application/json' || type.endsWith('+json');
      // JSON is UTF-8 (RFC 8259); body-parser would also decode utf-7/utf-16, which filters and WAFs do not expect.
      const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType)?.[1]?.toLowerCase();
      const accepted = (isJson && (charset === undefined || charset === 'utf-8')) || type === 'multipart/form-data';
      if (!accepted) {
        sendError(res, 415, ErrorCode.UnsupportedMediaType, 'Send the body as application/json');
        return;
      }
    }
    next();
  });

  app.use(express.json({ limit: security.jsonBodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] }));
  // Parser errors are answered here: Nest would turn a SyntaxError into a 400 carrying the parser's own message.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const normalized = normalizeError(error);
    if (normalized.unexpected !== undefined || res.headersSent) {
      next(error);
      return;
    }
    sendError(res, normalized.status, normalized.error, normalized.message);
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.body !== undefined && typeof req.body === 'object') {
      const problem = inspectJson(req.body, security.jsonMaxDepth);
      if (problem?.kind === 'too_deep') {
        sendError(res, 400, ErrorCode.BadRequest, `JSON nesting is deeper than ${problem.maxDepth} levels`);
        return;
      }
      if (problem?.kind === 'forbidden_key') {
        sendError(res, 400, ErrorCode.BadRequest, 'JSON contains a forbidden key (__proto__, constructor or prototype)');
        return;
      }
    }
    next();
  });

  // After body parsing: stream callbacks of the parser would otherwise lose the async context.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    requestContext.run(
      {
        requestId: (req as Request & { id: string }).id,
        ip: req.ip ?? null,
        userAgent: req.headers['user-agent']?.slice(0, 512) ?? null,
      },
      next,
    );
  });
}
