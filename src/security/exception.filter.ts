import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { isUnmatchedRoute, UnmatchedRouteLimiter } from './throttling/unmatched-route.limiter';
import { ApiException, DEFAULT_CODE_BY_STATUS, MappedError, DEFAULT_MESSAGE_BY_STATUS, ErrorCode, type ErrorDetail } from './errors';

interface NormalizedError {
  status: number;
  error: string;
  message: string;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
  /** Logged at error level with the stack; the client sees only the generic text. */
  unexpected?: unknown;
}

/** Errors raised by body-parser (and other http-errors users) before Nest's routing. */
interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

const DATABASE_UNAVAILABLE =
  /ECONNREFUSED|Connection terminated|connection timeout|timeout exceeded when trying to connect|terminating connection/i;

function fromHttpError(error: HttpError): NormalizedError | null {
  const status = error.statusCode ?? error.status;
  if (typeof status !== 'number' || status < 400 || status > 599) return null;
  switch (error.type) {
    case 'entity.too.large':
      return { status: 413, error: ErrorCode.PayloadTooLarge, message: 'Request body is larger than the 1 MB limit' };
    case 'entity.parse.failed':
      return { status: 400, error: ErrorCode.MalformedJson, message: 'Request body is not valid JSON' };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, error: ErrorCode.UnsupportedMediaType, message: 'Unsupported body charset or encoding' };
    case 'request.aborted':
      return { status: 400, error: ErrorCode.BadRequest, message: 'Request was aborted' };
    default:
      if (status >= 500) return null;
      return {
        status,
        error: DEFAULT_CODE_BY_STATUS[status] ?? ErrorCode.BadRequest,
        message: DEFAULT_MESSAGE_BY_STATUS[status] ?? 'Bad request',
      };
  }
}

function fromDatabaseError(error: QueryFailedError): NormalizedError {
  const code = (error.driverError as { code?: string } | undefined)?.code;
  switch (code) {
    case '23505':
      return { status: 409, error: ErrorCode.Conflict, message: 'A resource with the same unique value already exists' };
    case '23503':
      return { status: 409, error: ErrorCode.Conflict, message: 'The request references a missing or still-used resource' };
    case '22P02':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
      return { status: 400, error: ErrorCode.BadRequest, message: 'A value has the wrong format or size' };
    case '57014':
      return { status: 503, error: ErrorCode.ServiceUnavailable, message: DEFAULT_MESSAGE_BY_STATUS[503], unexpected: error };
    default:
      return { status: 500, error: ErrorCode.InternalError, message: DEFAULT_MESSAGE_BY_STATUS[500], unexpected: error };
  }
}

export function normalizeError(exception: unknown): NormalizedError {
  if (exception instanceof ApiException) {
    return {
      status: exception.getStatus(),
      error: exception.code,
      message: exception.message,
      details: exception.details,
      headers: exception.headers,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Built-in Nest exceptions may carry input text (e.g. "Failed to decode param '…'"): answer with stock text.
    const message = DEFAULT_MESSAGE_BY_STATUS[status] ?? exception.message;
    if (status >= 500) {
      return {
        status,
        error: DEFAULT_CODE_BY_STATUS[status] ?? ErrorCode.InternalError,
        message: DEFAULT_MESSAGE_BY_STATUS[status] ?? DEFAULT_MESSAGE_BY_STATUS[500],
        unexpected: exception,
      };
    }
    return { status, error: DEFAULT_CODE_BY_STATUS[status] ?? ErrorCode.BadRequest, message };
  }
  if (exception instanceof MappedError) {
    return {
      status: exception.status,
      error: exception.code,
      message: exception.publicMessage,
      headers: exception.headers,
      // A 5xx (storage unavailable) is logged with its cause; 4xx mapped errors are expected outcomes.
      ...(exception.status >= 500 ? { unexpected: exception } : {}),
    };
  }
  if (exception instanceof QueryFailedError) return fromDatabaseError(exception);
  if (exception instanceof Error && DATABASE_UNAVAILABLE.test(exception.message)) {
    return { status: 503, error: ErrorCode.ServiceUnavailable, message: DEFAULT_MESSAGE_BY_STATUS[503], unexpected: exception };
  }
  if (typeof exception === 'object' && exception !== null) {
    const fromParser = fromHttpError(exception as HttpError);
    if (fromParser) return fromParser;
  }
  return { status: 500, error: ErrorCode.InternalError, message: DEFAULT_MESSAGE_BY_STATUS[500], unexpected: exception };
}

/**
 * The single error contract: `{ statusCode, error, message, requestId, details? }`. Unexpected errors are
 * logged in full and answered with generic text; no stack trace, SQL or internal message reaches a client.
 */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  constructor(@Optional() private readonly unmatchedLimiter?: UnmatchedRouteLimiter) {}

  catch(exception: unknown, host: ArgumentsHost): void | Promise<void> {
    if (host.getType() !== 'http') throw exception;
    if (this.unmatchedLimiter && isUnmatchedRoute(exception)) return this.answerUnmatched(exception, host, this.unmatchedLimiter);
    this.answer(exception, host);
  }

  private async answerUnmatched(exception: unknown, host: ArgumentsHost, limiter: UnmatchedRouteLimiter): Promise<void> {
    const retryAfter = await limiter.charge(host.switchToHttp().getRequest<Request>());
    this.answer(
      retryAfter === null
        ? exception
        : new ApiException(429, ErrorCode.RateLimited, 'Too many requests, try again later', undefined, {
            'Retry-After': String(retryAfter),
          }),
      host,
    );
  }

  private answer(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request & { id?: string }>();
    const res = http.getResponse<Response>();
    const normalized = normalizeError(exception);
    const requestId = req.id ?? String(res.getHeader('X-Request-ID') ?? '');

    if (normalized.unexpected !== undefined) {
      (res as unknown as { err: unknown }).err = normalized.unexpected;
      this.logger.error({ err: normalized.unexpected, requestId, status: normalized.status }, 'request failed unexpectedly');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(normalized.headers ?? {})) res.setHeader(name, value);
    res.status(normalized.status).json({
      statusCode: normalized.status,
      error: normalized.error,
      message: normalized.message,
      requestId,
      ...(normalized.details ? { details: normalized.details } : {}),
    });
  }
}
