import { hostSyntaxProblem, isBlockedAddress } from './smtp-host-guard';

describe('SMTP host guard', () => {
  it.each(['smtp.example.com', 'mail-1.example.org.', 'localhost', '127.0.0.1', '[::1]', '2a00:1450:4001:80b::200e', 'xn--80ak6aa92e.com'])(
    'accepts the syntax of %s',
    (host) => expect(hostSyntaxProblem(host)).toBeNull(),
  );

  it.each([
    '',
    'a'.repeat(254),
    '0x7f000001',
    '2130706433',
    '127.1',
    '0177.0.0.1',
    '0x7f.0.0.1',
    'fe80::1%eth0',
    'a b',
    'a_b.com',
    '-a.com',
    'a..b',
    'host:25',
  ])('refuses the syntax of %j', (host) => expect(hostSyntaxProblem(host)).not.toBeNull());

  it.each([
    '127.0.0.1',
    '10.0.0.5',
    '172.31.255.255',
    '192.168.0.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd00:ec2::254',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:8.8.8.8',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
  ])('blocks %s', (address) => expect(isBlockedAddress(address)).toBe(true));

  it.each(['8.8.8.8', '93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '2a00:1450:4001:80b::200e'])('allows %s', (address) =>
    expect(isBlockedAddress(address)).toBe(false),
  );
});
