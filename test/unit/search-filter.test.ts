import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { matches, parseFilter, type Searchable } from '../../src/core/search/filter.js';
import { parseSortKey, sortRows } from '../../src/core/search/sort.js';

const row = (version: string, extra: Partial<Searchable> = {}): Searchable => ({
  version,
  created_at: '2026-03-01T10:00:00.000Z',
  stages: [],
  metrics: {},
  params: {},
  tags: {},
  ...extra,
});

const ROWS: Searchable[] = [
  row('1.0.0', { metrics: { auc: 0.88, loss: 0.3 }, tags: { owner: 'risk' }, params: { lr: 0.01, optimizer: 'adam' }, created_at: '2026-01-01T00:00:00.000Z' }),
  row('1.1.0', { metrics: { auc: 0.91 }, tags: { owner: 'risk', tier: 1 }, params: { lr: '0.001' }, stages: ['staging'], created_at: '2026-02-01T00:00:00.000Z' }),
  row('1.2.0', { metrics: { auc: 0.93, 'val.loss': 0.2 }, tags: { owner: 'growth' }, stages: ['production'], created_at: '2026-03-01T00:00:00.000Z' }),
  row('2.0.0-rc.0', { metrics: {}, tags: {}, created_at: '2026-04-01T00:00:00.000Z' }),
];

function versions(expr: string): string[] {
  const filter = parseFilter(expr);
  return ROWS.filter((r) => matches(r, filter)).map((r) => r.version);
}

describe('the --where filter language', () => {
  it.each([
    ['metrics.auc >= 0.9', ['1.1.0', '1.2.0']],
    ['metrics.auc>0.9', ['1.1.0', '1.2.0']],
    ['metrics.auc > 0.91', ['1.2.0']],
    ['metrics.auc < 0.9', ['1.0.0']],
    ['metrics.auc <= 0.91', ['1.0.0', '1.1.0']],
    ['metrics.auc = 0.91', ['1.1.0']],
    ['metrics.auc == 0.91', ['1.1.0']],
    ['metrics.auc != 0.91', ['1.0.0', '1.2.0']], // a version without the metric matches nothing, not even !=
    ['metrics.auc >= 9e-1', ['1.1.0', '1.2.0']],
    ['metrics.auc > -1', ['1.0.0', '1.1.0', '1.2.0']],
    ["metrics.auc >= 0.9 and tags.owner = 'risk'", ['1.1.0']],
    ["metrics.auc >= 0.9 AND tags.owner = \"risk\"", ['1.1.0']],
    ["tags.owner != 'risk'", ['1.2.0']],
    ['tags.tier = 1', ['1.1.0']],
    ["tags.tier = '1'", ['1.1.0']],
    ["params.optimizer = 'adam'", ['1.0.0']],
    ['params.lr < 0.005', ['1.1.0']], // a numeric string param compares as a number against a number
    ["params.lr = '0.001'", ['1.1.0']],
    ['metrics.val.loss < 0.5', ['1.2.0']],
    ['metrics.`val.loss` < 0.5', ['1.2.0']],
    ["stage = 'production'", ['1.2.0']],
    ["stage != 'production'", ['1.0.0', '1.1.0', '2.0.0-rc.0']],
    ["version >= '1.1.0'", ['1.1.0', '1.2.0', '2.0.0-rc.0']],
    ["version < '2.0.0'", ['1.0.0', '1.1.0', '1.2.0', '2.0.0-rc.0']], // semver order: 2.0.0-rc.0 < 2.0.0
    ["version = '1.2.0'", ['1.2.0']],
    ["created_at >= '2026-02-01'", ['1.1.0', '1.2.0', '2.0.0-rc.0']],
    ["created_at < '2026-02-01T00:00:00Z'", ['1.0.0']],
    ["tags.owner = 'it''s'", []],
    ['metrics.missing > 0', []],
  ])('%s', (expr, expected) => {
    expect(versions(expr)).toEqual(expected);
  });

  it('reads quoted strings with doubled quotes', () => {
    expect(parseFilter("tags.note = 'it''s'")[0]!.value).toBe("it's");
  });

  it.each([
    ['', 1, /empty/],
    ['   ', 1, /empty/],
    ['auc >= 0.9', 1, /unknown key 'auc'/],
    ['metrics >= 0.9', 9, /expected '\.'/],
    ['metrics. >= 0.9', 10, /expected a name/],
    ['metrics.auc', 12, /expected a comparison.*end of the expression/],
    ['metrics.auc 0.9', 13, /expected a comparison/],
    ['metrics.auc >= ', 16, /expected a number or a quoted string/],
    ["tags.owner = risk", 14, /quote strings: 'risk'/],
    ["tags.owner = 'risk", 14, /string is not closed/],
    ['metrics.`auc >= 1', 9, /backquoted name is not closed/],
    ['metrics.auc ! 0.9', 13, /'!' must be followed by '='/],
    ['metrics.auc >= 0.9 or metrics.auc < 0.1', 20, /'or' is not supported/],
    ['metrics.auc >= 0.9 metrics.f1 > 0', 20, /expected 'and'/],
    ['metrics.auc >= 0.9 and', 23, /expected a key/],
    ['metrics.auc >= 0.9 ; drop', 20, /unexpected character ";"/],
    ["metrics.auc >= 'high'", 16, /metrics\.auc is compared with a number/],
    ['version >= 1', 12, /version is compared with a quoted string/],
    ["version >= 'one'", 12, /not a valid semver/],
    ["created_at > 'yesterday'", 14, /not an ISO 8601 time/],
    ["stage > 'production'", 1, /stage can only be compared with = or !=/],
    ['(metrics.auc > 1)', 1, /unexpected character "\("/],
  ])('refuses %j at position %i', (expr, position, message) => {
    try {
      parseFilter(expr);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MregError);
      const e = err as MregError;
      expect(e.code).toBe('USAGE');
      expect(e.message).toMatch(new RegExp(`^where: at position ${position}: `));
      expect(e.message).toMatch(message);
      expect(e.data).toEqual({ option: 'where', position });
    }
  });

  it('refuses an expression longer than it could need, without parsing it', () => {
    expect(() => parseFilter('metrics.a > 1 and '.repeat(1000))).toThrow(/longer than 4096/);
  });

  it('names the option it was given', () => {
    expect(() => parseFilter('x', 'filter')).toThrow(/^filter: at position 1/);
  });
});

