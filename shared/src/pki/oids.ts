// Every object identifier mailseal reads or writes, each spelled once, here, and named after its
// ASN.1 name in the RFC that defines it (id-aes256-CBC -> ID_AES256_CBC). test/layering checks
// that no dotted OID appears anywhere else in the source folders; tests keep their own literals, as
// an independent check.

// Public keys and RSA schemes (RFC 8017 A.1, A.2; RFC 4055 3.1).
/** rsaEncryption, RFC 8017 A.1. */
export const RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
/** id-RSAES-OAEP, RFC 8017 A.2.1 (CMS: RFC 3560 2.2). */
export const ID_RSAES_OAEP = "1.2.840.113549.1.1.7";
/** id-mgf1, RFC 8017 B.2.1. */
export const ID_MGF1 = "1.2.840.113549.1.1.8";
/** id-pSpecified, RFC 8017 A.2.1. */
export const ID_P_SPECIFIED = "1.2.840.113549.1.1.9";
/** id-RSASSA-PSS, RFC 8017 A.2.3. */
export const ID_RSASSA_PSS = "1.2.840.113549.1.1.10";
/** id-dsa, RFC 3279 2.3.2 (old mail only: mailseal verifies DSA signatures, never makes them). */
export const ID_DSA = "1.2.840.10040.4.1";
/** id-ecPublicKey, RFC 5480 2.1.1. */
export const ID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
/** Named curves, RFC 5480 2.1.1.1. */
export const SECP256R1 = "1.2.840.10045.3.1.7";
export const SECP384R1 = "1.3.132.0.34";
export const SECP521R1 = "1.3.132.0.35";
/** id-Ed25519, RFC 8410 3: the key (and, as signature algorithm, PureEdDSA with it, RFC 8419 2.3). */
export const ID_ED25519 = "1.3.101.112";

// Post-quantum (NIST's arc 2.16.840.1.101.3.4): ML-KEM (FIPS 203) keys, RFC 9935 3 and RFC 9936 (ML-KEM in
// CMS); ML-DSA (FIPS 204) keys and signatures, RFC 9881 2 and RFC 9882 (ML-DSA in CMS). The KEM
// recipient (RFC 9629 3: id-ori-kem) and the HKDF algorithms of CMS (RFC 8619 2).
export const ID_ALG_ML_KEM_512 = "2.16.840.1.101.3.4.4.1";
export const ID_ALG_ML_KEM_768 = "2.16.840.1.101.3.4.4.2";
export const ID_ALG_ML_KEM_1024 = "2.16.840.1.101.3.4.4.3";
export const ID_ML_DSA_44 = "2.16.840.1.101.3.4.3.17";
export const ID_ML_DSA_65 = "2.16.840.1.101.3.4.3.18";
export const ID_ML_DSA_87 = "2.16.840.1.101.3.4.3.19";
export const ID_ORI_KEM = "1.2.840.113549.1.9.16.13.3";
export const ID_ALG_HKDF_WITH_SHA256 = "1.2.840.113549.1.9.16.3.28";
export const ID_ALG_HKDF_WITH_SHA384 = "1.2.840.113549.1.9.16.3.29";
export const ID_ALG_HKDF_WITH_SHA512 = "1.2.840.113549.1.9.16.3.30";

