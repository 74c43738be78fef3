import { type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * A test server whose `openai:` models talk to a fresh fake upstream that records every request; `close`
 * stops both (the server first).
 */
export async function startServerWithUpstream(
  env: Record<string, string> = {},
): Promise<{ t: TestServer; upstream: FakeUpstream; close(): Promise<void> }> {
  const upstream = await startFakeUpstream();
  try {
    const t = await startTestServer({
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        MODEL_RETRY_BASE_MS: '0',
        ...env,
      },
    });
    return {
      t,
      upstream,
      async close() {
        await t.close();
        await upstream.close();
      },
    };
  } catch (error) {
    await upstream.close();
    throw error;
  }
}

/** The input of the weather tool the tool tests offer, as JSON Schema. */
export const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};

/** The assistant message, on the OpenAI chat wire, that calls the weather tool for `city`. */
export function weatherCallMessage(id: string, city: string) {
  return {
    role: 'assistant' as const,
    content: null,
    tool_calls: [
      {
        id,
        type: 'function' as const,
        function: { name: 'get_weather', arguments: JSON.stringify({ city }) },
      },
    ],
  };
}
