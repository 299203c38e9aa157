import { open, type FileHandle } from 'node:fs/promises';
import { createFile, Log, MP4BoxBuffer, type Movie } from 'mp4box';
import type { VideoContainer } from '@app/ar/content/entities/video.entity';

Log.setLogLevel(Log.error);

export interface VideoInfo {
  container: VideoContainer;
  durationSeconds: number;
  width: number;
  height: number;
  /** Codec family: avc1, hvc1, hev1 (ISO-BMFF) or vp8, vp9, av1 (WebM). */
  codec: string;
}

/** The container is broken or outside what we serve: the message is shown to staff (400). */
export class VideoProbeError extends Error {}

const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const ISO_CODECS = new Set(['avc1', 'avc3', 'hvc1', 'hev1']);
const WEBM_CODECS: Record<string, string> = { V_VP8: 'vp8', V_VP9: 'vp9', V_AV1: 'av1' };

/** Top-level ISO-BMFF boxes a camera, phone or encoder writes (ISO/IEC 14496-12, QuickTime). */
const KNOWN_TOP_LEVEL_BOXES = new Set([
  'ftyp',
  'moov',
  'mdat',
  'free',
  'skip',
  'wide',
  'uuid',
  'moof',
  'mfra',
  'meta',
  'pdin',
  'styp',
  'sidx',
  'pnot',
  'junk',
]);
const MAX_TOP_LEVEL_BOXES = 1_000;
const PROBE_TIME_LIMIT_MS = 10_000;

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * ISO-BMFF (MP4/QuickTime): walks the top-level boxes from the file (headers only), requires every box to end
 * inside the file (a cut file fails) and a `moov`, then lets mp4box parse just `ftyp` + `moov`.
 */
async function probeIsoBmff(file: FileHandle, size: number, container: 'mp4' | 'mov'): Promise<VideoInfo> {
  let offset = 0;
  const parts: Buffer[] = [];
  let hasMoov = false;
  let boxes = 0;
  const deadline = Date.now() + PROBE_TIME_LIMIT_MS;
  while (offset + 8 <= size) {
    // A real file has a handful of top-level boxes; millions of tiny ones would tie up the thread pool.
    if (++boxes > MAX_TOP_LEVEL_BOXES || Date.now() > deadline) {
      throw new VideoProbeError('The video file has an unusual structure (too many top-level boxes)');
    }
    const header = await readAt(file, offset, 16);
    let boxSize = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    let headerLength = 8;
    if (boxSize === 1) {
      if (header.length < 16) throw new VideoProbeError('The video file is truncated');
      boxSize = Number(header.readBigUInt64BE(8));
      headerLength = 16;
    } else if (boxSize === 0) boxSize = size - offset;
    if (boxSize < headerLength || offset + boxSize > size) throw new VideoProbeError('The video file is truncated or damaged');
    if (!KNOWN_TOP_LEVEL_BOXES.has(type)) throw new VideoProbeError('The video file contains an unknown top-level box');
    if (type === 'ftyp' && offset === 0) {
      if (boxSize > 4096) throw new VideoProbeError('The video file has an invalid header');
      parts.push(await readAt(file, offset, boxSize));
    } else if (type === 'moov') {
      if (hasMoov) throw new VideoProbeError('The video file has more than one movie header');
      if (boxSize > MAX_MOOV_BYTES) throw new VideoProbeError('The video index (moov) is too large');
      parts.push(await readAt(file, offset, boxSize));
      hasMoov = true;
    }
    offset += boxSize;
  }
  if (!hasMoov) throw new VideoProbeError('The video has no index (moov box): the file is incomplete or not a finished recording');
  const joined = Buffer.concat(parts);
  const arrayBuffer = new ArrayBuffer(joined.length);
  new Uint8Array(arrayBuffer).set(joined);
  const mp4 = createFile();
  let movie: Movie | undefined;
  let failure: string | undefined;
  mp4.onReady = (info) => (movie = info);
  mp4.onError = (_module, message) => (failure = message);
  try {
    mp4.appendBuffer(MP4BoxBuffer.fromArrayBuffer(arrayBuffer, 0));
    mp4.flush();
  } catch {
    throw new VideoProbeError('The video index cannot be read');
  }
  if (!movie || failure) throw new VideoProbeError('The video index cannot be read');
  const track = movie.videoTracks[0];
  if (!track) throw new VideoProbeError('The file has no video track');
  if (movie.tracks.length > 8) throw new VideoProbeError('The video has too many tracks');
  const codec = track.codec.split('.')[0];
  if (!ISO_CODECS.has(codec)) throw new VideoProbeError(`Video codec ${codec.slice(0, 16)} is not supported (use H.264 or H.265)`);
  const duration = movie.timescale > 0 ? movie.duration / movie.timescale : 0;
  const fragmented = movie.fragment_duration ? movie.fragment_duration.num / Math.max(1, movie.fragment_duration.den) : 0;
  return {
    container,
    durationSeconds: duration > 0 ? duration : fragmented,
    width: track.video?.width ?? Math.round(track.track_width),
    height: track.video?.height ?? Math.round(track.track_height),
    codec,
  };
}

