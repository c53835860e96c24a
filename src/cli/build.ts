// `vengtoo-agent build`: an OPA-format bundle (.tar.gz with /.manifest, /data.json, the modules and,
// when signed, /.signatures.json) from policy folders or files. The policy is compiled first, so a
// broken policy never becomes a bundle; the written bytes are read back (roots, signature) before
// the file is written.

import { createPublicKey } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { displayPath, listPolicyFiles, PolicyNotFound } from '../agent/policy-files.js';
import { isSigningAlgorithm } from '../bundle/keys.js';
import { BundleError, parseBundleFiles, readBundle, SIGNING_ALGORITHMS, writeBundle, type SigningOptions, type TrustedKeys } from '../bundle/index.js';
import { CompileErrors, compile, RegoError } from '../rego/index.js';
import { errorsOf, guarded, parseToolArgs, printErrors, stringFlag, UsageError, type ToolFlag } from './tooling.js';

export const HELP = `Usage: vengtoo-agent build [flags] PATH... -o bundle.tar.gz

Builds an OPA-format bundle from policy folders or .rego files: every .rego file except
*_test.rego, data.json/data.yaml files at their directory paths (merged into /data.json), and an
existing .manifest. The policy must compile; the bundle is read back and checked before it is
written. The agent loads it with --policy bundle.tar.gz, OPA with opa run -b.

Flags:
  -o, --output FILE        where to write the bundle (required)
  --revision REV           manifest revision (default: the folder's .manifest, else empty)
  --roots A,B              manifest roots, comma-separated paths such as vengtoo/authz (default:
                           the .manifest's, else the whole data tree)
  --signing-key KEY        sign the bundle: a PEM private key file (RS*, PS*, ES*, EdDSA), or the
                           shared secret (or a file holding it) for HS256/384/512
  --signing-alg ALG        ${SIGNING_ALGORITHMS.join(', ')} (default RS256)
  --key-id ID              key id written to the signature (default "default", OPA's default
                           verification key id); the verifier's trusted keys use this id
  --scope SCOPE            signature scope claim (optional)
  -h, --help               this text

Exit codes: 0 bundle written; 2 usage error, unreadable input, or the policy does not compile.
`;

const FLAGS: ToolFlag[] = [
  { name: 'output', short: 'o' },
  { name: 'revision' },
  { name: 'roots', repeat: true },
  { name: 'signing-key' },
  { name: 'signing-alg' },
  { name: 'key-id' },
  { name: 'scope' },
  { name: 'help', short: 'h', boolean: true },
];

const DATA_FILES = ['data.json', 'data.yaml', 'data.yml'];

