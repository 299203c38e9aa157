export type TargetCompileFailure = 'invalid_image' | 'timeout' | 'compiler_error';

/** A compile that did not produce a target; `reason` is safe to store on the order and show to staff. */
export class TargetCompileError extends Error {
  constructor(
    readonly reason: TargetCompileFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TargetCompileError';
  }
}
