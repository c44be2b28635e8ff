import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { restrictedReason } from './address-class.ts';
import { parseClientIp } from './ip-range.ts';

const reason = (text: string): string | null => restrictedReason(parseClientIp(text)!);

describe('address classes for egress', () => {
  it('lets public addresses through', () => {
    for (const ip of ['1.1.1.1', '8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2001:4860:4860::8888']) assert.equal(reason(ip), null, ip);
  });

  it('names what is not the public internet', () => {
    const table: [string, string][] = [
      ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'], ['169.254.169.254', 'link-local'], ['100.64.0.1', 'shared (carrier NAT)'], ['100.100.100.200', 'shared (carrier NAT)'],
      ['0.0.0.0', 'unspecified'], ['224.0.0.1', 'multicast'], ['255.255.255.255', 'reserved'],
      ['::1', 'loopback'], ['::', 'unspecified'], ['fe80::1', 'link-local'], ['fd00:ec2::254', 'unique-local'], ['ff02::1', 'multicast'], ['2001:0::1', 'Teredo'],
      ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::127.0.0.1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'link-local'], ['2002:7f00:1::1', 'loopback'], ['2002:c0a8:0101::', 'private'],
      ['64:ff9b:1::a00:1', 'local NAT64'], ['64:ff9b:1:ffff::1', 'local NAT64'], ['fec0::1', 'site-local'], ['feff::1', 'site-local'], ['2001:db8::1', 'documentation'],
    ];
    for (const [ip, expected] of table) assert.equal(reason(ip), expected, ip);
  });
});
