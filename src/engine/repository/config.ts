// The repository config file (`config`, sealed with the master key): version 2, a random id, and
// the chunker polynomial. restic's Rabin chunker uses the polynomial; lifeboat's FastCDC chunker
// derives its gear table from it and the id, so chunk boundaries are secret and fixed per repository.
import crypto from 'node:crypto';

export interface RepoConfig {
  version: number;
  id: string;
  chunker_polynomial: string;
}

// Polynomials over GF(2) as bigints.
function deg(p: bigint): number {
  return p === 0n ? -1 : p.toString(2).length - 1;
}

function mod(x: bigint, m: bigint): bigint {
  const dm = deg(m);
  for (let d = deg(x); d >= dm; d = deg(x)) x ^= m << BigInt(d - dm);
  return x;
}

function mulMod(a: bigint, b: bigint, m: bigint): bigint {
  let r = 0n;
  while (b > 0n) {
    if (b & 1n) r ^= a;
    a <<= 1n;
    b >>= 1n;
  }
  return mod(r, m);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, mod(a, b)];
  return a;
}

/** Ben-Or's test, as restic's chunker does it: gcd(f, x^(2^i) - x mod f) = 1 for i <= deg/2. */
export function irreducible(f: bigint): boolean {
  let x2i = 2n; // x
  for (let i = 1; i <= deg(f) >> 1; i++) {
    x2i = mulMod(x2i, x2i, f); // x^(2^i)
    if (gcd(f, mod(x2i ^ 2n, f)) !== 1n) return false;
  }
  return true;
}

/** A random irreducible polynomial of degree 53, like restic's chunker.RandomPolynomial. */
export function randomPolynomial(): bigint {
  for (;;) {
    let f = crypto.randomBytes(8).readBigUInt64LE() & ((1n << 54n) - 1n);
    f |= (1n << 53n) | 1n;
    if (irreducible(f)) return f;
  }
}

export function newConfig(): RepoConfig {
  return { version: 2, id: crypto.randomBytes(32).toString('hex'), chunker_polynomial: randomPolynomial().toString(16) };
}

/** 256 gear values for FastCDC, derived from the repository's polynomial and id. */
export function gearTable(cfg: RepoConfig): Uint32Array {
  const out = new Uint32Array(256);
  for (let i = 0; i < 32; i++) {
    const h = crypto.createHash('sha256').update(`lifeboat-fastcdc-gear\0${cfg.chunker_polynomial}\0${cfg.id}\0${i}`).digest();
    for (let j = 0; j < 8; j++) out[i * 8 + j] = h.readUInt32LE(j * 4);
  }
  return out;
}
