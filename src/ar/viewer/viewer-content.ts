/** What the public viewer shows for a slug. No personal data (client name, phone, e-mail) ever goes here. */
export interface ViewerContent {
  title: string;
  status: 'active' | 'expiring' | 'expired';
  /** Same-origin URLs (the viewer CSP allows only 'self'), e.g. `/ar/{slug}/target.mind`. */
  targetUrl: string;
  videoUrl: string;
  posterUrl: string | null;
  /**
   * Origin the video is redirected to (presigned S3 URL), added to this page's `media-src`; null when the video
   * is served by us.
   */
  mediaOrigin?: string | null;
}

/** Where the viewer gets its content; the portraits module provides the real one. */
export abstract class ViewerContentSource {
  abstract findBySlug(slug: string): Promise<ViewerContent | null>;
}

/** Default until portraits exist: every slug is unknown (404 page). */
export class EmptyViewerContentSource extends ViewerContentSource {
  findBySlug(): Promise<ViewerContent | null> {
    return Promise.resolve(null);
  }
}
