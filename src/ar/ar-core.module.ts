import { Module } from '@nestjs/common';
import { TargetCompilerService } from './target/target-compiler.service';
import { ArViewerController } from './viewer/ar-viewer.controller';
import { EmptyViewerContentSource, ViewerContentSource } from './viewer/viewer-content';

/**
 * AR core: the MindAR target compiler (worker threads) and the public viewer. The portraits module replaces
 * the `ViewerContentSource` (today: every slug is unknown) and calls `TargetCompilerService` from its job.
 */
@Module({
  controllers: [ArViewerController],
  providers: [TargetCompilerService, { provide: ViewerContentSource, useClass: EmptyViewerContentSource }],
  exports: [TargetCompilerService, ViewerContentSource],
})
export class ArCoreModule {}
