import { Module } from '@nestjs/common';
import { DatabaseServerModule } from '@app/database/database.module';
import { JobsService } from './jobs.service';

/** pg-boss lifecycle, queue names (`queues.ts`), worker registration and schedules. */
@Module({
  imports: [DatabaseServerModule],
  providers: [JobsService],
  exports: [JobsService],
})
export class JobsModule {}