export async function run(argv: string[]): Promise<number> {
  return guarded('build', async () => {
    const args = parseToolArgs(argv, FLAGS);
    if (args.flags.get('help') === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const output = stringFlag(args, 'output');
    if (output === undefined) throw new UsageError('--output (-o) is required');
    if (args.positionals.length === 0) throw new UsageError('give at least one policy folder or .rego file');
    const signing = await signingOptions(args.flags);

    const { files, origin } = await collectFiles(args.positionals);
    const parsed = parseBundleFiles(files);
    try {
      // Errors name the files as the user knows them, not their paths inside the bundle.
      compile(parsed.modules.map((m) => ({ file: origin.get(m.file) ?? m.file, source: m.source })), { data: parsed.data });
    } catch (e) {
      if (!(e instanceof CompileErrors || e instanceof RegoError)) throw e;
      printErrors(errorsOf(e));
      process.stderr.write(`vengtoo-agent build: the policy does not compile; no bundle written\n`);
      return 2;
    }

    const roots = args.lists.get('roots')?.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
    const manifest = {
      ...parsed.manifest,
      revision: stringFlag(args, 'revision', parsed.manifest.revision) as string,
      roots: roots && roots.length > 0 ? roots : parsed.manifest.roots,
    };
    const bytes = await writeBundle({ modules: parsed.modules, data: parsed.data, manifest, signing });

    // Read it back as the agent would: manifest roots against packages and data, signature.
    const check = await readBundle(bytes, signing ? { verify: { keys: selfKeys(signing), required: true } } : {});
    await writeFile(output, bytes);
    const what = `${check.modules.length} module${check.modules.length === 1 ? '' : 's'}`;
    const rev = manifest.revision !== '' ? `, revision ${JSON.stringify(manifest.revision)}` : '';
    const signed = signing ? `, signed with ${signing.algorithm} (key id ${JSON.stringify(signing.keyId)})` : '';
    process.stdout.write(`wrote ${output}: ${what}${rev}${signed}, ${bytes.length} bytes\n`);
    return 0;
  });
}

/** Bundle-relative path → bytes for every policy input, and → the file it came from. */
async function collectFiles(paths: readonly string[]): Promise<{ files: Map<string, Uint8Array>; origin: Map<string, string> }> {
  const files = new Map<string, Uint8Array>();
  const origin = new Map<string, string>();
  const add = (rel: string, bytes: Uint8Array, from: string): void => {
    origin.set(rel, displayPath(resolve(from)));
    const prev = files.get(rel);
    if (prev !== undefined && Buffer.compare(Buffer.from(prev), Buffer.from(bytes)) !== 0) {
      throw new BundleError('duplicate_file', `two different files would be /${rel} in the bundle (the second from ${from})`, rel);
    }
    files.set(rel, bytes);
  };
  for (const path of paths) {
    const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new PolicyNotFound(path);
      throw e;
    });
    if (st.isDirectory()) {
      for (const rel of await listPolicyFiles(path)) add(rel, await readFile(join(path, rel)), join(path, rel));
    } else if (path.endsWith('.rego')) {
      add(basename(path), await readFile(path), path);
      for (const name of DATA_FILES) {
        const bytes = await readFile(join(dirname(path), name)).catch(() => undefined);
        if (bytes !== undefined) add(name, bytes, join(dirname(path), name));
      }
    } else {
      throw new UsageError(`${path}: expected a folder or a .rego file`);
    }
  }
  return { files, origin };
}

async function signingOptions(flags: Map<string, string | boolean>): Promise<SigningOptions | undefined> {
  const keyArg = flags.get('signing-key');
  const algorithm = typeof flags.get('signing-alg') === 'string' ? (flags.get('signing-alg') as string) : 'RS256';
  if (typeof keyArg !== 'string') {
    if (flags.has('signing-alg') || flags.has('key-id') || flags.has('scope')) throw new UsageError('--signing-alg, --key-id and --scope need --signing-key');
    return undefined;
  }
  if (!isSigningAlgorithm(algorithm)) throw new UsageError(`--signing-alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  let key: string;
  const fromFile = await readFile(keyArg, 'utf8').catch(() => undefined);
  if (fromFile !== undefined) key = algorithm.startsWith('HS') ? fromFile.replace(/\r?\n$/, '') : fromFile;
  else if (algorithm.startsWith('HS')) key = keyArg;
  else throw new UsageError(`--signing-key: cannot read the private key file ${JSON.stringify(keyArg)}`);
  const keyId = typeof flags.get('key-id') === 'string' ? (flags.get('key-id') as string) : 'default';
  const scope = typeof flags.get('scope') === 'string' ? (flags.get('scope') as string) : undefined;
  return { algorithm, key, keyId, ...(scope !== undefined ? { scope } : {}) };
}

/** The trusted key that verifies what `signing` signs (the public half, or the shared secret). */
function selfKeys(signing: SigningOptions): TrustedKeys {
  const key =
    signing.algorithm.startsWith('HS') ? (signing.key as string) : (createPublicKey(signing.key as string).export({ type: 'spki', format: 'pem' }) as string);
  return { [signing.keyId as string]: { algorithm: signing.algorithm, key, ...(signing.scope ? { scope: signing.scope } : {}) } };
}
