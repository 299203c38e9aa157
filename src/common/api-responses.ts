import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

/** Documents the error responses a route can give, all with the common error body. */
export function ApiErrors(...statuses: Array<400 | 404 | 409 | 413 | 415 | 423 | 429 | 503>): MethodDecorator {
  const decorators = statuses.map((status) => {
    switch (status) {
      case 400:
        return ApiBadRequestResponse({ description: 'Invalid input (VALIDATION_FAILED, MALFORMED_JSON…).', type: ErrorResponseDto });
      case 404:
        return ApiNotFoundResponse({ description: 'Not found (or not yours).', type: ErrorResponseDto });
      case 409:
        return ApiConflictResponse({ description: 'Conflicts with existing data.', type: ErrorResponseDto });
      case 413:
        return ApiResponse({ status: 413, description: 'Body too large.', type: ErrorResponseDto });
      case 415:
        return ApiResponse({ status: 415, description: 'Body is not application/json.', type: ErrorResponseDto });
      case 423:
        return ApiResponse({ status: 423, description: 'Account locked (ACCOUNT_LOCKED); see Retry-After.', type: ErrorResponseDto });
      case 429:
        return ApiResponse({ status: 429, description: 'Rate limited (RATE_LIMITED); see Retry-After.', type: ErrorResponseDto });
      case 503:
        return ApiResponse({ status: 503, description: 'A dependency is unavailable.', type: ErrorResponseDto });
    }
  });
  return applyDecorators(...decorators);
}
