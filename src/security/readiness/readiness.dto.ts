import { ApiProperty } from '@nestjs/swagger';

export class ReadinessItemDto {
  @ApiProperty({ example: 'base-url-https', description: 'Stable identifier of the check.' }) id: string;
  @ApiProperty({ example: 'BASE_URL uses HTTPS' }) title: string;
  @ApiProperty({ enum: ['pass', 'warn', 'fail'], example: 'fail' }) status: 'pass' | 'warn' | 'fail';
  @ApiProperty({
    enum: [1, 2, 3],
    example: 3,
    description: '3: directly exploitable; 2: weakens a control or hides an attack; 1: hygiene or a feature not built yet.',
  })
  weight: 1 | 2 | 3;
  @ApiProperty({ example: 'BASE_URL=http://localhost:3000', description: 'What was found. Never contains a secret value.' })
  detail: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Serve the API over TLS (the nginx configuration) and set BASE_URL to the public https:// address.',
    description: 'What to do; null when the check passes.',
  })
  advice: string | null;
}

export class ReadinessReportDto {
  @ApiProperty({
    example: 98,
    minimum: 0,
    maximum: 100,
    description: 'Σ weight × (pass 1, warn 0.5, fail 0) / Σ weight × 100, rounded; at most 79 while a weight-3 item fails.',
  })
  score: number;
  @ApiProperty({ enum: ['A', 'B', 'C', 'D', 'F'], example: 'A', description: 'A ≥ 95, B ≥ 85, C ≥ 70, D ≥ 50, F below.' })
  grade: 'A' | 'B' | 'C' | 'D' | 'F';
  @ApiProperty({ example: 17 }) passed: number;
  @ApiProperty({ example: 2 }) warned: number;
  @ApiProperty({ example: 0 }) failed: number;
  @ApiProperty({ type: [ReadinessItemDto] }) items: ReadinessItemDto[];
  @ApiProperty({ example: '2025-01-31T12:00:00.000Z', format: 'date-time' }) generatedAt: string;
}
