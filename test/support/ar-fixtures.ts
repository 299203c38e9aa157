import sharp from 'sharp';

/** Deterministic PRNG (mulberry32) so generated pictures are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['VERTEX', 'AR', 'PORTRAIT', 'MEMORY', 'ПАМЯТЬ', 'ФОТО', '2026', 'LIVE'];

/** A textured, trackable picture: random shapes, strokes and words in strong colours (JPEG). */
export async function texturedJpeg(size: number, seed = 1, height = size): Promise<Buffer> {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const colour = () => `rgb(${pick(256)},${pick(256)},${pick(256)})`;
  const parts: string[] = [`<rect width="${size}" height="${height}" fill="${colour()}"/>`];
  for (let i = 0; i < 140; i++) {
    const x = pick(size);
    const y = pick(height);
    const r = 6 + pick(size / 10);
    switch (pick(4)) {
      case 0:
        parts.push(`<rect x="${x}" y="${y}" width="${r * 2}" height="${r}" fill="${colour()}" transform="rotate(${pick(90)} ${x} ${y})"/>`);
        break;
      case 1:
        parts.push(`<circle cx="${x}" cy="${y}" r="${r}" fill="${colour()}" stroke="${colour()}" stroke-width="${1 + pick(6)}"/>`);
        break;
      case 2:
        parts.push(`<polygon points="${x},${y} ${x + r},${y + pick(r * 2)} ${x - pick(r)},${y + r}" fill="${colour()}"/>`);
        break;
      default:
        parts.push(
          `<text x="${x}" y="${y}" font-family="sans-serif" font-weight="bold" font-size="${12 + pick(size / 12)}" fill="${colour()}">${WORDS[pick(WORDS.length)]}</text>`,
        );
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${height}">${parts.join('')}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

/** A flat grey picture: nothing to track. */
export function flatGreyJpeg(size: number): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .jpeg()
    .toBuffer();
}

/** A soft horizontal gradient: contrast but no corners. */
export function gradientJpeg(size: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><defs><linearGradient id="g"><stop offset="0" stop-color="#202020"/><stop offset="1" stop-color="#e0e0e0"/></linearGradient></defs><rect width="${size}" height="${size}" fill="url(#g)"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}
