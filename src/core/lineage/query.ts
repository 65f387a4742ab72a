// The two questions asked of the lineage graph: what a version was made from and what was made from
// it (lineage), and which versions a component reaches, with their stages (impact). Answers are plain
// data; the CLI renders them.
import valid from 'semver/functions/valid.js';
import type { Config } from '../config/config.js';
import { MregError } from '../../errors.js';
import { didYouMean } from '../closest-name.js';
import { dropProtectedPrunes } from '../lifecycle/pruned.js';
import { currentState } from '../lifecycle/snapshot.js';
import { stagesOf, type StageState } from '../lifecycle/state.js';
import { looksLikeUri, parseReference, refId } from '../manifest/lineage.js';
import type { ExternalRef, Kind, RegisteredRef } from '../manifest/types.js';
import { nameProblem } from '../names.js';
import type { Layout } from '../../store/layout.js';
import type { LazyStore, Store } from '../store.js';
import { LineageGraph, type Direction, type GraphEdge, type GraphNode } from './graph.js';
import { readVersionRecords } from './version-index.js';

/**
 * A store, or one whose config is read only when a stage is named: exact versions, latest, ranges and
 * URIs need no config, and reading it costs the YAML parser's start-up on every run.
 */
export type LineageSource = Store | LazyStore;

async function configOf(source: LineageSource): Promise<Config> {
  return typeof source.config === 'function' ? source.config() : source.config;
}

/** A stage or a range, resolved as everywhere else (the stage first); loads what that takes only now. */
async function resolveSelector(source: LineageSource, text: string): Promise<string> {
  const [{ resolveRef }, config] = await Promise.all([import('../lifecycle/refs.js'), configOf(source)]);
  return (await resolveRef({ layout: source.layout, config }, text)).version;
}

/** Could this selector name a stage? Stage names follow the name rules and start with a letter (config.ts). */
function couldBeStage(selector: string): boolean {
  return nameProblem(selector) === undefined && /^[a-z]/.test(selector) && selector !== 'latest';
}

export async function loadGraph(layout: Layout): Promise<LineageGraph> {
  return new LineageGraph(await readVersionRecords(layout));
}

export interface LineageRequest {
  ref: string;
  /** both directions unless exactly one is asked for */
  up?: boolean;
  down?: boolean;
  depth?: number | undefined;
}

export interface LineageNode extends GraphNode {
  /** where the node lies from the root (absent on the root) */
  direction?: Direction;
  /** references between the root and the node */
  distance: number;
  /** the node has references beyond --depth in its direction, not shown */
  truncated?: true;
  /** a registered version's current stages */
  stages?: string[];
}

export interface LineageResult {
  root: string;
  direction: 'both' | Direction;
  depth: number | null;
  nodes: LineageNode[];
  edges: GraphEdge[];
}

export function checkDepth(depth: number | undefined): number | undefined {
  if (depth !== undefined && !(Number.isSafeInteger(depth) && depth >= 1)) {
    throw new MregError('USAGE', `depth ${JSON.stringify(depth)}: expected a whole number of references, 1 or more`, { data: { option: 'depth' } });
  }
  return depth;
}

function externalOf(text: string): ExternalRef {
  return parseReference(text) as ExternalRef;
}

/** The one node a <ref> names: a version (as everywhere: @latest, @1.2.3, @stage, the highest of a range) or a URI. */
async function rootOf(source: LineageSource, graph: LineageGraph, text: string): Promise<string> {
  if (looksLikeUri(text)) {
    const id = refId(externalOf(text));
    if (graph.knows(id)) return id;
    const pinned = graph.externals(externalOf(text).uri);
    throw new MregError('NOT_FOUND', `no version references ${id}`, pinned.length > 0 ? { hint: `versions reference it pinned to its content: ${pinned.slice(0, 3).join(', ')}` } : {});
  }
  const { name, version: selector } = parseReference(text) as RegisteredRef;
  const versions = graph.versions(name);
  if (versions.length === 0) throw new MregError('NOT_FOUND', `${name} is not registered${didYouMean(name, graph.names())}`);
  if (selector === 'latest') return `${name}@${versions[versions.length - 1]!}`;
  if (valid(selector) === selector) {
    if (!versions.includes(selector)) throw new MregError('NOT_FOUND', `${name}@${selector} is not registered`);
    return `${name}@${selector}`;
  }
  return `${name}@${await resolveSelector(source, text)}`;
}

export async function lineage(source: LineageSource, req: LineageRequest, graph?: LineageGraph): Promise<LineageResult> {
  const depth = checkDepth(req.depth);
  const g = graph ?? (await loadGraph(source.layout));
  const root = await rootOf(source, g, req.ref);
  const directions: Direction[] = req.up && !req.down ? ['up'] : req.down && !req.up ? ['down'] : ['up', 'down'];
  const nodes = new Map<string, LineageNode>([[root, { ...g.node(root), distance: 0 }]]);
  const edges: GraphEdge[] = [];
  for (const direction of directions) {
    const reached = g.reach(root, direction, depth);
    edges.push(...reached.edges);
    for (const [id, distance] of reached.distance) {
      if (id === root) continue;
      const node: LineageNode = { ...g.node(id), direction, distance };
      if (depth !== undefined && distance === depth && g.links(id, direction).length > 0) node.truncated = true;
      nodes.set(id, node);
    }
  }
  const held = [...nodes.values()].filter((n) => n.name !== undefined && n.kind !== 'missing');
  const histories = await historiesOf(source.layout, held.map((n) => n.name!));
  for (const node of held) node.stages = stagesOf(histories.get(node.name!)!.state, node.version!);
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const order = (a: LineageNode, b: LineageNode) => a.distance - b.distance || text(a.id, b.id);
  return {
    root,
    direction: directions.length === 2 ? 'both' : directions[0]!,
    depth: depth ?? null,
    nodes: [...nodes.values()].sort(order),
    edges: edges.sort((a, b) => text(a.from, b.from) || text(a.to, b.to) || text(a.relation, b.relation)),
  };
}

