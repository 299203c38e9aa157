/** Trackability of an image as a printed AR target, shown to staff before printing. */
export type TrackabilityScore = 'poor' | 'fair' | 'good' | 'excellent';

export interface Trackability {
  score: TrackabilityScore;
  /** Matching feature points MindAR found over all detection scales (what the viewer matches against). */
  featurePoints: number;
  /** Standard deviation of the luminance (0–255) of the compiled image. */
  contrast: number;
  advice: string[];
}

export interface TrackabilityInput {
  /** Matching points per keyframe scale (largest scale first), from the compiler. */
  matchingPoints: number[];
  /** Tracking points of MindAR's two tracking images (256 and 128 px short side). */
  trackingPoints: number[];
  /** Luminance standard deviation, 0–255. */
  contrast: number;
  /** Shannon entropy of the luminance histogram in bits (0–8). */
  entropy: number;
  /** sharp's sharpness estimate (Laplacian based; below ~0.3 for flat or blurred images). */
  sharpness: number;
  /** Short side of the compiled image in pixels. */
  minSide: number;
}

const RANK: TrackabilityScore[] = ['poor', 'fair', 'good', 'excellent'];

/**
 * Feature count and contrast → score. The thresholds come from compiling generated pictures (flat grey,
 * gradients, soft blobs, low-contrast and full-contrast textures) at 512–1024 px and from MindAR's own
 * behaviour: the viewer needs matching points at the scale the camera sees (the smallest keyframes matter
 * at a distance) and at least a few dozen tracking points to follow the picture once found.
 */
export function assessTrackability(input: TrackabilityInput): Trackability {
  const featurePoints = input.matchingPoints.reduce((sum, n) => sum + n, 0);
  const trackingPoints = input.trackingPoints.reduce((sum, n) => sum + n, 0);
  const smallestScale = input.matchingPoints.at(-1) ?? 0;
  const contrast = Math.round(input.contrast * 10) / 10;
  const advice: string[] = [];

  // Each signal gives the best score it allows; the image gets the lowest of them.
  const byFeatures: TrackabilityScore =
    featurePoints >= 2000 ? 'excellent' : featurePoints >= 1000 ? 'good' : featurePoints >= 300 ? 'fair' : 'poor';
  const byTracking: TrackabilityScore =
    trackingPoints >= 40 ? 'excellent' : trackingPoints >= 25 ? 'good' : trackingPoints >= 10 ? 'fair' : 'poor';
  const byContrast: TrackabilityScore =
    input.contrast >= 45 ? 'excellent' : input.contrast >= 30 ? 'good' : input.contrast >= 15 ? 'fair' : 'poor';
  // Low entropy: few grey levels (flat, posterised, mostly one colour).
  const byDetail: TrackabilityScore = input.entropy < 2 ? 'poor' : input.entropy < 4 ? 'fair' : 'excellent';
  // sharp's sharpness is only a hint (a mildly blurred picture can still track well): it caps at 'good'.
  const blurred = input.sharpness < 0.3;
  const byBlur: TrackabilityScore = blurred ? 'good' : 'excellent';
  const score = RANK[Math.min(...[byFeatures, byTracking, byContrast, byDetail, byBlur].map((s) => RANK.indexOf(s)))];

  if (RANK.indexOf(byContrast) < 2) {
    advice.push('Low contrast: use a picture with clear light and dark areas, and print it without washing it out.');
  }
  if (RANK.indexOf(byDetail) < 2) {
    advice.push('Little detail: large flat or single-colour areas cannot be tracked; pick a picture with texture.');
  }
  if (blurred) advice.push('The picture looks soft or blurred: a sharper original tracks faster and steadier.');
  if (RANK.indexOf(byFeatures) < 2 || smallestScale < 30) {
    advice.push('Few distinctive features: add texture, text or patterned elements, or choose a busier photo.');
  }
  if (RANK.indexOf(byTracking) < 2) {
    advice.push('Few trackable corners: the AR video may shake or drop when the phone moves; add edges and details.');
  }
  if (input.minSide < 480) advice.push('The image is small: upload at least 480 px on the short side.');
  if (score === 'poor') advice.push('This picture will probably not be recognised by the camera. Replace it before printing.');
  if (advice.length === 0) advice.push('Good target. Print it flat and matte, at least 10 cm wide, without glare.');

  return { score, featurePoints, contrast, advice };
}
