import { describe, expect, it } from 'vitest';
import { detectLanguage, languageName } from './detect-language.js';
import { basePromptFor, UnknownTemplateError, withLanguage } from './system-prompt.js';

describe('detectLanguage', () => {
  it.each([
    ['Wie funktioniert das Streaming von Antworten in diesem Server?', 'de'],
    ['Comment puis-je annuler une génération en cours ?', 'fr'],
    ['How do I cancel a generation that is running?', 'en'],
    ['¿Cómo puedo cancelar una generación en curso?', 'es'],
  ])('%s → %s', (text, code) => {
    expect(detectLanguage(text)).toBe(code);
  });

  it('reports nothing for text too short to tell', () => {
    expect(detectLanguage('ok')).toBeNull();
    expect(detectLanguage('👍 1234')).toBeNull();
  });

  it('names languages in English', () => {
    expect(languageName('de')).toBe('German');
  });
});

describe('basePromptFor and withLanguage', () => {
  const sources = { serverPrompt: 'Server prompt.', templates: { concise: 'Be brief.' } };

  it("uses the request's prompt, else its template, else the server's", () => {
    expect(basePromptFor(sources, { system: 'Mine.' })).toBe('Mine.');
    expect(basePromptFor(sources, { system_template: 'Concise' })).toBe('Be brief.');
    expect(basePromptFor(sources, {})).toBe('Server prompt.');
  });

  it("tells the model to answer in the user's language", () => {
    expect(withLanguage('Server prompt.', 'de')).toBe(
      'Server prompt.\n\nThe user writes in German (de). Answer in German unless the user asks for another language.',
    );
  });

  it('refuses a template that is not configured', () => {
    expect(() => basePromptFor(sources, { system_template: 'pirate' })).toThrow(UnknownTemplateError);
    expect(withLanguage('Server prompt.', null)).toBe('Server prompt.');
  });
});
