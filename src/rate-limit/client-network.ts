import ipaddr from 'ipaddr.js';
import { parseIp } from '../common/http/ip-address';

/**
 * The network a client address belongs to, as the account limit counts it: the /24 of an IPv4
 * address, the /64 of an IPv6 one (an IPv4-mapped IPv6 address counts as its IPv4 address). One
 * host, or one subscriber's whole IPv6 prefix, is then one network.
 */
export function clientNetwork(ip: string): string {
  const address = parseIp(ip);
  if (!address) return ip;
  if (address instanceof ipaddr.IPv4) return `${address.octets.slice(0, 3).join('.')}.0/24`;
  return `${address.parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}
