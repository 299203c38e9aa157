export type PortraitStatus = 'active' | 'expiring' | 'expired';

export const EXPIRING_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** `active | expiring (≤ 7 days left) | expired`, from the subscription end (none: never expires). */
export function portraitStatus(endsAt: Date | null, now: Date): PortraitStatus {
  if (!endsAt) return 'active';
  const left = endsAt.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= EXPIRING_WINDOW_MS ? 'expiring' : 'active';
}
