/**
 * Passwords of 12+ characters that appear near the top of public breach corpora, plus the patterns they are
 * made of. Compared case-insensitively. Short entries of the usual top-3000 lists are already refused by the
 * 12-character minimum.
 */
export const COMMON_PASSWORDS = new Set([
  'password1234', 'password12345', 'password123456', 'password1234567', 'passw0rd1234', 'p@ssw0rd1234',
  'password123!', 'password2023', 'password2024', 'password2025', 'password2026', 'qwerty123456',
  'qwertyuiop12', 'qwertyuiop123', 'qwertyuiop1234', 'qwerty1234567', '1q2w3e4r5t6y', '1q2w3e4r5t6y7u',
  '123456789abc', 'abc123456789', 'abcd12345678', 'abcdef123456', '123456abcdef', 'iloveyou1234',
  'iloveyou12345', 'welcome12345', 'welcome123456', 'letmein12345', 'letmein123456', 'admin1234567',
  'administrator1', 'administrator123', 'admin123456789', 'changeme1234', 'changeme123456', 'football1234',
  'baseball1234', 'monkey123456', 'dragon123456', 'sunshine1234', 'princess1234', 'superman1234',
  'starwars1234', 'trustno11234', 'master123456', 'shadow123456', 'michael12345', 'jennifer1234',
  'computer1234', 'internet1234', 'whatever1234', 'zaq12wsxcde3', '1qaz2wsx3edc', '1qaz2wsx3edc4rfv',
  'q1w2e3r4t5y6', 'a1b2c3d4e5f6', 'asdfghjkl123', 'asdfghjkl1234', 'zxcvbnm12345', 'zxcvbnm123456',
  'mypassword123', 'mypassword1234', 'secret123456', 'default12345', 'vertexar1234', 'vertex123456',
  'qwerty123qwerty', 'password1password', 'passwordpassword1', 'abc123abc123', 'test12345678',
  'testtest1234', 'user12345678', 'login1234567', 'hello1234567', 'helloworld123', 'helloworld1234',
]);

const SEQUENCES = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm'];

/** True for passwords made only of one repeated short unit (`abcabcabc123` is not, `1212121212ab` is). */
export function isTrivialPattern(password: string): boolean {
  const lowered = password.toLowerCase();
  if (/^(.{1,3})\1+$/.test(lowered)) return true;
  return SEQUENCES.some((sequence) => sequence.includes(lowered) || `${sequence}${sequence}`.includes(lowered));
}
