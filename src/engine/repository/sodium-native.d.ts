// The one call of sodium-native the repository uses (the package ships no types of its own).
declare module 'sodium-native' {
  const sodium: {
    crypto_onetimeauth(out: Uint8Array, msg: Uint8Array, key: Uint8Array): void;
    crypto_onetimeauth_verify(tag: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean;
  };
  export default sodium;
}
