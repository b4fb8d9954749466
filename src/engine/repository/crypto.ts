// restic's authenticated encryption: AES-256-CTR, then Poly1305-AES over the ciphertext.
// Sealed layout: IV (16) || ciphertext || MAC (16). The MAC key is (k, r): the Poly1305 one-time
// key is r || AES-128_k(IV). Every file but the key files, and every blob, is sealed this way.
import crypto from 'node:crypto';
import { poly1305 } from './poly1305.ts';
import { IntegrityError } from './errors.ts';

export const IV_SIZE = 16;
export const MAC_SIZE = 16;
export const OVERHEAD = IV_SIZE + MAC_SIZE;

/** The repository's master key (or a key derived from a password): 32 + 16 + 16 bytes. */
export interface Key {
  encrypt: Buffer; // AES-256 key, 32 bytes
  macK: Buffer; // AES-128 key for the Poly1305 nonce, 16 bytes
  macR: Buffer; // Poly1305 r, 16 bytes (clamped when used)
}

export function randomKey(): Key {
  return { encrypt: crypto.randomBytes(32), macK: crypto.randomBytes(16), macR: crypto.randomBytes(16) };
}

/** Key bytes as restic's scrypt output splits them: 32 encryption, 16 k, 16 r. */
export function keyFromBytes(b: Buffer): Key {
  return { encrypt: Buffer.from(b.subarray(0, 32)), macK: Buffer.from(b.subarray(32, 48)), macR: Buffer.from(b.subarray(48, 64)) };
}

function mac(key: Key, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const ecb = crypto.createCipheriv('aes-128-ecb', key.macK, null);
  ecb.setAutoPadding(false);
  const s = ecb.update(iv);
  return poly1305(ciphertext, key.macR, s);
}

// AES-CTR in 64 KiB steps: OpenSSL's output for one step stays in the CPU cache, where one call
// over a whole blob writes megabytes of fresh memory and ran 5x slower here.
const STEP = 64 * 1024;

function ctrInto(key: Key, iv: Uint8Array, plaintext: Uint8Array, out: Buffer, at: number): number {
  const ctr = crypto.createCipheriv('aes-256-ctr', key.encrypt, iv);
  let n = 0;
  for (let o = 0; o < plaintext.length; o += STEP) n += ctr.update(plaintext.subarray(o, o + STEP)).copy(out, at + n);
  n += ctr.final().copy(out, at + n);
  if (n !== plaintext.length) throw new Error('AES-CTR returned a short block');
  return n;
}

/** Encrypts and authenticates `plaintext`; returns IV || ciphertext || MAC. */
export function seal(key: Key, plaintext: Uint8Array, iv: Buffer = crypto.randomBytes(IV_SIZE)): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + OVERHEAD);
  iv.copy(out, 0);
  const n = ctrInto(key, iv, plaintext, out, IV_SIZE);
  const body = out.subarray(IV_SIZE, IV_SIZE + plaintext.length);
  out.set(mac(key, iv, body), IV_SIZE + plaintext.length);
  return out;
}

/** Seals, in place, the `length` plaintext bytes at offset + IV_SIZE of `buf`; returns the sealed length. */
export function sealInPlace(key: Key, buf: Buffer, offset: number, length: number): number {
  const iv = crypto.randomBytes(IV_SIZE);
  iv.copy(buf, offset);
  const body = buf.subarray(offset + IV_SIZE, offset + IV_SIZE + length);
  ctrInto(key, iv, body, buf, offset + IV_SIZE); // each step is read before its output lands
  buf.set(mac(key, iv, body), offset + IV_SIZE + length);
  return length + OVERHEAD;
}

/** open(), decrypting in place: the plaintext is a view into `sealed`, which the caller gives up. */
export function openInPlace(key: Key, sealed: Buffer, what = 'data'): Buffer {
  if (sealed.length < OVERHEAD) throw new IntegrityError(`${what}: too short to be encrypted data`);
  const iv = sealed.subarray(0, IV_SIZE);
  const body = sealed.subarray(IV_SIZE, sealed.length - MAC_SIZE);
  if (!crypto.timingSafeEqual(mac(key, iv, body), sealed.subarray(sealed.length - MAC_SIZE))) throw new IntegrityError(`${what}: MAC mismatch (damaged or wrong key)`);
  ctrInto(key, iv, body, sealed, IV_SIZE);
  return body;
}

/** Checks the MAC and decrypts; throws IntegrityError when the MAC does not match. */
export function open(key: Key, sealed: Uint8Array, what = 'data'): Buffer {
  if (sealed.length < OVERHEAD) throw new IntegrityError(`${what}: too short to be encrypted data`);
  const iv = sealed.subarray(0, IV_SIZE);
  const body = sealed.subarray(IV_SIZE, sealed.length - MAC_SIZE);
  const expected = mac(key, iv, body);
  const got = sealed.subarray(sealed.length - MAC_SIZE);
  if (!crypto.timingSafeEqual(expected, got)) throw new IntegrityError(`${what}: MAC mismatch (damaged or wrong key)`);
  const out = Buffer.allocUnsafe(body.length);
  ctrInto(key, iv, body, out, 0); // CTR decrypts as it encrypts
  return out;
}

// crypto.hash (one shot, Node >= 20.12) costs a third less than createHash for small inputs,
// and a backup hashes one chunk per small file.
export function sha256(data: Uint8Array): Buffer {
  return crypto.hash('sha256', data, 'buffer') as unknown as Buffer;
}

export function sha256Hex(data: Uint8Array): string {
  return crypto.hash('sha256', data, 'hex');
}
