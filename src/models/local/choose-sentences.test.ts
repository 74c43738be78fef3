import { describe, expect, it } from 'vitest';
import { chooseSentences } from './choose-sentences.js';

const choose = (question: string, text: string, title = 'Doc') =>
  chooseSentences(question, [{ n: 1, title, text }], () => 1).map((c) => c.sentence);

describe('chooseSentences on plain-text documentation', () => {
  it('quotes a definition-list entry with its term: the option is the answer', () => {
    const text =
      'Special configure options:\n\n--with-afs\n  Make find support "-fstype afs". Requires /afs and the AFS libraries.\n\nDEFAULT_ARG_SIZE=<value>\n  Sets the default argument size of xargs.';
    const chosen = choose('Which configure option makes find support -fstype afs?', text, 'findutils');
    expect(chosen).toContain('--with-afs: Make find support "-fstype afs".');
  });

  it("answers an FAQ's question with its answer, never with the question itself", () => {
    const text =
      'Q: Why does the build fail on Solaris with the shell?\n\nA: The shell lacks readline there; install it first.\n\nQ: When I give a dual address linked with "!!" on\nthe command line, I get "event not found". Quoting does not help.\n\nA: The shell expands "!" itself. Run set +H and put it in your profile.';
    const chosen = choose('My shell says event not found for a dual address with !!; how do I fix it?', text);
    // The answer to the question that holds the asked words, though both answers name the shell.
    expect(chosen[0]).toBe('A: The shell expands "!" itself.');
    expect(chosen[1]).toBe('Run set +H and put it in your profile.');
    expect(chosen.some((s) => s.startsWith('Q:'))).toBe(false);
  });

  it('keeps key: value lines whole, also when the next line is another key', () => {
    const text = 'telescope.aperture_mm: 102\ntelescope.focalLength: 900\ntelescope.mountType: equatorial';
    expect(choose('What is the aperture of the telescope?', text)[0]).toBe('telescope.aperture_mm: 102');
  });

  it('finds a term written together with its number (RFC931 for "RFC 931")', () => {
    const text =
      'Username lookups follow RFC931 and may be slow. The wrappers use a 10-second timeout for RFC931 lookups. Logging goes to syslog.';
    expect(choose('What timeout is used for RFC 931 lookups?', text)[0]).toContain('10-second timeout');
  });

  it("leaves out the question's own small words in another language", () => {
    const text =
      "Per il resto, il file è letto da cima a fondo e per le righe vuote non c'è nulla da fare.\n\nQuesto formato è supportato da apt a partire dalla versione 1.1.";
    expect(choose('Da quale versione di apt è supportato il formato deb822 per le fonti?', text)).toEqual([
      'Questo formato è supportato da apt a partire dalla versione 1.1.',
    ]);
  });
});
