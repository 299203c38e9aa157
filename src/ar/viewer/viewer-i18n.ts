export type ViewerLanguage = 'ru' | 'en';

/** Languages whose speakers are served Russian; everything else falls back to English. */
const RUSSIAN_READERS = new Set(['ru', 'be', 'uk', 'kk', 'ky', 'uz', 'tg', 'hy', 'az']);

/** Picks ru or en from Accept-Language (RFC 9110 q-values); Russian when nothing usable is sent. */
export function pickLanguage(header: string | undefined): ViewerLanguage {
  if (header === undefined || header.trim() === '') return 'ru';
  const ranges = header
    .split(',')
    .slice(0, 20)
    .map((part, order) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { base: tag.split('-')[0].trim(), q: q === undefined ? 1 : Number(q), order };
    })
    .filter((range) => range.q > 0 && Number.isFinite(range.q))
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const range of ranges) {
    if (range.base === 'en') return 'en';
    if (RUSSIAN_READERS.has(range.base)) return 'ru';
  }
  return ranges.length > 0 && ranges[0].base !== '*' ? 'en' : 'ru';
}

export interface ViewerTexts {
  defaultTitle: string;
  intro: string;
  cameraNote: string;
  start: string;
  loading: string;
  scanning: string;
  tapToPlay: string;
  tapForSound: string;
  errorTitle: string;
  errorCamera: string;
  errorUnsupported: string;
  errorLoad: string;
  retry: string;
  endedTitle: string;
  endedText: string;
  notFoundTitle: string;
  notFoundText: string;
  noscript: string;
}

export const VIEWER_TEXTS: Record<ViewerLanguage, ViewerTexts> = {
  ru: {
    defaultTitle: 'AR-портрет',
    intro: 'Наведите камеру на фотографию, и она оживёт.',
    cameraNote: 'Нужен доступ к камере. Изображение с камеры обрабатывается только на вашем устройстве и никуда не отправляется.',
    start: 'Включить камеру',
    loading: 'Загрузка…',
    scanning: 'Наведите камеру на фотографию',
    tapToPlay: 'Нажмите, чтобы воспроизвести',
    tapForSound: 'Нажмите, чтобы включить звук',
    errorTitle: 'Не получилось запустить AR',
    errorCamera: 'Нет доступа к камере. Разрешите доступ к камере в настройках браузера и попробуйте снова.',
    errorUnsupported: 'Этот браузер не поддерживает камеру или WebGL. Откройте страницу в Safari (iOS) или Chrome (Android).',
    errorLoad: 'Не удалось загрузить AR-материалы. Проверьте подключение к интернету и попробуйте снова.',
    retry: 'Попробовать снова',
    endedTitle: 'AR-портрет больше не доступен',
    endedText: 'Срок показа этого AR-портрета закончился.',
    notFoundTitle: 'Страница не найдена',
    notFoundText: 'Такого AR-портрета нет. Проверьте ссылку или QR-код.',
    noscript: 'Для AR нужен JavaScript.',
  },
  en: {
    defaultTitle: 'AR portrait',
    intro: 'Point your camera at the photo and watch it come to life.',
    cameraNote: 'Camera access is needed. The camera image is processed only on your device and is never uploaded.',
    start: 'Start camera',
    loading: 'Loading…',
    scanning: 'Point the camera at the photo',
    tapToPlay: 'Tap to play',
    tapForSound: 'Tap to turn the sound on',
    errorTitle: 'AR could not start',
    errorCamera: 'No camera access. Allow the camera in your browser settings and try again.',
    errorUnsupported: 'This browser does not support the camera or WebGL. Open the page in Safari (iOS) or Chrome (Android).',
    errorLoad: 'The AR content could not be loaded. Check your connection and try again.',
    retry: 'Try again',
    endedTitle: 'This AR experience has ended',
    endedText: 'The display period of this AR portrait is over.',
    notFoundTitle: 'Page not found',
    notFoundText: 'There is no such AR portrait. Check the link or the QR code.',
    noscript: 'AR needs JavaScript.',
  },
};
