// Hash algorithm identifiers shared by the hash, HMAC and RSA modules and the host binding.
export enum HashAlg {
  SHA1 = 1,
  SHA256 = 2,
  SHA384 = 3,
  SHA512 = 4,
  // Added after the others so that existing identifiers keep their values.
  SHA224 = 5,
  // SHA-3 (FIPS 202): digests only; HMAC and RSA take the SHA-1/SHA-2 identifiers above.
  SHA3_256 = 6,
  SHA3_384 = 7,
  SHA3_512 = 8,
  /** SHAKE256 with 64 bytes of output unless the host asks for another length (hash_final_xof). */
  SHAKE256 = 9,
}
