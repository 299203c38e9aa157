import { HttpException, HttpStatus } from '@nestjs/common';

/** Stable machine-readable codes in the `error` field of every error body. */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  MalformedJson: 'MALFORMED_JSON',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** The upload would take the company over COMPANY_STORAGE_QUOTA_MB (413). */
  QuotaExceeded: 'QUOTA_EXCEEDED',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  Unauthorized: 'UNAUTHORIZED',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  InvalidCurrentPassword: 'INVALID_CURRENT_PASSWORD',
  AccountLocked: 'ACCOUNT_LOCKED',
  Forbidden: 'FORBIDDEN',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  RateLimitUnavailable: 'RATE_LIMIT_UNAVAILABLE',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  /** UPLOAD_MAX_CONCURRENT uploads are already streaming in this process (503 with Retry-After). */
  UploadsBusy: 'UPLOADS_BUSY',
  StorageUnavailable: 'STORAGE_UNAVAILABLE',
  ObjectNotFound: 'OBJECT_NOT_FOUND',
  RangeNotSatisfiable: 'RANGE_NOT_SATISFIABLE',
  InvalidStorageKey: 'INVALID_STORAGE_KEY',
  BadRequest: 'BAD_REQUEST',
  InternalError: 'INTERNAL_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetail {
  field?: string;
  message: string;
}

export interface ApiErrorBody {
  error: ErrorCode | string;
  message: string;
  details?: ErrorDetail[];
}

/** An HTTP error with a stable code; the exception filter adds `statusCode` and `requestId`. */
export class ApiException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ErrorCode | string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super({ error: code, message, ...(details ? { details } : {}) } satisfies ApiErrorBody, status);
  }
}

/**
 * An error from a lower layer (e.g. a storage adapter) with a fixed HTTP meaning. The exception filter answers
 * with `status`, `code` and `publicMessage` only; `message` (which may name a key or a host) is only logged.
 */
export class MappedError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: ErrorCode,
    readonly publicMessage: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const DEFAULT_CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  423: ErrorCode.AccountLocked,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

export const DEFAULT_MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'You do not have permission to do this',
  404: 'Resource not found',
  405: 'Method not allowed',
  409: 'The request conflicts with the current state of the resource',
  413: 'Request body is too large',
  415: 'Unsupported content type',
  429: 'Too many requests, slow down',
  500: 'Internal server error',
  503: 'Service temporarily unavailable',
};
