import ipaddr from 'ipaddr.js';

/** A client address parsed, an IPv4-mapped IPv6 address as its IPv4 address; undefined if not an IP. */
export function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const parsed = ipaddr.parse(ip);
  return parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()
    ? parsed.toIPv4Address()
    : parsed;
}
