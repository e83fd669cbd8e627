// Hash algorithm identifiers shared by the hash, HMAC and RSA modules and the host binding.
export enum HashAlg {
  SHA1 = 1,
  SHA256 = 2,
  SHA384 = 3,
  SHA512 = 4,
  // Added after the others so that existing identifiers keep their values.
  SHA224 = 5,
}
