/** Dimensions read from an image header without decoding any pixels. */
export interface ImageHeader {
  format: 'jpeg' | 'png' | 'webp';
  width: number;
  height: number;
}

/** `undefined`: more bytes are needed; `null`: the bytes are not a header this parser understands. */
export type HeaderResult = ImageHeader | undefined | null;

function png(buf: Buffer): HeaderResult {
  // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4).
  if (buf.length < 24) return undefined;
  if (buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { format: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): the frame header with the real dimensions. */
const isSof = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function jpeg(buf: Buffer): HeaderResult {
  let offset = 2;
  while (offset + 4 <= buf.length) {
    if (buf[offset] !== 0xff) return null;
    const marker = buf[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    const length = buf.readUInt16BE(offset + 2);
    if (length < 2) return null;
    if (isSof(marker)) {
      if (offset + 9 > buf.length) return undefined;
      return { format: 'jpeg', height: buf.readUInt16BE(offset + 5), width: buf.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

function webp(buf: Buffer): HeaderResult {
  if (buf.length < 30) return undefined;
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WEBP') return null;
  const chunk = buf.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { format: 'webp', width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
  if (chunk === 'VP8L') {
    if (buf[20] !== 0x2f) return null;
    const bits = buf.readUInt32LE(21);
    return { format: 'webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ') {
    // Frame tag (3) then the start code 9d 01 2a, then 14-bit width and height.
    if (buf[23] !== 0x9d || buf[24] !== 0x01 || buf[25] !== 0x2a) return null;
    return { format: 'webp', width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  }
  return null;
}

/**
 * Reads width and height from the first bytes of a JPEG (first SOF segment, skipping EXIF and other
 * segments), PNG (IHDR) or WebP (VP8/VP8L/VP8X). Used to refuse pixel floods before any decoder runs.
 */
export function readImageHeader(head: Buffer): HeaderResult {
  if (head.length < 4) return undefined;
  if (head[0] === 0x89 && head.toString('latin1', 1, 4) === 'PNG') return png(head);
  if (head[0] === 0xff && head[1] === 0xd8) return jpeg(head);
  if (head.toString('latin1', 0, 4) === 'RIFF') return webp(head);
  return null;
}
