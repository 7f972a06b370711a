import { describe, expect, it } from '@jest/globals';
import { blockedRangeOf, ipLiteralOf, webhookUrlProblems, type OutboundPolicy } from './outbound-policy.js';

const strict: OutboundPolicy = { allowPrivateNetworks: false, allowHttp: false };
const permissive: OutboundPolicy = { allowPrivateNetworks: true, allowHttp: true };

describe('blockedRangeOf', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:10.0.0.1', 'ipv4Mapped'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::1', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['::7f00:1', 'not global unicast'],
    ['4000::1', 'not global unicast'],
  ])('blocks %s (%s)', (address, range) => {
    expect(blockedRangeOf(address)).toBe(range);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450::1'])(
    'lets the public address %s through',
    (address) => {
      expect(blockedRangeOf(address)).toBeUndefined();
    },
  );
});

describe('ipLiteralOf', () => {
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://[::1]:8080/', '::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['https://hooks.example.com/', undefined],
  ])('reads %s, as WHATWG URL normalises it, as %s', (raw, literal) => {
    expect(ipLiteralOf(new URL(raw).hostname)).toBe(literal);
  });
});

describe('webhookUrlProblems', () => {
  it('accepts a public https URL, with a port, path and query', () => {
    expect(webhookUrlProblems('https://hooks.example.com:8443/in/groundwork?team=7', strict)).toEqual([]);
  });

  it.each([
    ['hooks.example.com/in', 'the URL must be an absolute http(s) URL'],
    ['/relative/path', 'the URL must be an absolute http(s) URL'],
    ['ftp://hooks.example.com/', 'the URL must be an absolute http(s) URL'],
    ['javascript:alert(1)', 'the URL must be an absolute http(s) URL'],
    ['http://hooks.example.com/', 'the URL must use https'],
    ['https://user:secret@hooks.example.com/', 'the URL must not carry credentials'],
    ['https://token@hooks.example.com/', 'the URL must not carry credentials'],
    ['https://10.0.0.5/hook', 'address 10.0.0.5 is in a blocked range (private)'],
    ['https://169.254.169.254/latest/meta-data/', 'address 169.254.169.254 is in a blocked range (linkLocal)'],
    ['https://2130706433/', 'address 127.0.0.1 is in a blocked range (loopback)'],
    ['https://0x7f.1/', 'address 127.0.0.1 is in a blocked range (loopback)'],
    ['https://[::1]/', 'address ::1 is in a blocked range (loopback)'],
    ['https://[::ffff:127.0.0.1]/', 'address ::ffff:7f00:1 is in a blocked range (ipv4Mapped)'],
    ['https://localhost/', 'host localhost is a loopback name'],
    ['https://api.localhost./', 'host api.localhost. is a loopback name'],
  ])('refuses %s: %s', (raw, problem) => {
    expect(webhookUrlProblems(raw, strict)).toContain(problem);
  });

  it('accepts 2,048 characters and refuses one more', () => {
    const base = 'https://hooks.example.com/';
    expect(webhookUrlProblems(base + 'a'.repeat(2048 - base.length), strict)).toEqual([]);
    expect(webhookUrlProblems(base + 'a'.repeat(2049 - base.length), strict)).toEqual([
      'the URL is longer than 2048 characters',
    ]);
  });

  it('lists every problem of a URL at once', () => {
    expect(webhookUrlProblems('http://user:pw@127.0.0.1/', strict)).toEqual([
      'the URL must use https',
      'the URL must not carry credentials',
      'address 127.0.0.1 is in a blocked range (loopback)',
    ]);
  });

  it('lets http and private addresses through when the policy allows them', () => {
    expect(webhookUrlProblems('http://127.0.0.1:3000/hook', permissive)).toEqual([]);
    expect(webhookUrlProblems('http://localhost:3000/hook', permissive)).toEqual([]);
  });

  it('still refuses credentials and other schemes under the permissive policy', () => {
    expect(webhookUrlProblems('http://a:b@127.0.0.1/', permissive)).toEqual(['the URL must not carry credentials']);
    expect(webhookUrlProblems('file:///etc/passwd', permissive)).toEqual(['the URL must be an absolute http(s) URL']);
  });

  it('does not resolve names: a name that may point anywhere is left to the delivery-time check', () => {
    expect(webhookUrlProblems('https://internal.example.com/', strict)).toEqual([]);
  });
});

describe('webhookUrlProblems and the allowed ports', () => {
  const ports: OutboundPolicy = { allowPrivateNetworks: false, allowHttp: true, allowedPorts: [80, 443, 8443] };

  it("accepts a URL naming no port (its scheme's default) or an allowed one", () => {
    for (const url of ['https://hooks.example.com/', 'http://hooks.example.com/', 'https://hooks.example.com:8443/x']) {
      expect(webhookUrlProblems(url, ports)).toEqual([]);
    }
  });

  it('refuses any other port, naming the allowed ones', () => {
    expect(webhookUrlProblems('https://hooks.example.com:6379/', ports)).toEqual([
      'port 6379 is not allowed; use one of 80, 443, 8443',
    ]);
    // http's default port is 80; https on 80 is an explicit port 80, allowed.
    expect(webhookUrlProblems('http://hooks.example.com:443/', ports)).toEqual([]);
    expect(webhookUrlProblems('https://hooks.example.com:25/', ports)).toHaveLength(1);
  });

  it('allows any port when private networks are allowed (tests, local development)', () => {
    expect(webhookUrlProblems('http://127.0.0.1:35000/', { ...ports, allowPrivateNetworks: true })).toEqual([]);
  });
});
