import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '@app/common/auth.decorators';
import { SkipRateLimit } from '@app/security/throttling/rate-limit.decorators';

class LiveDto {
  @ApiProperty({ example: 'ok' }) status: 'ok';
}

class CheckDto {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiProperty({ example: 3, description: 'Milliseconds the check took.' }) latencyMs: number;
}

class ChecksDto {
  @ApiProperty({ type: CheckDto }) database: CheckDto;
}

class ReadyDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status: 'ok' | 'unavailable';
  @ApiProperty({ type: ChecksDto }) checks: ChecksDto;
}

const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness', description: 'The process is up and serving HTTP.' })
  @ApiOkResponse({ type: LiveDto })
  live(): LiveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness', description: 'Dependencies answer; 503 when one is down.' })
  @ApiOkResponse({ type: ReadyDto })
  @ApiServiceUnavailableResponse({ type: ReadyDto })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadyDto> {
    const database = await this.checkDatabase();
    const ok = database.status === 'up';
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks: { database } };
  }

  private async checkDatabase(): Promise<CheckDto> {
    const started = Date.now();
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref()),
      ]);
      return { status: 'up', latencyMs: Date.now() - started };
    } catch {
      return { status: 'down', latencyMs: Date.now() - started };
    }
  }
}
