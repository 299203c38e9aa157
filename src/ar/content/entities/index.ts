import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { OrderEntity } from './order.entity';
import { PortraitEventEntity } from './portrait-event.entity';
import { PortraitEntity } from './portrait.entity';
import { VideoHistoryEntity } from './video-history.entity';
import { VideoEntity } from './video.entity';

export { IdempotencyKeyEntity, OrderEntity, PortraitEntity, PortraitEventEntity, VideoEntity, VideoHistoryEntity };

export const AR_CONTENT_ENTITIES = [
  PortraitEntity,
  VideoEntity,
  VideoHistoryEntity,
  OrderEntity,
  IdempotencyKeyEntity,
  PortraitEventEntity,
];
