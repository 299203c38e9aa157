/** Domain events of the AuthModule; listeners (mail, metrics) subscribe without AuthModule knowing them. */
export const AUTH_EVENTS = {
  accountLocked: 'auth.account.locked',
  passwordChanged: 'auth.password.changed',
  loginFailed: 'auth.login.failed',
} as const;

export interface AccountLockedEvent {
  userId: string;
  email: string;
  lockedUntil: string;
  ip: string | null;
}

export interface PasswordChangedEvent {
  userId: string;
  email: string;
  fullName: string;
  at: string;
}

/** A sign-in (or password confirmation) refused: unknown e-mail, wrong password or disabled account. */
export interface LoginFailedEvent {
  userId: string | null;
  reason: 'unknown_email' | 'wrong_password' | 'wrong_current_password' | 'disabled';
  ip: string | null;
}