/**
 * Each name's stage state and pruned versions, from the stage snapshot (the replayed history, as
 * everywhere); pruned versions keep their place in the graph (their manifests stay).
 */
async function historiesOf(layout: Layout, names: string[]): Promise<Map<string, { state: StageState; pruned: Map<string, unknown> }>> {
  const out = new Map<string, { state: StageState; pruned: Map<string, unknown> }>();
  for (const name of new Set(names)) out.set(name, await currentState(layout, name));
  return out;
}

export interface AffectedVersion {
  model: string;
  version: string;
  kind: Kind;
  /** the references that tie it to the component, from the component to this version */
  path: string[];
  stages: string[];
  /** pruned by gc: its files are gone, its manifest and lineage stay */
  pruned?: true;
}

export interface ImpactResult {
  component: string;
  /** the nodes the component stands for: one version, every version a range matches, or a URI's nodes */
  matched: string[];
  affected: AffectedVersion[];
  /** with --fail-on-stage: the affected versions in that stage; ok when there are none */
  gate?: { stage: string; ok: boolean; versions: string[] };
}

/** The nodes a component names. A range means every matching version; a URI without a pin, every pin of it. */
async function componentsOf(source: LineageSource, graph: LineageGraph, text: string): Promise<string[]> {
  if (looksLikeUri(text)) {
    const ref = externalOf(text);
    if (ref.sha256 !== undefined) return graph.knows(refId(ref)) ? [refId(ref)] : [];
    return graph.externals(ref.uri);
  }
  const { name, version: selector } = parseReference(text) as RegisteredRef;
  const versions = graph.versions(name);
  if (versions.length === 0) throw new MregError('NOT_FOUND', `${name} is not registered${didYouMean(name, graph.names())}`);
  // Read as everywhere else: an exact version, latest, then a stage before a range.
  if (valid(selector) === selector || selector === 'latest') return [await rootOf(source, graph, text)];
  if (couldBeStage(selector) && (await configOf(source)).stages[selector]) return [await rootOf(source, graph, text)];
  const [{ default: validRange }, { default: satisfies }] = await Promise.all([import('semver/ranges/valid.js'), import('semver/functions/satisfies.js')]);
  if (!validRange(selector)) return [await rootOf(source, graph, text)]; // refused there, with the usual message
  const matching = versions.filter((v) => satisfies(v, selector));
  if (matching.length === 0) {
    throw new MregError('NOT_FOUND', `no version of ${name} matches ${selector} (versions: ${versions.slice(-5).join(', ')}${versions.length > 5 ? ', ...' : ''})`);
  }
  return matching.map((v) => `${name}@${v}`);
}

export async function impact(source: LineageSource, req: { component: string; failOnStage?: string | undefined }, graph?: LineageGraph): Promise<ImpactResult> {
  if (req.failOnStage !== undefined) {
    const { stages } = await configOf(source);
    // A misspelt stage would make the gate pass whatever happens.
    if (!stages[req.failOnStage]) throw new MregError('USAGE', `failOnStage ${JSON.stringify(req.failOnStage)}: unknown stage (stages in config.yaml: ${Object.keys(stages).join(', ')})`, { data: { option: 'failOnStage' } });
  }
  const g = graph ?? (await loadGraph(source.layout));
  const matched = await componentsOf(source, g, req.component);
  const paths = g.dependents(matched);
  const byModel = new Map<string, string[]>();
  for (const id of paths.keys()) {
    const record = g.record(id)!;
    const versions = byModel.get(record.name) ?? [];
    versions.push(record.version);
    byModel.set(record.name, versions);
  }
  const affected: AffectedVersion[] = [];
  const histories = await historiesOf(source.layout, [...byModel.keys()]);
  const prunes = new Map([...histories].map(([model, h]) => [model, h.pruned]));
  if ([...prunes.values()].some((p) => p.size > 0)) await dropProtectedPrunes(source.layout, (await configOf(source)).retention.protect, prunes);
  for (const model of [...byModel.keys()].sort()) {
    const { state, pruned } = histories.get(model)!;
    for (const version of g.versions(model)) {
      const path = paths.get(`${model}@${version}`);
      if (!path) continue;
      const row: AffectedVersion = { model, version, kind: g.record(`${model}@${version}`)!.kind, path, stages: stagesOf(state, version) };
      if (pruned.has(version)) row.pruned = true;
      affected.push(row);
    }
  }
  const result: ImpactResult = { component: req.component, matched, affected };
  if (req.failOnStage !== undefined) {
    const stage = req.failOnStage;
    const versions = affected.filter((a) => a.stages.includes(stage)).map((a) => `${a.model}@${a.version}`);
    result.gate = { stage, ok: versions.length === 0, versions };
  }
  return result;
}