// Signature algorithms (RFC 8017 A.2.4, RFC 5758 3.2).
export const SHA1_WITH_RSA_ENCRYPTION = "1.2.840.113549.1.1.5";
export const SHA224_WITH_RSA_ENCRYPTION = "1.2.840.113549.1.1.14";
export const SHA256_WITH_RSA_ENCRYPTION = "1.2.840.113549.1.1.11";
export const SHA384_WITH_RSA_ENCRYPTION = "1.2.840.113549.1.1.12";
export const SHA512_WITH_RSA_ENCRYPTION = "1.2.840.113549.1.1.13";
export const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
// DSA: id-dsa-with-sha1 (RFC 3279 2.2.2, RFC 3370 3.1), id-dsa-with-sha224/256 (RFC 5758 3.1) and
// -sha384/512 (NIST's registry, the same arc; what OpenSSL writes for DSA with SHA-384/512).
export const ID_DSA_WITH_SHA1 = "1.2.840.10040.4.3";
export const ID_DSA_WITH_SHA224 = "2.16.840.1.101.3.4.3.1";
export const ID_DSA_WITH_SHA256 = "2.16.840.1.101.3.4.3.2";
export const ID_DSA_WITH_SHA384 = "2.16.840.1.101.3.4.3.3";
export const ID_DSA_WITH_SHA512 = "2.16.840.1.101.3.4.3.4";
export const ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3";
export const ECDSA_WITH_SHA512 = "1.2.840.10045.4.3.4";

// Digests: id-sha1 (RFC 3370 2.1), id-sha224 .. id-sha512 (RFC 5754 2).
export const ID_SHA1 = "1.3.14.3.2.26";
export const ID_SHA224 = "2.16.840.1.101.3.4.2.4";
export const ID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const ID_SHA384 = "2.16.840.1.101.3.4.2.2";
export const ID_SHA512 = "2.16.840.1.101.3.4.2.3";
/** id-shake256 (RFC 8702 2): SHAKE256, whose output in CMS is 512 bits (RFC 8702 3.1); parameters absent. */
export const ID_SHAKE256 = "2.16.840.1.101.3.4.2.12";
/** id-shake256-len (RFC 8419 3.1): SHAKE256 with its output length in bits (ShakeOutputLen) as parameter. */
export const ID_SHAKE256_LEN = "2.16.840.1.101.3.4.2.18";

// Content encryption: id-aes*-CBC (RFC 3565 4.1), id-aes*-GCM (RFC 5084 3.2), des-ede3-cbc (RFC 3370 5.1),
// rc2-cbc (RFC 3370 5.2).
export const ID_AES128_CBC = "2.16.840.1.101.3.4.1.2";
export const ID_AES192_CBC = "2.16.840.1.101.3.4.1.22";
export const ID_AES256_CBC = "2.16.840.1.101.3.4.1.42";
export const ID_AES128_GCM = "2.16.840.1.101.3.4.1.6";
export const ID_AES192_GCM = "2.16.840.1.101.3.4.1.26";
export const ID_AES256_GCM = "2.16.840.1.101.3.4.1.46";
/** id-alg-AEADChaCha20Poly1305, RFC 8103 4. */
export const ID_ALG_AEAD_CHACHA20_POLY1305 = "1.2.840.113549.1.9.16.3.18";
export const DES_EDE3_CBC = "1.2.840.113549.3.7";
export const RC2_CBC = "1.2.840.113549.3.2";

// Key wrap: id-aes*-wrap (RFC 3565 2.3.2).
export const ID_AES128_WRAP = "2.16.840.1.101.3.4.1.5";
export const ID_AES192_WRAP = "2.16.840.1.101.3.4.1.25";
export const ID_AES256_WRAP = "2.16.840.1.101.3.4.1.45";

// ECDH key agreement schemes with the X9.63 KDF (RFC 5753 7.1.4).
export const DH_SINGLE_PASS_STD_DH_SHA1KDF_SCHEME = "1.3.133.16.840.63.0.2";
export const DH_SINGLE_PASS_STD_DH_SHA256KDF_SCHEME = "1.3.132.1.11.1";
export const DH_SINGLE_PASS_STD_DH_SHA384KDF_SCHEME = "1.3.132.1.11.2";
export const DH_SINGLE_PASS_STD_DH_SHA512KDF_SCHEME = "1.3.132.1.11.3";
export const DH_SINGLE_PASS_COFACTOR_DH_SHA1KDF_SCHEME = "1.3.133.16.840.63.0.3";
export const DH_SINGLE_PASS_COFACTOR_DH_SHA256KDF_SCHEME = "1.3.132.1.14.1";
export const DH_SINGLE_PASS_COFACTOR_DH_SHA384KDF_SCHEME = "1.3.132.1.14.2";
export const DH_SINGLE_PASS_COFACTOR_DH_SHA512KDF_SCHEME = "1.3.132.1.14.3";

