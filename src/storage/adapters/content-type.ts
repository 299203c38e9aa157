const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mind: 'application/octet-stream',
  json: 'application/json',
  txt: 'text/plain',
  csv: 'text/csv',
  bin: 'application/octet-stream',
};

/** The content type implied by a key's extension (the local adapter keeps no metadata beside the bytes). */
export function contentTypeOf(key: string): string {
  const dot = key.lastIndexOf('.');
  const extension = dot === -1 ? '' : key.slice(dot + 1).toLowerCase();
  return BY_EXTENSION[extension] ?? 'application/octet-stream';
}
