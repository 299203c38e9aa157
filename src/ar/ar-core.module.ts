import { Module } from '@nestjs/common';
import { TargetCompilerService } from './target/target-compiler.service';
import { ArViewerController } from './viewer/ar-viewer.controller';
import { PortraitViewerContentSource } from './public/published-content';
import { ViewerContentSource } from './viewer/viewer-content';

/**
 * AR core: the MindAR target compiler (worker threads) and the public viewer. The viewer's content comes from
 * `PortraitViewerContentSource` (src/ar/public; self-contained: DataSource, config and clock only); the
 * ArContentModule calls `TargetCompilerService` from its order job.
 */
@Module({
  controllers: [ArViewerController],
  providers: [TargetCompilerService, { provide: ViewerContentSource, useClass: PortraitViewerContentSource }],
  exports: [TargetCompilerService, ViewerContentSource],
})
export class ArCoreModule {}
