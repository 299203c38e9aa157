import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiPropertyOptional({ example: 'email' }) field?: string;
  @ApiProperty({ example: 'email must be a valid e-mail address' }) message: string;
}

/** The body of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code.' }) error: string;
  @ApiProperty({ example: 'Request validation failed' }) message: string;
  @ApiProperty({ example: '0b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a', description: 'Also in the X-Request-ID header and the logs.' })
  requestId: string;
  @ApiPropertyOptional({ type: [ErrorDetailDto] }) details?: ErrorDetailDto[];
}
