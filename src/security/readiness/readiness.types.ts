export type ReadinessStatus = 'pass' | 'warn' | 'fail';

/** 3: a hole an attacker can use directly; 2: weakens a control or hides an attack; 1: hygiene, or a feature not built yet. */
export type ReadinessWeight = 1 | 2 | 3;

export interface ReadinessItem {
  id: string;
  title: string;
  status: ReadinessStatus;
  weight: ReadinessWeight;
  detail: string;
  /** What to do about it; null when the item passes. */
  advice: string | null;
}

export interface ReadinessReport {
  /** Weighted percentage: Σ weight × (pass 1, warn 0.5, fail 0) / Σ weight × 100, rounded; at most 79 while a weight-3 item fails. */
  score: number;
  grade: 'A' | 'B' | 'C' | 'D' | 'F';
  passed: number;
  warned: number;
  failed: number;
  items: ReadinessItem[];
  generatedAt: string;
}

/** Host and database facts gathered at check time (the rest comes from the configuration). */
export interface ReadinessFacts {
  /** Application instances connected to this database, this one included; null when it could not be read. */
  instances: number | null;
  admins: AdminFact[] | null;
  /** The stored SMTP settings row (null: none saved; undefined: could not be read). */
  mail?: MailFact | null;
  /** Newest complete backup (null: none; undefined: could not be read). */
  backups?: BackupFact | null;
  now: Date;
}

export interface BackupFact {
  completedAt: Date;
  /** Whether the newest complete backup passed its last verification (null: never verified). */
  verified: boolean | null;
}

export interface MailFact {
  enabled: boolean;
  hasPassword: boolean;
  passwordEncrypted: boolean;
}

export interface AdminFact {
  email: string;
  passwordChangedAt: Date;
  lastLoginAt: Date | null;
}

export function item(
  id: string,
  title: string,
  weight: ReadinessWeight,
  status: ReadinessStatus,
  detail: string,
  advice: string | null = null,
): ReadinessItem {
  return { id, title, weight, status, detail, advice: status === 'pass' ? null : advice };
}
