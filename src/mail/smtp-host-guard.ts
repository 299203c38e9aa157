import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';

/** A hostname (labels of letters, digits and inner hyphens; the last label not numeric) or a canonical IP. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** Loopback, private, link-local, CGNAT, unspecified, metadata, documentation, multicast and reserved ranges. */
const BLOCKED_V4 = new BlockList();
// Separate lists: Node matches IPv4 addresses against IPv6 rules through their ::ffff: form.
const BLOCKED_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  // IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo forms can carry any IPv4 address: refused as a whole.
  ['::ffff:0:0', 96],
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2002::', 16],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED_V6.addSubnet(network, prefix, 'ipv6');
}

export type HostProblem = { message: string };

/** Strips the brackets of `[::1]`; lower-cases. */
export function normalizeHost(raw: string): string {
  const trimmed = raw.trim().toLowerCase();
  return trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
}

/**
 * Syntax only: a hostname or a canonical IPv4/IPv6 address. Refuses the other numeric spellings that
 * resolvers accept (`0x7f000001`, `2130706433`, `127.1`, `0177.0.0.1`) and IPv6 zone ids.
 */
export function hostSyntaxProblem(raw: string): string | null {
  const host = normalizeHost(raw);
  if (host.length === 0 || host.length > 253) return 'host must be 1-253 characters';
  if (host.includes('%')) return 'host must be a hostname or a canonical IP address (no IPv6 zone id)';
  if (isIP(host)) return null;
  if (host.includes(':')) return 'host must be a hostname or a canonical IP address';
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  if (!labels.every((label) => LABEL.test(label))) return 'host must be a hostname or a canonical IP address';
  const last = labels[labels.length - 1];
  if (/^\d+$/.test(last) || /^0x[0-9a-f]*$/i.test(last)) return 'host must be a hostname or a canonical IP address';
  return null;
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED_V4.check(address, 'ipv4');
  if (family === 6) return BLOCKED_V6.check(address, 'ipv6');
  return true;
}

export interface ResolvedHost {
  /** The address to connect to (the first allowed one). */
  address: string;
  /** TLS server name (the hostname; undefined for an IP literal). */
  servername: string | undefined;
}

/**
 * SSRF guard for the admin-supplied SMTP host (ASVS 1.3.6): every address the name resolves to must be public
 * unless MAIL_ALLOW_PRIVATE_HOSTS=true. Used when settings are saved and again before each connection (the
 * connection then goes to the checked address, so a DNS answer cannot change between check and use).
 */
@Injectable()
export class SmtpHostGuard {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Overridable in tests (a name resolving to a private address). */
  async resolveAll(host: string): Promise<string[]> {
    const answers = await withTimeout(lookup(host, { all: true, verbatim: true }), 5_000);
    return answers.map((answer) => answer.address);
  }

  /** Returns the reason the host is refused, or null. */
  async problem(raw: string): Promise<string | null> {
    const syntax = hostSyntaxProblem(raw);
    if (syntax) return syntax;
    if (this.config.mail.allowPrivateHosts) return null;
    try {
      await this.resolve(raw);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : 'host is not allowed';
    }
  }

  /** Resolves and checks the host; throws with a reason when it is not allowed. */
  async resolve(raw: string): Promise<ResolvedHost> {
    const host = normalizeHost(raw);
    const syntax = hostSyntaxProblem(host);
    if (syntax) throw new Error(syntax);
    const literal = isIP(host) !== 0;
    let addresses: string[];
    try {
      addresses = literal ? [host] : await this.resolveAll(host);
    } catch {
      throw new Error('host could not be resolved');
    }
    if (addresses.length === 0) throw new Error('host could not be resolved');
    if (!this.config.mail.allowPrivateHosts && addresses.some(isBlockedAddress)) {
      throw new Error('host resolves to a loopback, private, link-local or metadata address (set MAIL_ALLOW_PRIVATE_HOSTS=true to allow)');
    }
    const address = addresses[0];
    return { address, servername: literal ? undefined : host.replace(/\.$/, '') };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('DNS lookup timed out')), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
