import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class CompanyStatsQueryDto {
  @ApiPropertyOptional({ example: '2026-11-01', description: 'First day (UTC), default 30 days ago.' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-30', description: 'Last day (UTC, inclusive), default today; at most 366 days after from.' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

export class DayStatsDto {
  @ApiProperty({ example: '2026-11-05' }) day: string;
  @ApiProperty({ example: 40 }) views: number;
  @ApiProperty({ example: 35 }) uniqueSessions: number;
  @ApiProperty({ example: 30 }) plays: number;
  @ApiProperty({ example: 21 }) completes: number;
  @ApiProperty({ example: 2 }) clicks: number;
}

export class CompanyStatsDto {
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ example: '2026-11-01' }) from: string;
  @ApiProperty({ example: '2026-11-30' }) to: string;
  @ApiProperty({ type: [DayStatsDto], description: 'Only days with events.' }) days: DayStatsDto[];
}