describe('the --sort keys', () => {
  const order = (...keys: string[]) => sortRows(ROWS, keys.map((k) => parseSortKey(k))).map((r) => r.version);

  it('sorts by a metric, ascending and descending, missing values last either way', () => {
    expect(order('metrics.auc')).toEqual(['1.0.0', '1.1.0', '1.2.0', '2.0.0-rc.0']);
    expect(order('-metrics.auc')).toEqual(['1.2.0', '1.1.0', '1.0.0', '2.0.0-rc.0']);
  });

  it('sorts by version in semver order and by creation time', () => {
    expect(order('-version')).toEqual(['2.0.0-rc.0', '1.2.0', '1.1.0', '1.0.0']);
    expect(order('-created_at')).toEqual(['2.0.0-rc.0', '1.2.0', '1.1.0', '1.0.0']);
  });

  it('breaks ties with the next key, then keeps the given order', () => {
    expect(order('tags.owner', '-version')).toEqual(['1.2.0', '1.1.0', '1.0.0', '2.0.0-rc.0']);
    expect(order('tags.owner')).toEqual(['1.2.0', '1.0.0', '1.1.0', '2.0.0-rc.0']);
  });

  it('puts versions without a stage last', () => {
    expect(order('-stage')[0]).toBe('1.1.0');
    expect(order('stage').slice(2)).toEqual(['1.0.0', '2.0.0-rc.0']);
  });

  it.each(['auc', '-', 'metrics.', 'metrics', 'owner.tags'])('refuses the key %j, naming the option', (key) => {
    try {
      parseSortKey(key);
      expect.unreachable();
    } catch (err) {
      expect((err as MregError).code).toBe('USAGE');
      expect((err as MregError).data).toEqual({ option: 'sort' });
    }
  });
});
