/** `npm run eval:rag`: prints recall@5, MRR and the local model's cited-answer rate on the evaluation set. */
import { loadConfig, environmentWithDotEnv } from '../src/config/index.js';
import { createEmbedder } from '../src/models/index.js';
import { runRagEval } from './rag-eval.js';

const config = loadConfig({ ...environmentWithDotEnv(), LOG_LEVEL: 'silent' });
const runs = [{ label: 'lexical', embedder: undefined }];
if (config.models.embeddingModel) {
  runs.push({
    label: `hybrid (${config.models.embeddingModel})`,
    embedder: createEmbedder(config.models.embeddingModel, config.models.providers) as never,
  });
}
for (const { label, embedder } of runs) {
  const report = await runRagEval(embedder);
  console.log(`\n${label}: ${report.questions} questions`);
  console.log(`  recall@5              ${(report.recallAt5 * 100).toFixed(1)} %`);
  console.log(`  MRR (top 10)          ${report.mrr.toFixed(3)}`);
  console.log(`  local model cites a right passage  ${(report.localCitedRight * 100).toFixed(1)} %`);
  for (const m of report.misses) {
    console.log(`    ${m.id} rank ${m.rank ?? '-'}${m.cited ? '' : ', not cited'}: ${m.question}`);
  }
}
if (!config.models.embeddingModel) console.log('\n(set EMBEDDING_MODEL to evaluate hybrid retrieval too)');
