#!/usr/bin/env node
// Reads bootstrap cases as JSON on stdin, hands each one to a fresh instance of the
// official @statsig/js-client (offline), and prints what the client reports as JSON on stdout.
//
// Usage: node evaluate.mjs --modules <path>/node_modules   (or STATSIG_JSCLIENT_MODULES=...)
//        < {"cases": [...]}   See README.md next to this file for the formats.
//
// stdout carries only the JSON result document: every console call the client makes is
// captured into the result of the case that was running when it was made.

import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import process from 'node:process';
import util from 'node:util';

function modulesDirFromArgs(argv) {
  const at = argv.indexOf('--modules');
  if (at !== -1 && argv[at + 1]) {
    return argv[at + 1];
  }
  return process.env.STATSIG_JSCLIENT_MODULES || '';
}

function fail(message) {
  process.stderr.write(`evaluate.mjs: ${message}\n`);
  process.exit(2);
}

const modulesDir = modulesDirFromArgs(process.argv.slice(2));
if (!modulesDir) {
  fail('pass --modules <node_modules dir> or set STATSIG_JSCLIENT_MODULES');
}
// Resolve packages as if this script lived next to the node_modules folder (the cache).
const requireFromCache = createRequire(path.join(path.resolve(modulesDir), '..', 'harness.cjs'));
let sdk;
let clientVersion;
try {
  sdk = requireFromCache('@statsig/js-client');
  clientVersion = requireFromCache('@statsig/js-client/package.json').version;
} catch (err) {
  fail(`cannot load @statsig/js-client from ${modulesDir}: ${err.message}`);
}
const { StatsigClient, Log, LogLevel, StableID, Storage } = sdk;

// ---------------------------------------------------------------------------------------------
// Capture: console output and any attempt to reach the network are recorded, never performed.

let current = null; // the result object of the case being run, or null between cases
const stray = { logs: [], network_attempts: [] }; // anything that happens outside a case

function sink() {
  return current ?? stray;
}

const LEVEL_PREFIX = /^\s*(WARN|ERROR|INFO|DEBUG)\s+/; // the client pads its level tags
for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
  console[level] = (...args) => {
    sink().logs.push({ level, message: util.format(...args).replace(LEVEL_PREFIX, '') });
  };
}

function recordAttempt(kind, target) {
  sink().network_attempts.push({ kind, target: String(target) });
}

const NO_NETWORK = 'network access is disabled in the statsig-web js-client harness';
globalThis.fetch = (input) => {
  recordAttempt('fetch', input && typeof input === 'object' && 'url' in input ? input.url : input);
  return Promise.reject(new Error(NO_NETWORK));
};
net.Socket.prototype.connect = function blockedConnect(...args) {
  recordAttempt('socket', util.inspect(args[0], { depth: 1 }));
  throw new Error(NO_NETWORK);
};

// ---------------------------------------------------------------------------------------------

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

// The input can be far larger than the biggest string V8 allows (~512 MB: thousands of cases
// with big bootstraps), so it is never decoded as one string. A byte scanner finds the spans of
// the top-level members and of every element of "cases"; each span is parsed on its own, when
// needed. UTF-8 continuation bytes are >= 0x80, so they never look like JSON punctuation.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipSpace(buf, at) {
  while (at < buf.length && WHITESPACE.has(buf[at])) at += 1;
  return at;
}

function skipString(buf, at) {
  // at points at the opening quote; returns the index just past the closing quote
  for (let i = at + 1; i < buf.length; i += 1) {
    if (buf[i] === BACKSLASH) i += 1;
    else if (buf[i] === QUOTE) return i + 1;
  }
  throw new SyntaxError('unterminated string in input');
}

