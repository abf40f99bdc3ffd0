// DuckDB yardstick and second engine for sluice's benchmarks.
//
//   node run.mjs bench PARQUET [ITERATIONS] [THREADS,...]
//       runs every query of queries.json (written from bench.Queries by the
//       Go tests) ITERATIONS times (default 5) per thread count (default 1,2)
//       against PARQUET as table `lineitem`, and prints rows/s as JSON.
//   node run.mjs query PARQUET SQL
//       runs one query and prints {columns, types, rows} as JSON.
//   node run.mjs -    (request JSON on stdin; what the Go helpers use)
//       {"mode": "bench"|"query"|"queries", "parquet": "...",
//        "queries": [{"name","sql"}], "iterations": 5, "threads": [1, 2],
//        "sql": "...", "sqls": ["...", ...]}
//
// PARQUET is a file, a glob, or a directory (read as DIR/*.parquet).
// Timings are wall time of connection.run(), which materializes the whole
// result in DuckDB's native memory; only the row count crosses into
// JavaScript, so result conversion does not count against DuckDB.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function fail(msg) {
  process.stderr.write(`run.mjs: ${msg}\n`);
  process.exit(2);
}

async function request() {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === '-') {
    const chunks = [];
    for await (const c of process.stdin) chunks.push(c);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }
  if (mode === 'bench') {
    if (!rest[0]) fail('usage: node run.mjs bench PARQUET [ITERATIONS] [THREADS,...]');
    return {
      mode, parquet: rest[0],
      iterations: rest[1] ? Number(rest[1]) : undefined,
      threads: rest[2] ? rest[2].split(',').map(Number) : undefined,
    };
  }
  if (mode === 'query') {
    if (!rest[0] || !rest[1]) fail('usage: node run.mjs query PARQUET SQL');
    return { mode, parquet: rest[0], sql: rest[1] };
  }
  fail('usage: node run.mjs bench|query|- ...');
}

function sqlString(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

function source(path) {
  try {
    if (statSync(path).isDirectory()) return join(path, '*.parquet');
  } catch {
    // A glob, or a missing file: let DuckDB report it.
  }
  return path;
}

function answer(r) {
  return {
    columns: r.columnNames(),
    types: r.columnTypes().map((t) => t.toString()),
    rows: r.getRowsJson(),
  };
}

async function main() {
  const req = await request();
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  await conn.run(`CREATE VIEW lineitem AS SELECT * FROM read_parquet(${sqlString(source(req.parquet))})`);

  if (req.mode === 'query') {
    const r = await conn.runAndReadAll(req.sql);
    process.stdout.write(JSON.stringify(answer(r)) + '\n');
    return;
  }
  if (req.mode === 'queries') {
    // Several queries in one process (DuckDB takes ~1 s to load); a failing
    // query gives {error} in its place and the others still run.
    const out = [];
    for (const sql of req.sqls) {
      try {
        out.push(answer(await conn.runAndReadAll(sql)));
      } catch (e) {
        out.push({ error: e?.message ?? String(e) });
      }
    }
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }

  const queries = req.queries ?? JSON.parse(readFileSync(join(here, 'queries.json'), 'utf8'));
  const iterations = req.iterations ?? 5;
  const threads = req.threads ?? [1, 2];
  const countReader = await conn.runAndReadAll('SELECT count(*) FROM lineitem');
  const tableRows = Number(countReader.getRowsJson()[0][0]);
  const results = [];
  for (const q of queries) {
    const res = { name: q.name, sql: q.sql, tableRows, resultRows: 0, timings: [] };
    for (const t of threads) {
      await conn.run(`SET threads=${Number(t)}`);
      // One warm-up run (page cache, parquet metadata cache) not timed.
      res.resultRows = Number((await conn.run(q.sql)).rowCount);
      const secs = [];
      const cpu = [];
      for (let i = 0; i < iterations; i++) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        await conn.run(q.sql);
        secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      }
      const sorted = [...secs].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      // Process CPU time (all threads): on a busy machine, rows per CPU
      // second at threads=1 estimates the uncontended single-core speed.
      const cpuMedian = [...cpu].sort((a, b) => a - b)[Math.floor(cpu.length / 2)];
      res.timings.push({
        threads: Number(t),
        runs: secs.length,
        seconds: secs,
        median,
        best: sorted[0],
        rowsPerSec: tableRows / median,
        cpuSeconds: cpu,
        rowsPerCpuSec: tableRows / cpuMedian,
      });
    }
    results.push(res);
  }
  const version = (await conn.runAndReadAll('SELECT version()')).getRowsJson()[0][0];
  process.stdout.write(JSON.stringify({ duckdb: version, parquet: req.parquet, results }, null, 1) + '\n');
}

main().catch((e) => fail(e?.message ?? String(e)));
