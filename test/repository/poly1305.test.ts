// The MAC every blob and file is sealed with: libsodium's Poly1305 gives the tags the pure-JS
// implementation (@noble/ciphers, used before) gives, for every length class and for keys whose
// r needs clamping, and a sealed blob opens only while it is intact.
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { poly1305 } from '../../src/engine/repository/poly1305.ts';
import { open, randomKey, seal } from '../../src/engine/repository/crypto.ts';

function noble(msg: Uint8Array, r: Uint8Array, s: Uint8Array): Buffer {
  return Buffer.from(noblePoly1305(msg, Buffer.concat([r, s])));
}

describe('poly1305', () => {
  it('gives the same tags as @noble/ciphers for lengths around block and chunk edges', () => {
    const lengths = [0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096, 65537, 512 * 1024 + 3, 1 << 20];
    for (const n of lengths) {
      for (let round = 0; round < 3; round++) {
        const msg = crypto.randomBytes(n);
        const r = crypto.randomBytes(16);
        const s = crypto.randomBytes(16);
        expect(poly1305(msg, r, s).toString('hex'), `length ${n}`).toBe(noble(msg, r, s).toString('hex'));
      }
    }
  });

  it('clamps r as the specification says (all-ones r and s, and a subarray as input)', () => {
    const r = Buffer.alloc(16, 0xff);
    const s = Buffer.alloc(16, 0xff);
    const big = crypto.randomBytes(10_000);
    const msg = big.subarray(3, 9_001);
    expect(poly1305(msg, r, s).toString('hex')).toBe(noble(Buffer.from(msg), r, s).toString('hex'));
    // RFC 8439 section 2.5.2's test vector.
    const key = Buffer.from('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b', 'hex');
    const text = Buffer.from('Cryptographic Forum Research Group');
    expect(poly1305(text, key.subarray(0, 16), key.subarray(16)).toString('hex')).toBe('a8061dc1305136c6c22b8baf0c0127a9');
  });

  it('a sealed blob opens with its key, and one flipped bit anywhere is refused', () => {
    const key = randomKey();
    const plain = crypto.randomBytes(100_000);
    const sealed = seal(key, plain);
    expect(open(key, sealed).equals(plain)).toBe(true);
    for (const at of [0, 15, 16, 50_000, sealed.length - 17, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] ^= 1;
      expect(() => open(key, bad), `bit at ${at}`).toThrow(/MAC mismatch/);
    }
  });
});