interface Ebml {
  id: number;
  size: number;
  dataStart: number;
}

function readVint(buf: Buffer, offset: number, keepMarker: boolean): { value: number; length: number } | null {
  if (offset >= buf.length) return null;
  const first = buf[offset];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || offset + length > buf.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[offset + i];
    if (buf[offset + i] !== 0xff) allOnes = false;
  }
  return { value: !keepMarker && allOnes ? -1 : value, length };
}

function readElement(buf: Buffer, offset: number): Ebml | null {
  const id = readVint(buf, offset, true);
  if (!id) return null;
  const size = readVint(buf, offset + id.length, false);
  if (!size) return null;
  return { id: id.value, size: size.value, dataStart: offset + id.length + size.length };
}

function* children(buf: Buffer, start: number, end: number): Generator<Ebml> {
  let offset = start;
  while (offset < end) {
    const element = readElement(buf, offset);
    if (!element) return;
    yield element;
    if (element.size < 0) return;
    offset = element.dataStart + element.size;
  }
}

const uint = (buf: Buffer, e: Ebml): number => {
  let v = 0;
  for (let i = 0; i < e.size && i < 8; i++) v = v * 256 + buf[e.dataStart + i];
  return v;
};

/** WebM: EBML header with DocType `webm` (Matroska is refused), then Segment → Info (duration) and Tracks. */
async function probeWebm(file: FileHandle): Promise<VideoInfo> {
  const buf = await readAt(file, 0, 2 * 1024 * 1024);
  const header = readElement(buf, 0);
  if (!header || header.id !== 0x1a45dfa3) throw new VideoProbeError('The WebM header is invalid');
  let docType = '';
  for (const e of children(buf, header.dataStart, header.dataStart + header.size)) {
    if (e.id === 0x4282) docType = buf.toString('latin1', e.dataStart, e.dataStart + e.size).replace(/\0+$/, '');
  }
  if (docType !== 'webm') throw new VideoProbeError('Matroska files are not supported; upload MP4 or WebM');
  const segment = readElement(buf, header.dataStart + header.size);
  if (!segment || segment.id !== 0x18538067) throw new VideoProbeError('The WebM file has no segment');
  const segmentEnd = segment.size < 0 ? buf.length : Math.min(buf.length, segment.dataStart + segment.size);
  let scale = 1_000_000;
  let duration = 0;
  let codec = '';
  let width = 0;
  let height = 0;
  for (const e of children(buf, segment.dataStart, segmentEnd)) {
    if (e.id === 0x1549a966) {
      for (const c of children(buf, e.dataStart, e.dataStart + e.size)) {
        if (c.id === 0x2ad7b1) scale = uint(buf, c);
        if (c.id === 0x4489) duration = c.size === 4 ? buf.readFloatBE(c.dataStart) : buf.readDoubleBE(c.dataStart);
      }
    } else if (e.id === 0x1654ae6b) {
      for (const entry of children(buf, e.dataStart, e.dataStart + e.size)) {
        if (entry.id !== 0xae || codec) continue;
        let type = 0;
        let id = '';
        let w = 0;
        let h = 0;
        for (const c of children(buf, entry.dataStart, entry.dataStart + entry.size)) {
          if (c.id === 0x83) type = uint(buf, c);
          if (c.id === 0x86) id = buf.toString('latin1', c.dataStart, c.dataStart + c.size);
          if (c.id === 0xe0) {
            for (const v of children(buf, c.dataStart, c.dataStart + c.size)) {
              if (v.id === 0xb0) w = uint(buf, v);
              if (v.id === 0xba) h = uint(buf, v);
            }
          }
        }
        if (type === 1) [codec, width, height] = [id, w, h];
      }
    } else if (e.id === 0x1f43b675) break; // first cluster: the headers are behind us
  }
  if (!codec) throw new VideoProbeError('The WebM file has no video track');
  const family = WEBM_CODECS[codec];
  if (!family) throw new VideoProbeError(`Video codec ${codec.slice(0, 16)} is not supported in WebM (use VP8, VP9 or AV1)`);
  return { container: 'webm', durationSeconds: (duration * scale) / 1e9, width, height, codec: family };
}

/** Parses the container of an uploaded video (already sniffed as mp4, mov or webm) from its temp file. */
export async function probeVideo(path: string, size: number, container: VideoContainer): Promise<VideoInfo> {
  const file = await open(path, 'r');
  try {
    return container === 'webm' ? await probeWebm(file) : await probeIsoBmff(file, size, container);
  } finally {
    await file.close();
  }
}
