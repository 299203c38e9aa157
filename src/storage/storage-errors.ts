import { ErrorCode, MappedError } from '@app/security/errors';

/** The object does not exist (404 `OBJECT_NOT_FOUND` when it reaches a client). */
export class ObjectNotFoundError extends MappedError {
  constructor(readonly key: string) {
    super(`object not found: ${key}`, 404, ErrorCode.ObjectNotFound, 'The stored file was not found');
  }
}

/** The backend could not be reached or answered with a server error (503 `STORAGE_UNAVAILABLE`). */
export class StorageUnavailableError extends MappedError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`storage unavailable: ${reason}`, 503, ErrorCode.StorageUnavailable, 'File storage is temporarily unavailable', {}, options);
  }
}

/** The requested byte range lies outside the object (416 with `Content-Range: bytes *\/size`). */
export class RangeNotSatisfiableError extends MappedError {
  constructor(readonly size: number) {
    super(`range not satisfiable (size ${size})`, 416, ErrorCode.RangeNotSatisfiable, 'The requested range is not satisfiable', {
      'Content-Range': `bytes */${size}`,
    });
  }
}

/** A key failed validation: a bug or an attack, never passed to a backend (400 `INVALID_STORAGE_KEY`). */
export class InvalidStorageKeyError extends MappedError {
  constructor(reason: string) {
    super(`invalid storage key: ${reason}`, 400, ErrorCode.InvalidStorageKey, 'Invalid file path');
  }
}
