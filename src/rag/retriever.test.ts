import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/test-database.js';
import { DocumentStore, migrate } from '../store/index.js';
import { ingestDocument } from './ingest-document.js';
import { queryTerms, RELEVANCE_FLOOR, Retriever } from './retriever.js';

describe('queryTerms', () => {
  it("drops the question's function words in its own language and keeps a version whole", () => {
    expect(queryTerms('Da quale versione di apt è supportato il formato deb822 per le fonti?')).toEqual([
      'versione',
      'apt',
      'supportato',
      'formato',
      'deb822',
      'fonti',
    ]);
    expect(queryTerms('Which zlib should I use with libpng 1.6.39?')).toEqual([
      'zlib',
      'use',
      'libpng',
      '1.6.39',
    ]);
  });
});

describe('Retriever.ground', () => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let retriever: Retriever;
  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    await migrate(t.db);
    const documents = new DocumentStore(t.db);
    const add = (filename: string, text: string) =>
      ingestDocument(
        {
          userId: 'u',
          filename,
          bytes: Buffer.from(text),
          sha256: createHash('sha256').update(text).digest('hex'),
        },
        documents,
        undefined,
      );
    // The first repeats the question's commonest words; the second holds every word of it once.
    await add(
      'bugs.md',
      '# Reporting bugs\n\nA gcc bug report must be a full bug report. Every bug report about gcc is read; a bug report that is a duplicate bug report is closed. Report the bug once.',
    );
    await add(
      'details.md',
      '# What to send\n\nAdd -save-temps to the compile command: gcc then keeps the preprocessed file a bug report needs.',
    );
    await add('garden.md', '# Roses\n\nPrune roses in late winter, just above an outward-facing bud.');
    await add(
      'free.md',
      "# Commande free\n\nL'option -s permet d'afficher la mémoire en continu : la commande free répète " +
        "l'affiche toutes les N secondes, jusqu'à ce qu'on l'interrompe. Sans elle, la commande ne s'exécute qu'une fois.",
    );
    retriever = new Retriever(documents, undefined);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('puts the passage that holds most of the question first, whatever the rank of repeated words', async () => {
    const grounding = await retriever.ground(
      'u',
      'Which option do I add to the gcc compile command to produce the preprocessed file for a bug report?',
      5,
    );
    expect(grounding.grounded).toBe(true);
    expect(grounding.chunks[0]?.text).toContain('-save-temps');
  });

  it('finds a word in another of its forms by its beginning when no passage holds it as asked', async () => {
    // "affichage" is in no passage, "afficher" and "affiche" are ("périodique" in none, nor its beginning).
    const grounding = await retriever.ground('u', 'Quelle option de free donne un affichage périodique ?', 5);
    expect(grounding.grounded).toBe(true);
    expect(grounding.chunks[0]?.text).toContain("L'option -s");
    expect(grounding.chunks[0]?.matched).toContain('affich:*');
  });

  it('grounds nothing when the best passage holds no more than the floor of the question', async () => {
    const grounding = await retriever.ground(
      'u',
      'How do I report a rose that will not bloom in my garden?',
      5,
    );
    expect(grounding.relevance).toBeLessThanOrEqual(RELEVANCE_FLOOR);
    expect(grounding.chunks).toEqual([]);
  });
});
