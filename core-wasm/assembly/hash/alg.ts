// Hash algorithm identifiers shared by the hash, HMAC and RSA modules and the host binding.
export enum HashAlg {
  SHA1 = 1,
  SHA256 = 2,
  SHA384 = 3,
  SHA512 = 4,
}