// RFC 8410 keys beside id-Ed25519: id-X25519, id-X448, id-Ed448 (RFC 8410 3; Ed448 as signature
// algorithm, RFC 8419 2.3). Key agreement with them uses HKDF (RFC 8418 2): the
// dhSinglePass-stdDH-hkdf-sha*-scheme OIDs.
export const ID_X25519 = "1.3.101.110";
export const ID_X448 = "1.3.101.111";
export const ID_ED448 = "1.3.101.113";
export const DH_SINGLE_PASS_STD_DH_HKDF_SHA256_SCHEME = "1.2.840.113549.1.9.16.3.19";
export const DH_SINGLE_PASS_STD_DH_HKDF_SHA384_SCHEME = "1.2.840.113549.1.9.16.3.20";
export const DH_SINGLE_PASS_STD_DH_HKDF_SHA512_SCHEME = "1.2.840.113549.1.9.16.3.21";

// CMS content types: id-data (RFC 5652 4), id-signedData (5.1), id-envelopedData (6.1),
// id-encryptedData (8), id-ct-authEnvelopedData (RFC 5083 1.1).
export const ID_DATA = "1.2.840.113549.1.7.1";
export const ID_SIGNED_DATA = "1.2.840.113549.1.7.2";
export const ID_ENVELOPED_DATA = "1.2.840.113549.1.7.3";
export const ID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6";
export const ID_CT_AUTH_ENVELOPED_DATA = "1.2.840.113549.1.9.16.1.23";

// CMS attributes: id-contentType, id-messageDigest, id-signingTime (RFC 5652 11.1-11.3),
// S/MIME capabilities (RFC 8551 2.5.2; named pkcs-9-at-smimeCapabilities in RFC 2985 5.6),
// id-aa-encrypKeyPref (RFC 8551 2.5.3).
export const ID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
export const ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
export const ID_SIGNING_TIME = "1.2.840.113549.1.9.5";
export const PKCS_9_AT_SMIME_CAPABILITIES = "1.2.840.113549.1.9.15";
export const ID_AA_ENCRYP_KEY_PREF = "1.2.840.113549.1.9.16.2.11";

// Password-based encryption: id-PBES2, id-PBKDF2 (RFC 8018 A.4, A.2), id-hmacWithSHA* (RFC 8018
// B.1.1, B.1.2; not SHA-224, which WebCrypto lacks), the PKCS #12 PBE schemes (RFC 7292 Appendix C).
export const ID_PBES2 = "1.2.840.113549.1.5.13";
export const ID_PBKDF2 = "1.2.840.113549.1.5.12";
export const ID_HMAC_WITH_SHA1 = "1.2.840.113549.2.7";
export const ID_HMAC_WITH_SHA256 = "1.2.840.113549.2.9";
export const ID_HMAC_WITH_SHA384 = "1.2.840.113549.2.10";
export const ID_HMAC_WITH_SHA512 = "1.2.840.113549.2.11";
export const PBE_WITH_SHA_AND_3_KEY_TRIPLE_DES_CBC = "1.2.840.113549.1.12.1.3";
export const PBE_WITH_SHA_AND_2_KEY_TRIPLE_DES_CBC = "1.2.840.113549.1.12.1.4";
export const PBE_WITH_SHA_AND_128_BIT_RC2_CBC = "1.2.840.113549.1.12.1.5";
export const PBE_WITH_SHA_AND_40_BIT_RC2_CBC = "1.2.840.113549.1.12.1.6";

// PKCS #12 bags (RFC 7292 4.2, 4.2.3) and their attributes: pkcs-9-at-friendlyName and
// pkcs-9-at-localKeyId (RFC 2985 5.5.1, 5.5.2).
export const KEY_BAG = "1.2.840.113549.1.12.10.1.1";
export const PKCS8_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2";
export const CERT_BAG = "1.2.840.113549.1.12.10.1.3";
export const X509_CERTIFICATE = "1.2.840.113549.1.9.22.1";
export const PKCS_9_AT_FRIENDLY_NAME = "1.2.840.113549.1.9.20";
export const PKCS_9_AT_LOCAL_KEY_ID = "1.2.840.113549.1.9.21";

