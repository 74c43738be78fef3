/**
 * `npm run eval:rag`: the team-written set (recall@5, MRR, the local model's cited-answer rate) and the public
 * set (recall@1, recall@5, fact in answer, refusals, wrong groundings), each half of the public set apart.
 * `--verbose` lists the public tune half's failures (never the held-out half's: it is not for tuning).
 */
import { loadConfig, environmentWithDotEnv } from '../src/config/index.js';
import { createEmbedder } from '../src/models/index.js';
import { RELEVANCE_FLOOR } from '../src/rag/index.js';
import { calibrateFloor, runPublicEval } from './public-eval.js';
import { runRagEval } from './rag-eval.js';

const config = loadConfig({ ...environmentWithDotEnv(), LOG_LEVEL: 'silent' });
const verbose = process.argv.includes('--verbose');
const runs = [{ label: 'lexical', embedder: undefined }];
if (config.models.embeddingModel) {
  runs.push({
    label: `hybrid (${config.models.embeddingModel})`,
    embedder: createEmbedder(config.models.embeddingModel, config.models.providers) as never,
  });
}
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
for (const { label, embedder } of runs) {
  const report = await runRagEval(embedder);
  console.log(`\n${label}, team-written set (eval/corpus): ${report.questions} questions`);
  console.log(`  recall@5              ${pct(report.recallAt5)}`);
  console.log(`  MRR (top 10)          ${report.mrr.toFixed(3)}`);
  console.log(`  local model cites a right passage  ${pct(report.localCitedRight)}`);
  for (const m of report.misses) {
    console.log(`    ${m.id} rank ${m.rank ?? '-'}${m.cited ? '' : ', not cited'}: ${m.question}`);
  }
  console.log(`\n${label}, public set (eval/public: Debian's documentation, nobody here wrote it)`);
  for (const half of await runPublicEval(embedder)) {
    console.log(`  ${half.split} half: ${half.answerable} answerable, ${half.uncovered} uncovered`);
    console.log(`    recall@1                        ${pct(half.recallAt1)}`);
    console.log(`    recall@5                        ${pct(half.recallAt5)}`);
    console.log(`    local answer holds the fact     ${pct(half.factInAnswer)}`);
    console.log(`    wrong groundings (answerable)   ${half.wrongGroundings}`);
    console.log(
      `    uncovered with no sources       ${half.correctRefusals}/${half.uncovered} (${pct(half.correctRefusals / half.uncovered)}), ${half.uncovered - half.correctRefusals} grounded wrongly`,
    );
    if (half.split === 'tune') {
      const { floor, right, of } = calibrateFloor(half);
      console.log(
        `    relevance floor that separates this half best: ${floor} (${right}/${of} decided right; RELEVANCE_FLOOR is ${RELEVANCE_FLOOR})`,
      );
    }
    if (verbose && half.split === 'tune') {
      for (const r of half.results) {
        const failed = r.kind === 'uncovered' ? r.sources.length > 0 : r.rank !== 1 || !r.factInAnswer;
        if (failed)
          console.log(
            `      ${r.id} rank ${r.rank ?? '-'} rel ${r.relevance} fact ${r.factInAnswer} [${r.sources.join(', ')}] ${r.question}\n        → ${r.answer.slice(0, 300).replace(/\n/g, ' ')}`,
          );
      }
    }
  }
}
if (!config.models.embeddingModel) console.log('\n(set EMBEDDING_MODEL to evaluate hybrid retrieval too)');
