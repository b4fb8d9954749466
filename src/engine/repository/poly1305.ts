// Poly1305 (RFC 8439) with a given r and s: tag = ((sum of 16-byte blocks evaluated at r) + s) mod 2^128.
// The pure-JS implementation of @noble/ciphers does the work; r is clamped by it.
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';

const keyBuf = new Uint8Array(32);

export function poly1305(msg: Uint8Array, r: Uint8Array, s: Uint8Array): Uint8Array {
  keyBuf.set(r, 0);
  keyBuf.set(s, 16);
  return noblePoly1305(msg, keyBuf);
}
