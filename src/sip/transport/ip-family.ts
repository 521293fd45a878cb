/**
 * net.isIP with a scan for the common case. isIP runs a regular expression per call, and the
 * send path asks several times per message (unroutable check, transport pick, the socket's
 * lookup). A dotted quad with octets 0-255 and no leading zeros (what isIP accepts) is answered
 * by the scan; anything else goes to isIP, so the answer is always isIP's.
 */
import { isIP } from 'node:net';

export function ipFamily(address: string): number {
  return isDottedQuad(address) ? 4 : isIP(address);
}

function isDottedQuad(s: string): boolean {
  const n = s.length;
  if (n < 7 || n > 15) return false;
  let dots = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return false;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false; // leading zero
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}
