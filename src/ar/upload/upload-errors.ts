import { ApiException, ErrorCode } from '@app/security/errors';

export const badUpload = (field: string, message: string): ApiException =>
  new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [{ field, message }]);

export const tooLarge = (field: string, limitBytes: number): ApiException =>
  new ApiException(413, ErrorCode.PayloadTooLarge, `${field} is larger than ${Math.round(limitBytes / 1024 / 1024)} MB`, [
    { field, message: `at most ${limitBytes} bytes` },
  ]);

export const unsupportedType = (field: string, allowed: string): ApiException =>
  new ApiException(415, ErrorCode.UnsupportedMediaType, `${field} must be ${allowed}`, [{ field, message: `must be ${allowed}` }]);
