import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '@app/config/app-config';
import { maskUrl, REDACT_PATHS } from './log-redaction';

type SerializedRequest = { id?: string; method?: string; url?: string; remoteAddress?: string; headers?: Record<string, unknown> };
type RequestWithUser = IncomingMessage & { id?: string; user?: { id: string; companyId: string | null }; ip?: string };

/**
 * nestjs-pino options: JSON lines with ISO UTC time, the request id on every line, secrets redacted by key
 * (headers, body fields, error configs) and secret-looking query values masked in URLs.
 */
export function buildLoggerParams(config: AppConfig, stream?: NodeJS.WritableStream): Params {
  const options: NonNullable<Params['pinoHttp']> = {
    level: config.app.logLevel,
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { app: 'vertex-ar', role: config.app.role },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    genReqId: (req: IncomingMessage) => (req as RequestWithUser).id ?? '',
    customProps: (req: IncomingMessage) => {
      const r = req as RequestWithUser;
      return { requestId: r.id, userId: r.user?.id, companyId: r.user?.companyId, clientIp: r.ip };
    },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) => {
      if (error || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    serializers: {
      req: (req: SerializedRequest) => ({
        id: req.id,
        method: req.method,
        url: maskUrl(req.url),
        remoteAddress: req.remoteAddress,
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health/live' },
    quietReqLogger: true,
  };
  return { pinoHttp: stream ? [options, stream] : options, forRoutes: ['*path'] };
}
