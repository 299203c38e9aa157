import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CompaniesModule } from '@app/companies/companies.module';
import { JobsModule } from '@app/jobs/jobs.module';
import { StorageModule } from '@app/storage/storage.module';
import { ArCoreModule } from './ar-core.module';
import { AR_CONTENT_ENTITIES } from './content/entities';
import { OrderIntakeService } from './orders/order-intake.service';
import { OrderProcessingService } from './orders/order-processing.service';
import { OrdersController } from './orders/orders.controller';
import { OrdersService } from './orders/orders.service';
import { PortraitLifecycleService } from './portraits/portrait-lifecycle.service';
import { PortraitsController } from './portraits/portraits.controller';
import { PortraitsService } from './portraits/portraits.service';
import { ArAssetsController } from './public/ar-assets.controller';
import { MobileController } from './public/mobile.controller';
import { PortraitViewerContentSource } from './public/published-content';
import { PublicEventsService } from './public/public-events.service';
import { IdempotencyService } from './upload/idempotency.service';
import { MediaIntakeService } from './upload/media-intake.service';
import { StorageSweepService } from './upload/storage-sweep.service';
import { UploadLimitsService } from './upload/upload-limits.service';
import { VideoScheduleService } from './videos/video-schedule.service';
import { VideosController } from './videos/videos.controller';
import { VideosService } from './videos/videos.service';

/**
 * AR content (PRODUCT.md §5): orders (streamed upload → processing job), portraits, videos with schedules,
 * the public asset routes and mobile API. Uses ArCoreModule's target compiler; ArCoreModule's viewer reads
 * `PortraitViewerContentSource`.
 */
@Module({
  imports: [TypeOrmModule.forFeature(AR_CONTENT_ENTITIES), CompaniesModule, StorageModule, JobsModule, ArCoreModule],
  controllers: [OrdersController, PortraitsController, VideosController, ArAssetsController, MobileController],
  providers: [
    MediaIntakeService,
    UploadLimitsService,
    StorageSweepService,
    IdempotencyService,
    OrderIntakeService,
    OrdersService,
    OrderProcessingService,
    PortraitsService,
    PortraitLifecycleService,
    VideosService,
    VideoScheduleService,
    PortraitViewerContentSource,
    PublicEventsService,
  ],
  exports: [
    PortraitViewerContentSource,
    OrderProcessingService,
    VideoScheduleService,
    PortraitLifecycleService,
    StorageSweepService,
    UploadLimitsService,
  ],
})
export class ArContentModule {}
