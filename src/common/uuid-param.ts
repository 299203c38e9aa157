import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiException, ErrorCode } from '@app/security/errors';

/** A path parameter that must be a UUID (400 otherwise, before any query runs). */
export const UuidParam = (name: string): ParameterDecorator =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [
          { field: name, message: `${name} must be a UUID` },
        ]),
    }),
  );
