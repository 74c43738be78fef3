import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phrasesFor } from '../src/models/index.js';
import { postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { upload } from './helpers/upload.js';

// The same question in each language the local model speaks: nothing in StreamForge's documentation or in a
// bicycle manual answers it.
const CAPITAL: [string, string][] = [
  ['fr', 'Quelle est la capitale de la Mongolie ?'],
  ['de', 'Was ist die Hauptstadt der Mongolei?'],
  ['es', '¿Cuál es la capital de Mongolia?'],
  ['it', 'Qual è la capitale della Mongolia?'],
  ['pt', 'Qual é a capital da Mongólia?'],
  ['nl', 'Wat is de hoofdstad van Mongolië?'],
  ['he', 'מהי עיר הבירה של מונגוליה?'],
  ['ar', 'ما هي عاصمة منغوليا؟'],
  ['zh', '蒙古的首都是哪里？'],
  ['ja', 'モンゴルの首都はどこですか？'],
];

const answerOf = (events: { event: string; data: Record<string, unknown> }[]) =>
  events
    .filter((e) => e.event === 'token')
    .map((e) => e.data.delta)
    .join('');

describe('the local model speaks the question’s language in its own sentences', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(CAPITAL)('%s: says it has nothing on that, in that language', async (language, message) => {
    const { events } = await postChatStream(t.url, { message });
    expect(answerOf(events)).toBe(phrasesFor(language).noMatch);
  });

  it('says the documents do not cover it, in the question’s language, once there are documents', async () => {
    const bikes = readFileSync(new URL('../eval/corpus/bicycle-maintenance.md', import.meta.url), 'utf8');
    const { body } = await upload(t.url, [{ name: 'bicycle-maintenance.md', content: bikes }]);
    const documentId = body.files[0].document.id as string;
    try {
      for (const [language, message] of CAPITAL) {
        const { events } = await postChatStream(t.url, { message });
        expect(answerOf(events)).toBe(phrasesFor(language).uncovered);
      }
      // English stays English.
      const english = await postChatStream(t.url, { message: 'What is the capital of Mongolia?' });
      expect(answerOf(english.events)).toBe(phrasesFor('en').uncovered);
    } finally {
      await fetch(`${t.url}/v1/documents/${documentId}`, { method: 'DELETE' });
    }
  });
});
