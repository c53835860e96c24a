// The builtin registry: every family is listed here explicitly (no registration by side effect).

import { aggregatesBuiltins } from './aggregates.js';
import { arraysBuiltins } from './arrays.js';
import { comparisonBuiltins } from './comparison.js';
import { cryptoBuiltins } from './crypto.js';
import { graphBuiltins } from './graph.js';
import { metadataBuiltins } from './metadata.js';
import { regoBuiltins } from './rego.js';
import { graphqlBuiltins } from './graphql.js';
import { httpBuiltins } from './http.js';
import { miscBuiltins } from './misc.js';
import { netBuiltins } from './net.js';
import { numbersBuiltins } from './numbers.js';
import { objectsBuiltins } from './objects.js';
import { setsBuiltins } from './sets.js';
import { timeBuiltins } from './time.js';
import { tokensBuiltins } from './tokens.js';
import { typechecksBuiltins } from './typechecks.js';
import { encodingBuiltins } from './encoding.js';
import { globBuiltins } from './glob.js';
import { jsonBuiltins } from './json.js';
import { regexBuiltins } from './regex.js';
import { semverBuiltins } from './semver.js';
import { stringsBuiltins } from './strings.js';
import { unitsBuiltins } from './units.js';
import { uuidBuiltins } from './uuid.js';
import type { BuiltinDef } from './types.js';

const families: BuiltinDef[][] = [
  // Each family file exports an array of definitions; add it here.
  comparisonBuiltins,
  numbersBuiltins,
  aggregatesBuiltins,
  arraysBuiltins,
  setsBuiltins,
  objectsBuiltins,
  typechecksBuiltins,
  graphBuiltins,
  metadataBuiltins,
  regoBuiltins,
  httpBuiltins,
  timeBuiltins,
  netBuiltins,
  cryptoBuiltins,
  tokensBuiltins,
  miscBuiltins,
  graphqlBuiltins,
  stringsBuiltins,
  regexBuiltins,
  globBuiltins,
  encodingBuiltins,
  jsonBuiltins,
  unitsBuiltins,
  semverBuiltins,
  uuidBuiltins,
];

export const builtins: ReadonlyMap<string, BuiltinDef> = new Map(families.flat().map((b) => [b.name, b]));
