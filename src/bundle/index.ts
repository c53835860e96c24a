// OPA bundle format: read, write, manifest, sign, verify. No network; no Rego parsing or
// compiling (the agent compiles what readBundle returns).

export { BundleError, type BundleErrorCode } from './errors.js';
export { readBundle, parseBundleFiles, DEFAULT_MAX_BUNDLE_BYTES, DEFAULT_MAX_FILES, type Bundle, type ModuleFile, type ReadBundleOptions } from './read.js';
export { writeBundle, bundleFiles, type WriteBundleInput } from './write.js';
export { signFiles, fileInfos, signaturesFile, SIGNATURES_FILE, type FileInfo, type SigningOptions } from './sign.js';
export { verifyBundleFiles, type VerifyOptions, type VerifiedSignature } from './verify.js';
export { loadTrustedKeys, parseTrustedKeys, SIGNING_ALGORITHMS, type TrustedKey, type TrustedKeys, type SigningAlgorithm } from './keys.js';
export { hashBundleFile, isStructuredFile } from './hash.js';
export { normalizeManifest, defaultManifest, packagePath, rootContains, MANIFEST_FILE, type Manifest } from './manifest.js';
export { normalizeEntryPath, untarGz, tarGz, type UntarLimits, type TarFile } from './tar.js';
export { parseJSONValue, parseYAMLValue } from './json.js';
