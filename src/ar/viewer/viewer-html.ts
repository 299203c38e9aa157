import type { ViewerContent } from './viewer-content';
import type { ViewerLanguage, ViewerTexts } from './viewer-i18n';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch]);
}

export interface AssetUrls {
  css: string;
  aframe: string;
  mindar: string;
  viewer: string;
}

function page(lang: ViewerLanguage, title: string, assets: AssetUrls, body: string, scripts: boolean): string {
  const scriptTags = scripts
    ? // Order matters (A-Frame, then MindAR's A-Frame build which uses AFRAME.THREE, then ours); `defer` keeps it.
      [assets.aframe, assets.mindar, assets.viewer].map((src) => `<script defer src="${escapeHtml(src)}"></script>`).join('\n')
    : '';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(assets.css)}">
${scriptTags}
</head>
<body data-ar-state="idle">
${body}
</body>
</html>
`;
}

/** The AR page. Everything viewer.js needs is in data-* attributes and hidden, server-translated elements. */
export function renderViewerPage(lang: ViewerLanguage, t: ViewerTexts, content: ViewerContent, assets: AssetUrls): string {
  const title = content.title.trim() || t.defaultTitle;
  const poster = content.posterUrl ? ` data-poster-url="${escapeHtml(content.posterUrl)}"` : '';
  const body = `<main id="ar-root" class="ar-root" data-target-url="${escapeHtml(content.targetUrl)}" data-video-url="${escapeHtml(content.videoUrl)}"${poster}>
<section id="ar-start" class="ar-screen ar-card">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t.intro)}</p>
<p class="ar-note">${escapeHtml(t.cameraNote)}</p>
<button id="ar-start-button" type="button" class="ar-button">${escapeHtml(t.start)}</button>
<noscript><p class="ar-note">${escapeHtml(t.noscript)}</p></noscript>
</section>
<section id="ar-loading" class="ar-screen" hidden><div class="ar-spinner" aria-hidden="true"></div><p role="status">${escapeHtml(t.loading)}</p></section>
<section id="ar-scanning" class="ar-hint" hidden><div class="ar-frame" aria-hidden="true"></div><p role="status">${escapeHtml(t.scanning)}</p></section>
<section id="ar-error" class="ar-screen ar-card" hidden role="alert">
<h1>${escapeHtml(t.errorTitle)}</h1>
<p id="ar-error-camera" hidden>${escapeHtml(t.errorCamera)}</p>
<p id="ar-error-unsupported" hidden>${escapeHtml(t.errorUnsupported)}</p>
<p id="ar-error-load" hidden>${escapeHtml(t.errorLoad)}</p>
<button id="ar-retry-button" type="button" class="ar-button">${escapeHtml(t.retry)}</button>
</section>
<button id="ar-tap-to-play" type="button" class="ar-overlay-button" hidden>${escapeHtml(t.tapToPlay)}</button>
<button id="ar-tap-for-sound" type="button" class="ar-pill" hidden>${escapeHtml(t.tapForSound)}</button>
</main>`;
  return page(lang, title, assets, body, true);
}

/** Expired portrait: the ended screen, no scripts. */
export function renderEndedPage(lang: ViewerLanguage, t: ViewerTexts, assets: AssetUrls): string {
  const body = `<main class="ar-root"><section class="ar-screen ar-card" id="ar-ended"><h1>${escapeHtml(t.endedTitle)}</h1><p>${escapeHtml(t.endedText)}</p></section></main>`;
  return page(lang, t.endedTitle, assets, body, false);
}

/** Unknown slug: the 404 page, no scripts. */
export function renderNotFoundPage(lang: ViewerLanguage, t: ViewerTexts, assets: AssetUrls): string {
  const body = `<main class="ar-root"><section class="ar-screen ar-card" id="ar-not-found"><h1>${escapeHtml(t.notFoundTitle)}</h1><p>${escapeHtml(t.notFoundText)}</p></section></main>`;
  return page(lang, t.notFoundTitle, assets, body, false);
}