function skipValue(buf, at) {
  const first = buf[at];
  if (first === QUOTE) return skipString(buf, at);
  if (OPENERS.has(first)) {
    let depth = 0;
    for (let i = at; i < buf.length; i += 1) {
      const byte = buf[i];
      if (byte === QUOTE) i = skipString(buf, i) - 1;
      else if (OPENERS.has(byte)) depth += 1;
      else if (CLOSERS.has(byte)) {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    throw new SyntaxError('unbalanced brackets in input');
  }
  let i = at;
  while (i < buf.length && buf[i] !== 0x2c && !CLOSERS.has(buf[i]) && !WHITESPACE.has(buf[i])) {
    i += 1;
  }
  if (i === at) throw new SyntaxError(`unexpected byte at offset ${at}`);
  return i;
}

// Spans [start, end) of the members of the container that starts at `at`: for an object,
// [keyText, start, end] triples; for an array, [start, end] pairs.
function memberSpans(buf, at) {
  const isObject = buf[at] === 0x7b;
  const spans = [];
  let i = skipSpace(buf, at + 1);
  if (CLOSERS.has(buf[i])) return spans;
  for (;;) {
    let key = null;
    if (isObject) {
      if (buf[i] !== QUOTE) throw new SyntaxError(`expected a key at offset ${i}`);
      const keyEnd = skipString(buf, i);
      key = JSON.parse(buf.toString('utf8', i, keyEnd));
      i = skipSpace(buf, keyEnd);
      if (buf[i] !== 0x3a) throw new SyntaxError(`expected ':' at offset ${i}`);
      i = skipSpace(buf, i + 1);
    }
    const end = skipValue(buf, i);
    spans.push(isObject ? [key, i, end] : [i, end]);
    i = skipSpace(buf, end);
    if (buf[i] === 0x2c) {
      i = skipSpace(buf, i + 1);
    } else if (CLOSERS.has(buf[i])) {
      return spans;
    } else {
      throw new SyntaxError(`expected ',' or a closing bracket at offset ${i}`);
    }
  }
}

function parseSpan(buf, start, end) {
  return JSON.parse(buf.toString('utf8', start, end));
}

// A case object, parsed member by member. An object-valued "bootstrap" is kept as its raw
// text (the client parses it itself), which saves a parse and a stringify of a large value.
function parseCase(buf, start, end) {
  if (buf[start] !== 0x7b) throw new SyntaxError('each case must be a JSON object');
  const spec = {};
  for (const [key, from, to] of memberSpans(buf, start)) {
    if (key === 'bootstrap' && buf[from] === 0x7b) {
      spec.bootstrap_text = buf.toString('utf8', from, to);
    } else {
      spec[key] = parseSpan(buf, from, to);
    }
  }
  return spec;
}

// {"cases": [...], "bootstraps": {ref: bootstrap}} -> {caseSpans, bootstraps (ref -> span)}
function indexInput(buf) {
  const at = skipSpace(buf, 0);
  if (buf[at] !== 0x7b) throw new SyntaxError('stdin must hold one JSON object');
  const index = { caseSpans: null, bootstrapSpans: new Map() };
  for (const [key, start, end] of memberSpans(buf, at)) {
    if (key === 'cases') {
      if (buf[start] !== 0x5b) throw new SyntaxError('"cases" must be an array');
      index.caseSpans = memberSpans(buf, start);
    } else if (key === 'bootstraps') {
      if (buf[start] !== 0x7b) throw new SyntaxError('"bootstraps" must be an object');
      for (const [ref, refStart, refEnd] of memberSpans(buf, start)) {
        index.bootstrapSpans.set(ref, [refStart, refEnd]);
      }
    }
  }
  if (index.caseSpans === null) throw new SyntaxError('stdin must have a "cases" array');
  return index;
}

function nextTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

function describeError(err) {
  if (err == null) {
    return null;
  }
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

// Every case gets its own SDK key. The client keeps stableID, "stableID disabled" and its
// in-memory storage in module-level maps keyed by SDK key; without a fresh key one case's
// stableID would leak into the next. The key only names caches inside the client.
let serial = 0;
function isolatedKey(clientKey) {
  serial += 1;
  return `${clientKey}~case${serial}`;
}

function clearClientStorage() {
  for (const key of Storage.getAllKeys()) {
    Storage.removeItem(key);
  }
}

function exposureOf(event) {
  const { receivedAt, bootstrapMetadata, ...metadata } = event.metadata;
  return { eventName: event.eventName, metadata, secondaryExposures: event.secondaryExposures };
}

function readGate(client, name, ctx) {
  const gate = client.getFeatureGate(name);
  const out = {
    value: gate.value,
    ruleID: gate.ruleID,
    reason: gate.details.reason,
    idType: gate.idType,
  };
  if (ctx.withExposures) {
    out.exposure = exposureOf(sdk._createGateExposure(ctx.user, gate, ctx.exposureMap));
  }
  return out;
}

function readConfig(client, name, ctx, asExperiment) {
  const config = asExperiment ? client.getExperiment(name) : client.getDynamicConfig(name);
  const out = {
    value: config.value,
    ruleID: config.ruleID,
    // Dynamic configs carry no groupName property on the client; report the raw field.
    groupName: asExperiment ? config.groupName : (config.__evaluation?.group_name ?? null),
    reason: config.details.reason,
    idType: config.idType,
  };
  if (asExperiment) {
    out.isUserInExperiment = config.__evaluation?.is_user_in_experiment ?? null;
    out.isExperimentActive = config.__evaluation?.is_experiment_active ?? null;
  }
  if (ctx.withExposures) {
    out.exposure = exposureOf(sdk._createConfigExposure(ctx.user, config, ctx.exposureMap));
  }
  return out;
}

function readLayer(client, name, params, ctx) {
  const layer = client.getLayer(name);
  const evaluation = layer.__evaluation;
  const out = {
    value: layer.__value,
    ruleID: layer.ruleID,
    groupName: layer.groupName,
    // The Layer object exposes no allocated experiment; this is the raw bootstrap field
    // (djb2-hashed when the bootstrap used djb2), which the client copies into exposures.
    allocatedExperimentName: evaluation?.allocated_experiment_name ?? null,
    explicitParameters: evaluation?.explicit_parameters ?? null,
    reason: layer.details.reason,
    params: {},
  };
  for (const param of params) {
    out.params[param] = layer.get(param);
  }
  if (ctx.withExposures) {
    out.exposures = {};
    for (const param of params) {
      out.exposures[param] = exposureOf(
        sdk._createLayerParameterExposure(ctx.user, layer, param, ctx.exposureMap),
      );
    }
  }
  return out;
}

async function runCase(spec, payloadFor) {
  const result = {
    id: spec.id ?? null,
    sdk_key: null,
    init: null,
    stable_id: null,
    gates: {},
    configs: {},
    experiments: {},
    layers: {},
    logs: [],
    client_errors: [],
    network_attempts: [],
    error: null,
  };
  current = result;
  try {
    Log.level = LogLevel.Warn; // global in the client; a previous case may have changed it
    const sdkKey = isolatedKey(spec.client_key ?? 'client-harness');
    result.sdk_key = sdkKey;
    const extra = spec.options ?? {};
    const options = {
      ...extra,
      networkConfig: { ...(extra.networkConfig ?? {}), preventAllNetworkTraffic: true },
    };
    if (spec.disable_stable_id) {
      options.disableStableID = true;
    }
    const client = new StatsigClient(sdkKey, spec.user ?? {}, options);
    client.on('error', (event) => {
      result.client_errors.push({ tag: event.tag ?? null, error: describeError(event.error) });
    });
    client.dataAdapter.setData(payloadFor(spec));
    const details = client.initializeSync();
    result.init = {
      success: details.success,
      source: details.source,
      warnings: details.warnings ?? [],
      error: describeError(details.error),
    };
    const ctx = { withExposures: spec.exposures === true, user: null, exposureMap: undefined };
    if (ctx.withExposures) {
      const context = client.getContext();
      ctx.user = context.user;
      ctx.exposureMap = context.values?.exposures;
    }
    for (const name of spec.gates ?? []) {
      result.gates[name] = readGate(client, name, ctx);
    }
    for (const name of spec.configs ?? []) {
      result.configs[name] = readConfig(client, name, ctx, false);
    }
    for (const name of spec.experiments ?? []) {
      result.experiments[name] = readConfig(client, name, ctx, true);
    }
    for (const [name, params] of Object.entries(spec.layers ?? {})) {
      result.layers[name] = readLayer(client, name, params ?? [], ctx);
    }
    // Read last: asking for the stableID makes the client generate one if it has none yet.
    result.stable_id = StableID.get(sdkKey) ?? null;
    await client.shutdown();
    // Let work the client scheduled for later (e.g. the background refresh it starts when the
    // bootstrap was not usable) run while this case is still the one being recorded.
    await nextTurn();
    await nextTurn();
  } catch (err) {
    result.error = err instanceof Error ? (err.stack ?? String(err)) : String(err);
  } finally {
    current = null;
    clearClientStorage();
  }
  return result;
}

// The bootstrap text handed to setData(): a case's own "bootstrap" (object or string), or a
// shared entry of the top-level "bootstraps" table named by "bootstrap_ref" (text kept per ref).
function makePayloadResolver(buf, bootstrapSpans) {
  const shared = new Map();
  return (spec) => {
    if (spec.bootstrap_text != null) {
      return spec.bootstrap_text;
    }
    if (spec.bootstrap_ref != null) {
      const ref = String(spec.bootstrap_ref);
      if (!shared.has(ref)) {
        const span = bootstrapSpans.get(ref);
        if (!span) throw new Error(`unknown bootstrap_ref ${JSON.stringify(ref)}`);
        const value = parseSpan(buf, span[0], span[1]);
        shared.set(ref, typeof value === 'string' ? value : JSON.stringify(value));
      }
      return shared.get(ref);
    }
    const own = spec.bootstrap ?? null;
    return typeof own === 'string' ? own : JSON.stringify(own);
  };
}

// Resolves once the chunk is handed off, which also paces the writes (backpressure) and makes
// sure nothing is lost at process.exit() where pipes are asynchronous (macOS).
function writeOut(text) {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

async function main() {
  const buf = await readStdin();
  let index;
  try {
    index = indexInput(buf);
  } catch (err) {
    fail(`cannot read the input document: ${err.message}`);
  }
  const payloadFor = makePayloadResolver(buf, index.bootstrapSpans);
  const started = performance.now();
  // Results are written as they are produced, so the output never has to fit in one string.
  await writeOut('{"results":[');
  let first = true;
  for (const [start, end] of index.caseSpans) {
    let spec;
    try {
      spec = parseCase(buf, start, end);
    } catch (err) {
      fail(`case at byte ${start} is not valid JSON: ${err.message}`);
    }
    const result = await runCase(spec, payloadFor);
    await writeOut((first ? '' : ',') + JSON.stringify(result));
    first = false;
  }
  const elapsedMs = performance.now() - started;
  await nextTurn();
  const tail = {
    client_version: clientVersion,
    node_version: process.versions.node,
    cases: index.caseSpans.length,
    elapsed_ms: Math.round(elapsedMs * 1000) / 1000,
    stray_logs: stray.logs,
    stray_network_attempts: stray.network_attempts,
  };
  await writeOut(`],${JSON.stringify(tail).slice(1)}`);
  process.exit(0);
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? String(err)) : String(err)));
