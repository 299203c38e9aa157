export interface RateLimit {
  limit: number;
  ttlMs: number;
  /** The original `N/unit` text, for logs and docs. */
  text: string;
}

const UNIT_MS: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export const RATE_LIMIT_PATTERN = /^([1-9][0-9]{0,6})\/(second|minute|hour|day)$/;

/** Parses `N/second|minute|hour|day` (e.g. `100/minute`). Returns null when the text is not in that form. */
export function parseRateLimit(text: string): RateLimit | null {
  const match = RATE_LIMIT_PATTERN.exec(text.trim());
  if (!match) return null;
  return { limit: Number(match[1]), ttlMs: UNIT_MS[match[2]], text: `${match[1]}/${match[2]}` };
}