// The certificate extensions read or accepted (RFC 5280 4.2.1); the others are not named here: path
// validation refuses any it does not list as understood when it is critical (pki/chain.ts).
export const ID_CE_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
export const ID_CE_SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
export const ID_CE_KEY_USAGE = "2.5.29.15";
export const ID_CE_CERTIFICATE_POLICIES = "2.5.29.32";
export const ID_CE_SUBJECT_ALT_NAME = "2.5.29.17";
export const ID_CE_BASIC_CONSTRAINTS = "2.5.29.19";
export const ID_CE_EXT_KEY_USAGE = "2.5.29.37";
export const ID_CE_CRL_DISTRIBUTION_POINTS = "2.5.29.31";
/** anyExtendedKeyUsage and id-kp-emailProtection, RFC 5280 4.2.1.12. */
export const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
export const ID_KP_EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4";
/** id-on-SmtpUTF8Mailbox, the otherName of internationalized addresses (RFC 9598 3). */
export const ID_ON_SMTP_UTF8_MAILBOX = "1.3.6.1.5.5.7.8.9";

// CRL extensions (RFC 5280 5.2.3) and CRL entry extensions (RFC 5280 5.3.1, 5.3.2).
export const ID_CE_CRL_NUMBER = "2.5.29.20";
export const ID_CE_CRL_REASONS = "2.5.29.21";
export const ID_CE_INVALIDITY_DATE = "2.5.29.24";

// Certificate policies: the S/MIME Baseline Requirements (CA/Browser Forum) 7.1.6.1 policy of
// mailbox-validated certificates, Strict generation.
export const SMIME_MAILBOX_STRICT = "2.23.140.1.5.1.3";

// Name attributes (RFC 5280 A.1 and RFC 4519 2), and id-emailAddress, the legacy PKCS #9 attribute
// of RFC 5280 4.1.2.6.
export const ID_AT_COMMON_NAME = "2.5.4.3";
export const ID_AT_SURNAME = "2.5.4.4";
export const ID_AT_SERIAL_NUMBER = "2.5.4.5";
export const ID_AT_COUNTRY_NAME = "2.5.4.6";
export const ID_AT_LOCALITY_NAME = "2.5.4.7";
export const ID_AT_STATE_OR_PROVINCE_NAME = "2.5.4.8";
/** street, RFC 4519 2.34. */
export const STREET = "2.5.4.9";
export const ID_AT_ORGANIZATION_NAME = "2.5.4.10";
export const ID_AT_ORGANIZATIONAL_UNIT_NAME = "2.5.4.11";
export const ID_AT_TITLE = "2.5.4.12";
export const ID_AT_GIVEN_NAME = "2.5.4.42";
/** id-at-organizationIdentifier, X.520 6.4.4 (no RFC defines it). */
export const ID_AT_ORGANIZATION_IDENTIFIER = "2.5.4.97";
/** uid, RFC 4519 2.39. */
export const UID = "0.9.2342.19200300.100.1.1";
/** id-domainComponent, RFC 5280 A.1 (dc, RFC 4519 2.4). */
export const ID_DOMAIN_COMPONENT = "0.9.2342.19200300.100.1.25";
export const ID_EMAIL_ADDRESS = "1.2.840.113549.1.9.1";

// LDAP (RFC 4511): the extended operations the LDAP door of CerDB speaks.
/** StartTLS, RFC 4511 4.14.1. */
export const LDAP_START_TLS = "1.3.6.1.4.1.1466.20037";
/** Notice of Disconnection, RFC 4511 4.4.1. */
export const LDAP_NOTICE_OF_DISCONNECTION = "1.3.6.1.4.1.1466.20036";
