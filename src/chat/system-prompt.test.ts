import { describe, expect, it } from 'vitest';
import { basePromptFor, UnknownTemplateError, withLanguage } from './system-prompt.js';

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
