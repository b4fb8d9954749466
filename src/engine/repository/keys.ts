// Key files (keys/ID): plain JSON holding scrypt parameters, a salt, and the master key sealed
// with the key scrypt derives from the password. Several key files allow several passwords.
import crypto from 'node:crypto';
import os from 'node:os';
import { keyFromBytes, open, seal, sha256Hex, type Key } from './crypto.ts';
import { formatTime } from './tree.ts';

export interface KeyFile {
  created: string;
  username: string;
  hostname: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  data: string;
}

/** scrypt parameters for new keys: restic's defaults (N=2^15, r=8); p=1 keeps opening quick. */
export const KDF = { N: 1 << 15, r: 8, p: 1 };

function deriveKey(password: string, salt: Buffer, N: number, r: number, p: number): Key {
  const bytes = crypto.scryptSync(password, salt, 64, { N, r, p, maxmem: 256 * N * r + 64 * 1024 * 1024 });
  return keyFromBytes(bytes);
}

function masterKeyJson(k: Key): Buffer {
  return Buffer.from(
    JSON.stringify({ mac: { k: k.macK.toString('base64'), r: k.macR.toString('base64') }, encrypt: k.encrypt.toString('base64') }),
  );
}

/** Makes a key file that wraps `master` with `password`; returns its id and bytes. */
export function makeKeyFile(master: Key, password: string, now = new Date()): { id: string; bytes: Buffer } {
  const salt = crypto.randomBytes(64);
  const derived = deriveKey(password, salt, KDF.N, KDF.r, KDF.p);
  const kf: KeyFile = {
    created: formatTime(BigInt(now.getTime()) * 1_000_000n),
    username: os.userInfo().username,
    hostname: os.hostname(),
    kdf: 'scrypt',
    N: KDF.N,
    r: KDF.r,
    p: KDF.p,
    salt: salt.toString('base64'),
    data: seal(derived, masterKeyJson(master)).toString('base64'),
  };
  const bytes = Buffer.from(JSON.stringify(kf));
  return { id: sha256Hex(bytes), bytes };
}

/** The master key inside a key file, or undefined when the password does not open it. */
export function openKeyFile(bytes: Buffer, password: string): Key | undefined {
  const kf = JSON.parse(bytes.toString('utf8')) as KeyFile;
  if (kf.kdf !== 'scrypt') return undefined;
  const derived = deriveKey(password, Buffer.from(kf.salt, 'base64'), kf.N, kf.r, kf.p);
  let plain: Buffer;
  try {
    plain = open(derived, Buffer.from(kf.data, 'base64'), 'key file');
  } catch {
    return undefined;
  }
  const j = JSON.parse(plain.toString('utf8')) as { mac: { k: string; r: string }; encrypt: string };
  return { encrypt: Buffer.from(j.encrypt, 'base64'), macK: Buffer.from(j.mac.k, 'base64'), macR: Buffer.from(j.mac.r, 'base64') };
}
